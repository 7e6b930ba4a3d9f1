"""JiraClient against the fake Jira (tests/support/fake_jira.py), whose every request and answer
is checked against Atlassian's OpenAPI description (the fixture fails a test on any
violation): every JiraApi method, search paging by nextPageToken, comments by startAt, the
"is blocked by" links, basic and bearer auth, and each failure as the port promises it
(JiraUnavailable to retry, JiraError refused for good; never an httpx exception, never the
token)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from cc_orchestrator.adapters.jira import make_jira, mapping
from cc_orchestrator.adapters.jira.client import JiraClient
from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.jira import FIELDS, JiraError, JiraTransition, JiraUnavailable
from tests.support.fake_jira import FakeJira
from tests.support.fake_jira_fixture import make_fake_jira

ENV = ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_OAUTH_TOKEN")


@pytest.fixture(autouse=True)
def no_jira_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials of the machine's: a test that wants some sets them."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def client(fake: FakeJira, **settings: object) -> JiraClient:
    values: dict[str, object] = {
        "site_url": fake.url,
        "api_url": fake.api_url,
        "email": fake.email,
        "api_token": SecretStr(fake.token),
        "timeout_s": 5,
        **settings,
    }
    return JiraClient(JiraConfig(**values))  # type: ignore[arg-type]


@pytest.fixture
def api(jira: FakeJira) -> Iterator[JiraClient]:
    made = client(jira)
    yield made
    made.close()


def authorizations(fake: FakeJira) -> set[str]:
    return {r.headers.get("authorization", "").split(" ")[0] for r in fake.requests}


# ------------------------------------------------------------------------- who, and how
def test_myself_with_basic_auth(api: JiraClient, jira: FakeJira) -> None:
    assert api.myself() == "cco bot"
    (sent,) = jira.requests
    assert (sent.method, sent.path) == ("GET", "/rest/api/3/myself")
    expected = base64.b64encode(f"{jira.email}:{jira.token}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"].startswith("cc-orchestrator/")
    assert api.credential_source() == "jira.email + jira.api_token"


def test_an_oauth_token_is_a_bearer_at_the_cloud_api_root() -> None:
    with make_fake_jira(auth="bearer") as fake:
        assert fake.api_url != fake.url  # https://api.atlassian.com/ex/jira/<cloud id>'s shape
        settings = JiraConfig(
            site_url=fake.url,
            api_url=fake.api_url,
            oauth_token=SecretStr(fake.token),
            email="someone@example.com",  # an OAuth token wins over email + API token
            api_token=SecretStr("an-api-token-unused"),
        )
        api = make_jira(settings)
        assert api.myself() == "cco bot"
        key = fake.add_issue("WEB", "Over OAuth")
        found = api.search("project = WEB")
        assert [i.key for i in found] == [key]
        assert found[0].url == f"{fake.url}/browse/{key}"  # the site's, not the API root's
        assert authorizations(fake) == {"Bearer"}
        assert {r.path.split("/rest/")[0] for r in fake.requests} == {f"/ex/jira/{fake.cloud_id}"}
        assert isinstance(api, JiraClient) and api.credential_source() == "jira.oauth_token"
        api.close()


def test_the_environments_credentials(jira: FakeJira, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_EMAIL", jira.email)
    monkeypatch.setenv("JIRA_API_TOKEN", jira.token)
    api = JiraClient(JiraConfig(site_url=jira.url))
    assert api.myself() == "cco bot"
    assert api.credential_source() == "JIRA_EMAIL + JIRA_API_TOKEN"
    api.close()
    mixed = JiraClient(JiraConfig(site_url=jira.url, email=jira.email))
    assert mixed.credential_source() == "jira.email + JIRA_API_TOKEN"
    monkeypatch.setenv("JIRA_OAUTH_TOKEN", "an-oauth-token-value")
    oauth = JiraClient(JiraConfig(site_url=jira.url))
    assert oauth.credential_source() == "JIRA_OAUTH_TOKEN"
    with pytest.raises(JiraError) as refused:  # this fake takes basic auth only
        oauth.myself()
    assert refused.value.status == 401 and "from JIRA_OAUTH_TOKEN" in refused.value.message
    assert refused.value.hint is not None and "OAuth 2.0 access token lasts an hour" in (
        refused.value.hint
    )
    for made in (mixed, oauth):
        made.close()


def test_no_site_no_credentials_and_half_a_pair_say_what_to_do(jira: FakeJira) -> None:
    with pytest.raises(InvalidInput) as no_site:
        make_jira(JiraConfig(email="a@example.com"))
    assert no_site.value.hint == (
        "set jira.site_url: https://your-domain.atlassian.net in your cco config"
    )
    cases = {
        "no Jira credentials": JiraConfig(site_url=jira.url),
        "an API token is set (jira.api_token) but not the account's email": JiraConfig(
            site_url=jira.url, api_token=SecretStr("an-api-token-123")
        ),
        "the account's email is set (jira.email) but not its API token": JiraConfig(
            site_url=jira.url, email="a@example.com"
        ),
    }
    for message, settings in cases.items():
        api = make_jira(settings)  # lazy: made without looking
        with pytest.raises(JiraError) as failed:
            api.myself()
        assert failed.value.message == message
        assert failed.value.hint and "JIRA_" in failed.value.hint
    assert jira.requests == []  # nothing was sent without credentials


# ------------------------------------------------------------------------- issues
def test_search_reads_every_page_and_maps_the_fields(api: JiraClient, jira: FakeJira) -> None:
    keys = [
        jira.add_issue(
            "WEB",
            f"Issue {n}",
            f"Do **thing** {n}",
            labels=["cco", f"n{n}"],
            priority="High" if n == 0 else "Medium",
        )
        for n in range(5)
    ]
    jira.add_issue("OPS", "Not this project", labels=["cco"])
    jira.move(keys[4], "Done")
    found = api.search("project = WEB AND labels = cco ORDER BY key ASC", page_size=2)
    assert [i.key for i in found] == keys
    searches = [r for r in jira.requests if r.path == "/rest/api/3/search/jql"]
    assert len(searches) == 3  # 2 + 2 + 1
    assert "nextPageToken" not in searches[0].json
    tokens = [s.json.get("nextPageToken") for s in searches[1:]]
    assert all(tokens) and len(set(tokens)) == 2
    for sent in searches:
        assert sent.method == "POST" and sent.json["maxResults"] == 2
        assert sent.json["fields"] == list(FIELDS) and sent.json["jql"].startswith("project = WEB")
    first, last = found[0], found[4]
    assert (first.project, first.summary, first.priority) == ("WEB", "Issue 0", "High")
    assert first.url == f"{jira.url}/browse/{keys[0]}" and first.id.isdigit()
    assert first.labels == ("cco", "n0")
    assert (first.status, first.status_category) == ("To Do", "new")
    assert (last.status, last.status_category) == ("Done", "done")
    assert first.description == jira.issue(keys[0]).description  # ADF, as Jira holds it
    assert first.description is not None and first.description["type"] == "doc"
    assert first.updated_at is not None and first.updated_at.tzinfo is not None
    assert abs((datetime.now(UTC) - first.updated_at).total_seconds()) < 120
    assert first.comments == () and first.blocked_by == ()


def test_an_empty_search_and_the_comment_field_when_asked(api: JiraClient, jira: FakeJira) -> None:
    key = jira.add_issue("WEB", "With comments")
    assert api.search("project = WEB AND labels = nothing-has-it") == []
    jira.add_comment(key, "first")
    jira.add_comment(key, "second")
    (plain,) = api.search(f"key = {key}")
    assert plain.comments == ()
    (full,) = api.search(f"key = {key}", fields=(*FIELDS, "comment"))
    assert [c.author for c in full.comments] == ["cco bot", "cco bot"]
    assert [c.body for c in full.comments] == [c.body for c in jira.comments(key)]


def test_blocked_by_is_the_inward_issues_of_blocks_links(api: JiraClient, jira: FakeJira) -> None:
    a = jira.add_issue("WEB", "Blocker A")
    b = jira.add_issue("WEB", "Blocker B")
    c = jira.add_issue("WEB", "Blocked", blocked_by=[a, b])
    jira.link(c, a)  # c also blocks a: a's blocker, not c's
    by_key = {i.key: i for i in api.search("project = WEB")}
    assert set(by_key[c].blocked_by) == {a, b}
    assert by_key[a].blocked_by == (c,)
    assert by_key[b].blocked_by == ()
    one = api.issue(c)
    assert one is not None and set(one.blocked_by) == {a, b}


def test_issue_asks_only_its_fields_and_a_deleted_one_is_none(
    api: JiraClient, jira: FakeJira
) -> None:
    key = jira.add_issue("WEB", "One issue", labels=["x"])
    found = api.issue(key, fields=("summary", "status"))
    assert found is not None and (found.key, found.summary, found.status) == (
        key,
        "One issue",
        "To Do",
    )
    assert found.labels == () and found.project == "WEB"  # not asked: defaults, no failure
    sent = jira.requests[-1]
    assert sent.path == f"/rest/api/3/issue/{key}" and sent.query == {"fields": ["summary,status"]}
    jira.delete_issue(key)
    assert api.issue(key) is None
    assert api.issue("WEB-999") is None
    with pytest.raises(JiraError) as gone:
        api.add_comment(key, {"type": "doc", "version": 1, "content": []})
    assert gone.value.status == 404 and not isinstance(gone.value, JiraUnavailable)
    assert "Issue does not exist" in gone.value.message


# ------------------------------------------------------------------------- comments
def doc(text: str) -> dict[str, object]:
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def test_comments_are_read_by_startat_pages_oldest_first(api: JiraClient, jira: FakeJira) -> None:
    key = jira.add_issue("WEB", "Chatty")
    ids = [jira.add_comment(key, f"comment {n}") for n in range(230)]
    found = api.comments(key)
    assert [c.id for c in found] == ids
    pages = [r.query for r in jira.requests if r.path.endswith(f"/issue/{key}/comment")]
    assert [p["startAt"] for p in pages] == [["0"], ["100"], ["200"]]
    assert {p["maxResults"][0] for p in pages} == {"100"}
    assert found[0].body == jira.comments(key)[0].body and found[0].author == "cco bot"
    assert api.comments(jira.add_issue("WEB", "Quiet")) == []


def test_add_and_edit_a_comment_and_a_deleted_one(api: JiraClient, jira: FakeJira) -> None:
    key = jira.add_issue("WEB", "Commented")
    made = api.add_comment(key, doc("cco is on it"))
    (stored,) = jira.comments(key)
    assert stored.id == made and stored.body == doc("cco is on it")
    api.edit_comment(key, made, doc("cco is done"))
    assert jira.comments(key)[0].body == doc("cco is done")
    auth = (jira.email, jira.token)
    url = f"{jira.api_url}/rest/api/3/issue/{key}/comment/{made}"
    assert httpx.delete(url, auth=auth).status_code == 204  # the user deletes it
    with pytest.raises(JiraError) as deleted:
        api.edit_comment(key, made, doc("again"))
    assert deleted.value.status == 404 and "Can not find a comment" in deleted.value.message


# ------------------------------------------------------------------------- workflow, links
def test_transitions_and_moving_an_issue(api: JiraClient, jira: FakeJira) -> None:
    key = jira.add_issue("WEB", "Moving")
    found = api.transitions(key)
    assert JiraTransition("11", "Start Progress", "In Progress") in found
    assert {t.to_status for t in found} == {"In Progress", "Done"}  # Done: a global one
    start = next(t for t in found if t.name == "Start Progress")
    api.transition(key, start.id)
    assert jira.issue(key).status == "In Progress"
    assert jira.requests[-1].json == {"transition": {"id": "11"}}
    with pytest.raises(JiraError) as refused:  # Start Progress again: not from In Progress
        api.transition(key, start.id)
    assert refused.value.status == 400 and refused.value.message.startswith(
        f"Jira refused POST /rest/api/3/issue/{key}/transitions (400): "
    )
    assert jira.issue(key).status == "In Progress"


def test_link_url_is_one_remote_link_per_global_id(api: JiraClient, jira: FakeJira) -> None:
    key = jira.add_issue("WEB", "Linked")
    pr = "https://github.com/acme/web/pull/7"
    api.link_url(key, url=pr, title="PR #7 (draft)", global_id="cco:task:t-1")
    api.link_url(key, url=pr, title="PR #7", global_id="cco:task:t-1")
    api.link_url(key, url="https://example.com/x", title="Other", global_id="cco:task:t-2")
    links = jira.remote_links(key)
    assert [(link.global_id, link.object["title"]) for link in links] == [
        ("cco:task:t-1", "PR #7"),
        ("cco:task:t-2", "Other"),
    ]
    assert links[0].object["url"] == pr


# ------------------------------------------------------------------------- leniency
def test_the_mapping_tolerates_nulls_and_reads_only_blocked_by_links() -> None:
    """What the fake does not send: nulls, other link types, a casing of Jira's admin's."""
    raw = {
        "id": 10042,  # older answers: a number
        "key": "OPS-7",
        "fields": {
            "summary": None,
            "description": None,
            "status": None,
            "labels": None,
            "priority": None,
            "updated": "2026-12-01T10:00:00.000+0530",
            "issuelinks": [
                {"type": {"inward": "Is Blocked By"}, "inwardIssue": {"key": "OPS-1"}},
                {"type": {"inward": "is blocked by"}, "outwardIssue": {"key": "OPS-2"}},
                {"type": {"inward": "relates to"}, "inwardIssue": {"key": "OPS-3"}},
                {"type": None, "inwardIssue": {"key": "OPS-4"}},
                {"type": {"inward": "is blocked by "}, "inwardIssue": {"key": "OPS-5"}},
                "not a link",
            ],
            "comment": {"comments": [{"id": "1", "author": None, "body": None}]},
        },
    }
    found = mapping.issue(raw, site_url="https://acme.atlassian.net/")
    assert (found.id, found.project, found.summary) == ("10042", "OPS", "")
    assert found.url == "https://acme.atlassian.net/browse/OPS-7"
    assert (found.status, found.status_category, found.priority) == ("", "", None)
    assert found.labels == () and found.description is None
    assert found.blocked_by == ("OPS-1", "OPS-5")
    assert found.updated_at == datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    assert [(c.id, c.author, c.body) for c in found.comments] == [("1", "unknown", None)]
    assert mapping.issue({"id": "1", "key": "A-1"}, site_url="x").summary == ""
    assert mapping.when("2026-12-01T10:00:00Z") == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert mapping.when("yesterday") is None and mapping.when(None) is None
    with pytest.raises(mapping.BadAnswer, match="an issue has no key"):
        mapping.issue({"id": "1", "fields": {}}, site_url="x")
