"""The fake Jira's endpoints: myself, serverInfo, the enhanced search (``/search/jql``, the
removed ``/search`` answering 410), issues, their comments, transitions and remote links. Each
answers as Jira does; the fake checks both ways against the description."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

from tests.support import jira_spec
from tests.support.fake_jira_calls import Call, Refused, answer_json, route
from tests.support.fake_jira_jql import JqlError, search
from tests.support.fake_jira_objects import (
    comment,
    comment_page,
    issue_json,
    myself,
    remote_link,
    transition,
    wanted_fields,
)
from tests.support.fake_jira_state import Comment, Issue, RemoteLink, is_adf, jira_time, now
from tests.support.receivers_http import Answer

NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
#: accepted and meaningless here (the fake is always consistent, has no custom fields...)
NO_OPS = ("reconcileIssues", "failFast", "fieldsByKeys")


@route("GET", "/myself", ("expand",))
def get_myself(call: Call) -> Answer:
    return answer_json(200, myself(call.site))


@route("GET", "/serverInfo")
def get_server_info(call: Call) -> Answer:
    stamp = jira_time(now())
    return answer_json(
        200,
        {
            "baseUrl": call.site.web,
            "displayUrl": call.site.web,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100285,
            "buildDate": stamp,
            "serverTime": stamp,
            "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
            "serverTitle": "Jira",
        },
    )


# -- search ------------------------------------------------------------------------------------
@route(
    "GET",
    "/search",
    (
        "jql",
        "startAt",
        "maxResults",
        "fields",
        "expand",
        "properties",
        "fieldsByKeys",
        "validateQuery",
        "failFast",
    ),
)
@route("POST", "/search")
def removed_search(call: Call) -> Answer:
    return answer_json(410, {"errorMessages": [jira_spec.REMOVED_MESSAGE], "errors": {}})


def _token_key(call: Call) -> bytes:
    return hashlib.sha256(f"fake-jira-page:{call.fake.token}".encode()).digest()


def _page_token(call: Call, jql: str, offset: int) -> str:
    data = json.dumps({"o": offset, "q": hashlib.sha256(jql.encode()).hexdigest()[:16]})
    mac = hmac.new(_token_key(call), data.encode(), "sha256").hexdigest()[:16]
    return base64.urlsafe_b64encode(f"{data}|{mac}".encode()).decode().rstrip("=")


def _page_offset(call: Call, jql: str, token: str | None) -> int:
    if not token:
        return 0
    invalid = Refused(400, "The provided next page token is invalid or expired.")
    try:
        data, mac = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split("|")
        parsed = json.loads(data)
    except ValueError as bad:
        raise invalid from bad
    good = hmac.new(_token_key(call), data.encode(), "sha256").hexdigest()[:16]
    if not hmac.compare_digest(mac, good):
        raise invalid
    if parsed["q"] != hashlib.sha256(jql.encode()).hexdigest()[:16]:
        raise invalid  # a token is for the query it came with
    return int(parsed["o"])


def _search(call: Call, jql: str, token: str | None, size: int | None, fields: list[str]) -> Answer:
    if size is not None and not isinstance(size, int):
        raise Refused(400, "The value of 'maxResults' must be a number.")
    offset = _page_offset(call, jql, token)
    chosen = wanted_fields(fields, "id")
    cap = 5000 if set(chosen) <= {"id", "key"} else 100
    if size is not None and size < 0:
        raise Refused(400, "The value of 'maxResults' must be a positive number.")
    size = min(cap, size if size else 50)
    try:
        found = search(jql, call.fake.state, datetime.now(UTC))
    except JqlError as refused:
        raise Refused(400, str(refused)) from refused
    chunk = found[offset : offset + size]
    page: dict[str, object] = {
        "issues": [issue_json(call.site, call.fake.state, i, chosen) for i in chunk],
        "isLast": offset + size >= len(found),
    }
    if not page["isLast"]:
        page["nextPageToken"] = _page_token(call, jql, offset + size)
    return answer_json(200, page)


@route("GET", "/search/jql", ("jql", "nextPageToken", "maxResults", "fields", *NO_OPS))
def search_get(call: Call) -> Answer:
    return _search(
        call,
        call.q("jql") or "",
        call.q("nextPageToken"),
        call.int_q("maxResults", 50),
        call.qs("fields") or [],
    )


@route("POST", "/search/jql")
def search_post(call: Call) -> Answer:
    ignored = set(call.body or {}) - {"jql", "nextPageToken", "maxResults", "fields", *NO_OPS}
    for name in sorted(ignored):
        call.fake.violations.append(f"POST /rest/api/3/search/jql: the fake ignores {name!r}")
    fields = call.field("fields") or []
    return _search(
        call,
        str(call.field("jql") or ""),
        call.field("nextPageToken"),
        call.field("maxResults"),
        [str(f) for f in fields] if isinstance(fields, list) else [],
    )


# -- issues ------------------------------------------------------------------------------------
@route("GET", "/issue/{issueIdOrKey}", ("fields", "updateHistory", "fieldsByKeys"))
def get_issue(call: Call) -> Answer:
    issue = call.issue()
    chosen = wanted_fields(call.qs("fields"), "*all")
    return answer_json(200, issue_json(call.site, call.fake.state, issue, chosen))


# -- comments ----------------------------------------------------------------------------------
def _comment_of(call: Call, issue: Issue) -> Comment:
    wanted = call.op.path_params["id"]
    found = next((c for c in issue.comments if c.id == wanted), None)
    if found is None:
        raise Refused(404, f"Can not find a comment for the id: {wanted}.")
    return found


def _adf_body(call: Call) -> object:
    body = call.field("body")
    if not is_adf(body):
        raise Refused(400, comment=NOT_ADF)
    ignored = set(call.body) - {"body"}
    for name in sorted(ignored):
        call.fake.violations.append(
            f"{call.op.method} {call.op.template}: the fake ignores {name!r}"
        )
    return body


@route("GET", "/issue/{issueIdOrKey}/comment", ("startAt", "maxResults", "orderBy"))
def list_comments(call: Call) -> Answer:
    issue = call.issue()
    order = call.q("orderBy", "created") or "created"
    if order.lstrip("+-") != "created":
        raise Refused(400, f"Invalid orderBy value: {order}. Only 'created' is allowed.")
    ordered = sorted(issue.comments, key=lambda c: (c.created, int(c.id)), reverse=order[0] == "-")
    start = max(0, call.int_q("startAt", 0))
    size = max(1, min(5000, call.int_q("maxResults", 5000)))
    return answer_json(200, comment_page(call.site, issue, ordered, start, size))


@route("POST", "/issue/{issueIdOrKey}/comment")
def add_comment(call: Call) -> Answer:
    issue = call.issue()
    body = _adf_body(call)
    made = Comment(str(call.fake.state.next("comment")), body, call.site.account_id)
    issue.comments.append(made)
    issue.updated = made.created
    call.fake.on_comment("comment_created", issue, made)
    return answer_json(201, comment(call.site, issue, made))


@route("GET", "/issue/{issueIdOrKey}/comment/{id}")
def get_comment(call: Call) -> Answer:
    issue = call.issue()
    return answer_json(200, comment(call.site, issue, _comment_of(call, issue)))


@route("PUT", "/issue/{issueIdOrKey}/comment/{id}", ("notifyUsers",))
def edit_comment(call: Call) -> Answer:
    issue = call.issue()
    made = _comment_of(call, issue)
    made.body = _adf_body(call)
    made.updated = now()
    call.fake.on_comment("comment_updated", issue, made)
    return answer_json(200, comment(call.site, issue, made))


@route("DELETE", "/issue/{issueIdOrKey}/comment/{id}")
def delete_comment(call: Call) -> Answer:
    issue = call.issue()
    made = _comment_of(call, issue)
    issue.comments.remove(made)
    issue.removed_comments.append(made)
    call.fake.on_comment("comment_deleted", issue, made)
    return Answer(204)


# -- transitions -------------------------------------------------------------------------------
@route(
    "GET",
    "/issue/{issueIdOrKey}/transitions",
    (
        "transitionId",
        "includeUnavailableTransitions",
        "skipRemoteOnlyCondition",
        "sortByOpsBarAndStatus",
    ),
)
def list_transitions(call: Call) -> Answer:
    issue = call.issue()
    flow = call.fake.state.workflows[issue.project]
    every = call.q("includeUnavailableTransitions") == "true"
    wanted = call.q("transitionId")
    shown = [
        transition(call.site, call.fake.state, t, issue.status)
        for t in flow.transitions
        if (every or t.available_from(issue.status)) and wanted in (None, t.id)
    ]
    return answer_json(200, {"transitions": shown})


@route("POST", "/issue/{issueIdOrKey}/transitions")
def do_transition(call: Call) -> Answer:
    issue = call.issue()
    flow = call.fake.state.workflows[issue.project]
    asked = call.field("transition")
    wanted = str(asked.get("id", "")) if isinstance(asked, dict) else ""
    if not wanted:
        raise Refused(400, "Missing 'transition' identifier")
    chosen = next((t for t in flow.transitions if t.id == wanted), None)
    if chosen is None or not chosen.available_from(issue.status):
        raise Refused(400, f"Transition id '{wanted}' is not valid for this issue.")
    fields, update = call.field("fields") or {}, call.field("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise Refused(400, "'fields' and 'update' must be objects.")
    for name in sorted(set(fields) - {"resolution"}) + sorted(set(update) - {"comment"}):
        call.fake.violations.append(f"POST transitions: the fake ignores the field {name!r}")
    for item in update.get("comment") or ():
        body = (item.get("add") or {}).get("body") if isinstance(item, dict) else None
        if not is_adf(body):
            raise Refused(400, comment=NOT_ADF)
        made = Comment(str(call.fake.state.next("comment")), body, call.site.account_id)
        issue.comments.append(made)
    resolution = fields.get("resolution")
    if isinstance(resolution, dict):
        issue.resolution = str(resolution.get("name") or resolution.get("id") or "Done")
    call.fake.set_status(issue, chosen.to)
    return Answer(204)


# -- remote links ------------------------------------------------------------------------------
@route("GET", "/issue/{issueIdOrKey}/remotelink", ("globalId",))
def list_remote_links(call: Call) -> Answer:
    issue = call.issue()
    wanted = call.q("globalId")
    if wanted is None:
        return answer_json(200, [remote_link(call.site, issue, x) for x in issue.remote_links])
    found = next((x for x in issue.remote_links if x.global_id == wanted), None)
    if found is None:
        raise Refused(404, f"No remote link with global id '{wanted}' found for this issue.")
    return answer_json(200, remote_link(call.site, issue, found))


@route("POST", "/issue/{issueIdOrKey}/remotelink")
def upsert_remote_link(call: Call) -> Answer:
    issue = call.issue()
    target = call.field("object")
    if not isinstance(target, dict) or not target.get("url") or not target.get("title"):
        problems = {"object": "'object' with 'url' and 'title' is required."}
        raise Refused(400, **problems)
    global_id = call.field("globalId")
    found = next(
        (x for x in issue.remote_links if global_id is not None and x.global_id == global_id),
        None,
    )
    status = 200
    if found is None:
        found = RemoteLink(call.fake.state.next("remotelink"), target)
        issue.remote_links.append(found)
        status = 201
    # an update sets what the request leaves out to null, as Jira's text says
    found.object, found.global_id = target, global_id
    found.application, found.relationship = call.field("application"), call.field("relationship")
    self_url = call.site.rest(f"/issue/{issue.key}/remotelink/{found.id}")
    return answer_json(status, {"id": found.id, "self": self_url})
