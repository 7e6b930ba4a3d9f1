"""The fake Jira (tests/support/fake_jira.py) driven as Jira Cloud is, with a plain httpx client.
Every request and answer is checked against Atlassian's description (the ``jira`` fixture fails
a test on any violation); the tests that send a wrong request on purpose take the violation and
show it was seen. The JQL subset itself: tests/test_fake_jira_jql.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support.fake_jira import FakeJira
from tests.support.fake_jira_fixture import make_fake_jira
from tests.support.fake_jira_state import adf, adf_text

API = "/rest/api/3"


def doc(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


@pytest.fixture
def api(jira: FakeJira) -> Iterator[httpx.Client]:
    auth = (jira.email, jira.token)
    headers = {"Accept": "application/json"}
    with httpx.Client(base_url=jira.api_url, auth=auth, headers=headers, timeout=10) as client:
        yield client


def search(api: httpx.Client, jql: str, **more: Any) -> list[str]:
    """The keys a search finds, every page of it."""
    keys: list[str] = []
    token = None
    while True:
        body = {"jql": jql, "fields": ["key"], **more}
        if token:
            body["nextPageToken"] = token
        page = api.post(f"{API}/search/jql", json=body)
        assert page.status_code == 200, page.text
        keys += [i["key"] for i in page.json()["issues"]]
        if page.json()["isLast"]:
            assert "nextPageToken" not in page.json()
            return keys
        token = page.json()["nextPageToken"]


# -- who, where ----------------------------------------------------------------------------------
def test_myself_and_server_info(jira: FakeJira, api: httpx.Client) -> None:
    me = api.get(f"{API}/myself").json()
    assert me["emailAddress"] == jira.email and me["accountId"] == jira.account_id
    assert me["active"] is True and me["accountType"] == "atlassian"
    info = api.get(f"{API}/serverInfo").json()
    assert info["baseUrl"] == jira.url and info["deploymentType"] == "Cloud"
    assert datetime.fromisoformat(info["serverTime"]).utcoffset() is not None
    assert jira.requests[-1].path == f"{API}/serverInfo" and jira.requests[-1].status == 200
    assert jira.token not in repr(jira)


# -- search --------------------------------------------------------------------------------------
def test_search_pages_with_opaque_tokens_and_only_the_fields_asked(
    jira: FakeJira, api: httpx.Client
) -> None:
    keys = [jira.add_issue("WEB", f"Issue {n}", labels=["cco"]) for n in range(7)]
    jira.add_issue("OPS", "Elsewhere")
    first = api.post(
        f"{API}/search/jql",
        json={"jql": "project = WEB ORDER BY key ASC", "maxResults": 3, "fields": ["summary"]},
    ).json()
    assert [i["key"] for i in first["issues"]] == keys[:3]
    assert first["isLast"] is False and "WEB" not in first["nextPageToken"]
    assert all(set(i["fields"]) == {"summary"} for i in first["issues"])
    second = api.get(
        f"{API}/search/jql",
        params={
            "jql": "project = WEB ORDER BY key ASC",
            "maxResults": "3",
            "fields": "summary,status",
            "nextPageToken": first["nextPageToken"],
        },
    ).json()
    assert [i["key"] for i in second["issues"]] == keys[3:6]
    assert set(second["issues"][0]["fields"]) == {"summary", "status"}
    assert search(api, "project = WEB ORDER BY key ASC", maxResults=2) == keys
    # the default is the id alone; a token is for the query it came with
    bare = api.post(f"{API}/search/jql", json={"jql": "project = OPS"}).json()
    assert bare["issues"] == [{"id": jira.issue("OPS-1").id}] and bare["isLast"] is True
    other = api.post(
        f"{API}/search/jql", json={"jql": "project = OPS", "nextPageToken": first["nextPageToken"]}
    )
    assert other.status_code == 400
    assert other.json()["errorMessages"] == ["The provided next page token is invalid or expired."]


def test_search_by_jql_and_its_syntax_errors(jira: FakeJira, api: httpx.Client) -> None:
    a = jira.add_issue("WEB", "A", labels=["cco"])
    b = jira.add_issue("WEB", "B", status="In Progress")
    jira.move(a, "Done")
    assert search(api, 'project = WEB AND status = "In Progress"') == [b]
    assert search(api, "project = WEB AND statusCategory != Done ORDER BY key") == [b]
    assert search(api, "labels in (cco, other) AND key = WEB-1") == [a]
    bad = api.get(f"{API}/search/jql", params={"jql": "project = WEB AND (labels = x"})
    assert bad.status_code == 400
    assert bad.json() == {
        "errorMessages": [
            "Error in the JQL Query: Expecting ')' but got 'EOF'. (line 1, character 30)"
        ],
        "errors": {},
    }
    unknown = api.post(f"{API}/search/jql", json={"jql": "project = NOPE"})
    assert unknown.json()["errorMessages"] == [
        "The value 'NOPE' does not exist for the field 'project'."
    ]
    unbounded = api.post(f"{API}/search/jql", json={"jql": "order by key desc"})
    assert unbounded.status_code == 400 and "Unbounded" in unbounded.json()["errorMessages"][0]


def test_the_removed_search_answers_410_and_is_a_violation(
    jira: FakeJira, api: httpx.Client
) -> None:
    gone = api.get(f"{API}/search", params={"jql": "project = WEB"})
    assert gone.status_code == 410
    assert "/rest/api/3/search/jql" in gone.json()["errorMessages"][0]
    assert jira.take_violations() == [
        "request GET /rest/api/3/search: removed by Atlassian (CHANGE-2046), use "
        "/rest/api/3/search/jql"
    ]


# -- issues ----------------------------------------------------------------------------------------
def test_issue_fields_links_times_and_404(jira: FakeJira, api: httpx.Client) -> None:
    blocker = jira.add_issue("WEB", "Blocker", "Needs **care**\n\n- one\n- two", priority="High")
    blocked = jira.add_issue("WEB", "Blocked", blocked_by=[blocker], labels=["cco", "ui"])
    got = api.get(f"{API}/issue/{blocked}").json()
    fields = got["fields"]
    assert got["key"] == blocked and fields["labels"] == ["cco", "ui"]
    assert fields["status"]["statusCategory"]["key"] == "new"
    (link,) = fields["issuelinks"]
    assert link["type"]["name"] == "Blocks" and link["type"]["inward"] == "is blocked by"
    assert link["inwardIssue"]["key"] == blocker and "outwardIssue" not in link
    assert link["inwardIssue"]["fields"]["summary"] == "Blocker"
    assert link["inwardIssue"]["fields"]["status"]["name"] == "To Do"
    other = api.get(f"{API}/issue/{blocker}", params={"fields": "issuelinks,description"}).json()
    assert set(other["fields"]) == {"issuelinks", "description"}
    assert other["fields"]["issuelinks"][0]["outwardIssue"]["key"] == blocked
    assert adf_text(other["fields"]["description"]) == "Needs care\none\ntwo\n"
    assert other["fields"]["description"]["content"][1]["type"] == "bulletList"
    updated = fields["updated"]
    assert len(updated) == 28 and updated.endswith("+0000") and updated[23] == "+"
    jira.edit_issue(blocked, summary="Renamed")
    assert api.get(f"{API}/issue/{blocked}").json()["fields"]["summary"] == "Renamed"
    jira.delete_issue(blocker)
    for ref in (blocker, "WEB-99"):
        gone = api.get(f"{API}/issue/{ref}")
        assert gone.status_code == 404
        assert gone.json()["errorMessages"] == [
            "Issue does not exist or you do not have permission to see it."
        ]
    assert api.get(f"{API}/issue/{blocked}").json()["fields"]["issuelinks"] == []
    assert search(api, "project = WEB") == [blocked]  # a deleted issue is found no more
    assert api.get(f"{API}/issue/{jira.issue(blocked).id}").json()["key"] == blocked


# -- comments ------------------------------------------------------------------------------------
def test_comments_paging_edit_and_delete_keep_adf(jira: FakeJira, api: httpx.Client) -> None:
    key = jira.add_issue("WEB", "Talk")
    before = jira.issue(key).updated
    made = [api.post(f"{API}/issue/{key}/comment", json={"body": doc(f"c{n}")}) for n in range(3)]
    assert [m.status_code for m in made] == [201] * 3
    assert made[0].json()["body"] == doc("c0") and jira.issue(key).updated >= before
    page = api.get(f"{API}/issue/{key}/comment", params={"startAt": 1, "maxResults": 1}).json()
    assert page["total"] == 3 and page["startAt"] == 1
    assert [c["body"] for c in page["comments"]] == [doc("c1")]
    cid = made[1].json()["id"]
    edited = api.put(f"{API}/issue/{key}/comment/{cid}", json={"body": doc("edited")})
    assert edited.status_code == 200 and edited.json()["body"] == doc("edited")
    assert api.get(f"{API}/issue/{key}/comment/{cid}").json()["body"] == doc("edited")
    assert api.delete(f"{API}/issue/{key}/comment/{made[0].json()['id']}").status_code == 204
    assert [c.body for c in jira.comments(key)] == [doc("edited"), doc("c2")]
    newest = api.get(f"{API}/issue/{key}/comment", params={"orderBy": "-created"}).json()
    assert [c["id"] for c in newest["comments"]] == [made[2].json()["id"], cid]
    assert api.get(f"{API}/issue/{key}/comment/999").status_code == 404
    plain = api.post(f"{API}/issue/{key}/comment", json={"body": "not ADF"})
    assert plain.status_code == 400 and "Atlassian Document" in plain.json()["errors"]["comment"]
    # Comment's body is "any" in the description: only Jira (and the fake) refuses a string


# -- transitions -----------------------------------------------------------------------------------
def test_transitions_available_and_not(jira: FakeJira, api: httpx.Client) -> None:
    key = jira.add_issue("WEB", "Flow")
    listed = api.get(f"{API}/issue/{key}/transitions").json()["transitions"]
    assert [(t["name"], t["to"]["name"], t["isGlobal"]) for t in listed] == [
        ("Start Progress", "In Progress", False),
        ("Done", "Done", True),
    ]
    review = next(t for t in jira.state.workflows["WEB"].transitions if t.to == "In Review")
    refused = api.post(f"{API}/issue/{key}/transitions", json={"transition": {"id": review.id}})
    assert refused.status_code == 400
    assert refused.json()["errorMessages"] == [
        f"Transition id '{review.id}' is not valid for this issue."
    ]
    start = listed[0]["id"]
    moved = api.post(
        f"{API}/issue/{key}/transitions",
        json={"transition": {"id": start}, "update": {"comment": [{"add": {"body": doc("go")}}]}},
    )
    assert moved.status_code == 204 and moved.content == b""
    assert jira.issue(key).status == "In Progress" and jira.comments(key)[0].body == doc("go")
    every = api.get(
        f"{API}/issue/{key}/transitions", params={"includeUnavailableTransitions": "true"}
    ).json()["transitions"]
    assert {t["id"]: t["isAvailable"] for t in every}[start] is False


def test_a_workflow_of_its_own(jira: FakeJira, api: httpx.Client) -> None:
    jira.add_workflow(
        "OPS",
        [("Open", "new"), ("Doing", "indeterminate"), ("Closed", "done")],
        [{"id": "5", "name": "Go", "from": ["Open"], "to": "Doing"}, ("Close", None, "Closed")],
    )
    key = jira.add_issue("OPS", "Custom")
    assert jira.issue(key).status == "Open"
    assert api.post(f"{API}/issue/{key}/transitions", json={"transition": {"id": "5"}}).is_success
    got = api.get(f"{API}/issue/{key}", params={"fields": "status,resolution"}).json()["fields"]
    assert got["status"]["name"] == "Doing" and got["resolution"] is None
    assert search(api, "statusCategory = indeterminate") == [key]
    with pytest.raises(ValueError, match="no status 'Nowhere'"):
        jira.add_workflow("OPS", [("Open", "new")], [("Go", ["Open"], "Nowhere")])


# -- remote links ----------------------------------------------------------------------------------
def test_remote_link_upsert_by_global_id(jira: FakeJira, api: httpx.Client) -> None:
    key = jira.add_issue("WEB", "Linked")
    body = {"globalId": "cco:pr:1", "object": {"url": "https://x/pull/1", "title": "PR #1"}}
    made = api.post(f"{API}/issue/{key}/remotelink", json=body)
    assert made.status_code == 201
    body["object"] = {"url": "https://x/pull/1", "title": "PR #1 (merged)"}
    again = api.post(f"{API}/issue/{key}/remotelink", json={**body, "relationship": "fixes"})
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    other = {"object": {"url": "https://x/y", "title": "Docs"}}
    assert api.post(f"{API}/issue/{key}/remotelink", json=other).status_code == 201
    listed = api.get(f"{API}/issue/{key}/remotelink").json()
    assert [x["object"]["title"] for x in listed] == ["PR #1 (merged)", "Docs"]
    one = api.get(f"{API}/issue/{key}/remotelink", params={"globalId": "cco:pr:1"}).json()
    assert one["relationship"] == "fixes" and len(jira.remote_links(key)) == 2


# -- auth and faults -------------------------------------------------------------------------------
def test_wrong_or_expired_credentials_answer_401(jira: FakeJira, api: httpx.Client) -> None:
    for auth in ((jira.email, "wrong"), ("someone@else", jira.token)):
        refused = httpx.get(f"{jira.api_url}{API}/myself", auth=auth)
        assert refused.status_code == 401
        assert refused.text == "Client must be authenticated to access this resource."
    bearer = {"Authorization": f"Bearer {jira.token}"}
    assert httpx.get(f"{jira.api_url}{API}/myself", headers=bearer).status_code == 401
    assert api.get(f"{API}/myself").status_code == 200
    jira.expire_token()
    assert api.get(f"{API}/myself").status_code == 401


def test_bearer_auth_at_the_cloud_id_base() -> None:
    with make_fake_jira(auth="bearer") as fake:
        assert fake.api_url == f"{fake.url}/ex/jira/{fake.cloud_id}"
        key = fake.add_issue("WEB", "OAuth")
        bearer = {"Authorization": f"Bearer {fake.token}"}
        got = httpx.get(f"{fake.api_url}{API}/issue/{key}", headers=bearer).json()
        assert got["self"] == f"{fake.api_url}{API}/issue/{got['id']}"
        basic = httpx.get(f"{fake.api_url}{API}/myself", auth=(fake.email, fake.token))
        assert basic.status_code == 401
        at_the_site = httpx.get(f"{fake.url}{API}/myself", headers=bearer)
        assert at_the_site.status_code == 401  # an OAuth token works at api.atlassian.com only
        other_cloud = fake.api_url.replace(fake.cloud_id, "0" * 8)
        assert httpx.get(f"{other_cloud}{API}/myself", headers=bearer).status_code == 401
        assert fake.take_violations() == [
            f"request GET /ex/jira/00000000{API}/myself: no such operation in Jira's API"
        ]


def test_rate_limit_then_back(jira: FakeJira, api: httpx.Client) -> None:
    jira.rate_limit(2, retry_after=7)
    for _ in range(2):
        limited = api.get(f"{API}/myself")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "7"
    assert api.get(f"{API}/myself").status_code == 200


def test_down_refuses_connections_or_answers_503(jira: FakeJira, api: httpx.Client) -> None:
    jira.down()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{jira.api_url}{API}/myself", timeout=5)
    jira.up()
    assert api.get(f"{API}/myself").status_code == 200
    jira.down(refuse=False)
    assert api.get(f"{API}/myself").status_code == 503
    jira.up()
    assert api.get(f"{API}/myself").status_code == 200


def test_a_request_the_description_does_not_allow_is_a_violation(
    jira: FakeJira, api: httpx.Client
) -> None:
    jira.add_issue("WEB", "x")
    api.post(f"{API}/search/jql", json={"jql": "project = WEB", "startAt": 5})
    api.get(f"{API}/issue/WEB-1/transitions", params={"bogus": "1"})
    api.post(f"{API}/issue/WEB-1/remotelink", json={"object": {"url": "https://x"}})
    api.get(f"{API}/no/such/thing")
    seen = jira.take_violations()
    assert any("search/jql body" in v and "'startAt' was unexpected" in v for v in seen), seen
    assert any("unknown query parameter 'bogus'" in v for v in seen), seen
    assert any("remotelink body object" in v and "'title' is a required" in v for v in seen)
    assert any("GET /rest/api/3/no/such/thing: no such operation" in v for v in seen), seen


# -- webhooks ------------------------------------------------------------------------------------
class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve = self.server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/jira"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(202)
    yield made
    made.server.shutdown()
    made.server.server_close()


def test_webhooks_signed_and_shaped_like_jiras(jira: FakeJira, receiver: Receiver) -> None:
    key = jira.add_issue("WEB", "Hooked")
    jira.move(key, "In Progress")
    started = int(time.time() * 1000)
    status = jira.send_webhook(receiver.url, "jira:issue_updated", key, secret="s3cret")
    assert status == 202
    headers, raw = receiver.got[-1]
    expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert headers["x-hub-signature"] == expected
    payload = json.loads(raw)
    assert payload["webhookEvent"] == "jira:issue_updated" and payload["timestamp"] >= started
    assert payload["issue"]["key"] == key and payload["issue"]["fields"]["status"]["name"]
    (change,) = payload["changelog"]["items"]
    assert (change["field"], change["fromString"], change["toString"]) == (
        "status",
        "To Do",
        "In Progress",
    )
    jira.add_comment(key, "a *comment*")
    jira.send_webhook(receiver.url, "comment_created", key)
    jira.send_webhook(receiver.url, "comment_created", key, identifier="same-delivery")
    (h1, raw1), (h2, _) = receiver.got[-2:]
    assert "x-hub-signature" not in h1 and h2["x-atlassian-webhook-identifier"] == "same-delivery"
    ids = {h["x-atlassian-webhook-identifier"] for h, _ in receiver.got}
    assert len(ids) == 3  # unique per delivery, unless one is replayed
    assert json.loads(raw1)["comment"]["body"] == adf("a *comment*")
    jira.delete_comment(key, jira.comments(key)[0].id)
    jira.send_webhook(receiver.url, "comment_deleted", key)
    assert json.loads(receiver.got[-1][1])["comment"]["body"] == adf("a *comment*")
    with pytest.raises(ValueError, match="webhook event"):
        jira.send_webhook(receiver.url, "issue_changed", key)


def test_text_becomes_a_minimal_adf_document() -> None:
    made = adf("# Title\nline one\nline `two`\n\n```py\nx = 1\n```\n* a")
    assert [b["type"] for b in made["content"]] == [
        "heading",
        "paragraph",
        "codeBlock",
        "bulletList",
    ]
    assert made["content"][1]["content"][1] == {"type": "hardBreak"}
    assert made["content"][1]["content"][3]["marks"] == [{"type": "code"}]
    assert adf_text(made) == "Title\nline one\nline two\nx = 1\na\n"
    assert adf("")["content"] == []


def test_the_fixture_fails_a_test_that_leaves_a_violation() -> None:
    left = pytest.raises(pytest.fail.Exception, match="no such operation in Jira's API")
    with left, make_fake_jira() as fake:
        httpx.get(f"{fake.url}{API}/nope", auth=(fake.email, fake.token))
    with make_fake_jira() as clean:
        assert httpx.get(f"{clean.url}{API}/myself", auth=(clean.email, clean.token)).is_success
