"""The fake GitHub's endpoints for the repository, the user, the rate limit, issues, their
comments, labels and sub-issues (pull requests, check runs, reviews, the App:
fake_github_api_pulls.py). Each answers as GitHub does; the fake checks both ways."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.fake_github_calls import Call, R, Refused, answer_json, invalid, route
from tests.support.fake_github_objects import (
    comment,
    issue,
    label,
    private_user,
    rate_limit,
    repository,
)
from tests.support.fake_github_state import Issue
from tests.support.receivers_http import Answer

_PAGE = ("per_page", "page")


@route("GET", "/rate_limit")
def get_rate_limit(call: Call) -> Answer:
    fake = call.fake
    data = rate_limit(call.site, fake.rate_limit_total, fake.rate_remaining, fake.rate_reset)
    return answer_json(200, data)


@route("GET", "/user")
def get_user(call: Call) -> Answer:
    return answer_json(200, private_user(call.site, call.fake.state, call.fake.login))


@route("GET", R)
def get_repo(call: Call) -> Answer:
    return answer_json(200, repository(call.site, call.fake.state, full=True))


def _since(call: Call) -> datetime | None:
    raw = call.q("since")
    try:
        since = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None  # the request's check says so
    return since.replace(tzinfo=since.tzinfo or UTC) if since else None


def _matches(call: Call, item: Issue) -> bool:
    state = call.q("state", "open")
    if state != "all" and item.state != state:
        return False
    wanted = [n.strip().lower() for n in (call.q("labels") or "").split(",") if n.strip()]
    if any(n not in [have.lower() for have in item.labels] for n in wanted):
        return False
    assignee = call.q("assignee")
    if assignee == "none" and item.assignees:
        return False
    if assignee == "*" and not item.assignees:
        return False
    if assignee not in (None, "none", "*") and assignee not in item.assignees:
        return False
    milestone = call.q("milestone")
    if milestone == "none" and item.milestone is not None:
        return False
    if milestone == "*" and item.milestone is None:
        return False
    if milestone not in (None, "none", "*") and str(item.milestone) != milestone:
        return False
    since = _since(call)
    return since is None or item.updated_at >= since


@route(
    "GET",
    f"{R}/issues",
    ("state", "labels", "assignee", "milestone", "since", "sort", "direction", *_PAGE),
)
def list_issues(call: Call) -> Answer:
    """Issues and pull requests (with their ``pull_request`` key), as GitHub lists them."""
    state = call.fake.state
    found = [i for i in state.issues.values() if _matches(call, i)]
    sort = call.q("sort", "created")
    key = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (sum(1 for c in state.comments.values() if c.issue == i.number),),
    }[sort or "created"]
    found.sort(key=key, reverse=call.q("direction", "desc") == "desc")
    return call.page([issue(call.site, state, i) for i in found])


def _issue(call: Call) -> Issue:
    return call.fake.issue(call.n("issue_number"))


@route("GET", f"{R}/issues/{{issue_number}}")
def get_issue(call: Call) -> Answer:
    return answer_json(200, issue(call.site, call.fake.state, _issue(call)))


@route("POST", f"{R}/issues")
def create_issue(call: Call) -> Answer:
    title = call.field("title")
    if not isinstance(title, str | int) or not str(title):
        raise invalid("Issue", "title", "missing_field")
    labels = [n if isinstance(n, str) else n.get("name", "") for n in call.field("labels", [])]
    number = call.fake.add_issue(
        str(title),
        call.field("body"),
        labels,
        call.field("assignee"),
        call.field("milestone"),
        assignees=call.field("assignees"),
        user=call.fake.login,
    )
    made = issue(call.site, call.fake.state, call.fake.issue(number))
    return answer_json(201, made, (("Location", made["url"]),))


@route("PATCH", f"{R}/issues/{{issue_number}}")
def update_issue(call: Call) -> Answer:
    fake, item = call.fake, _issue(call)
    names = call.field("labels")
    if names is not None:
        names = [n if isinstance(n, str) else n.get("name", "") for n in names]
    title = call.field("title")
    fake.edit_issue(
        item.number,
        title=str(title) if title is not None else None,
        body=call.field("body"),
        labels=names,
        assignees=call.field("assignees"),
        milestone=call.field("milestone"),
        user=fake.login,
    )
    wanted = call.field("state")
    if wanted == "closed":
        fake.close_issue(item.number, call.field("state_reason") or "completed", user=fake.login)
    elif wanted == "open":
        fake.reopen_issue(item.number, user=fake.login)
    return answer_json(200, issue(call.site, fake.state, item))


@route("GET", f"{R}/issues/{{issue_number}}/comments", ("since", *_PAGE))
def list_comments(call: Call) -> Answer:
    item, since = _issue(call), _since(call)
    found = [
        c
        for c in call.fake.state.comments.values()
        if c.issue == item.number and (since is None or c.updated_at >= since)
    ]
    return call.page([comment(call.site, call.fake.state, c) for c in found])


@route("POST", f"{R}/issues/{{issue_number}}/comments")
def create_comment(call: Call) -> Answer:
    body = call.field("body")
    if not isinstance(body, str) or not body:
        raise invalid("IssueComment", "body", "missing_field")
    made = call.fake.comment(_issue(call).number, body, user=call.fake.login)
    data = comment(call.site, call.fake.state, call.fake.state.comments[made])
    return answer_json(201, data, (("Location", data["url"]),))


@route("PATCH", f"{R}/issues/comments/{{comment_id}}")
def update_comment(call: Call) -> Answer:
    body = call.field("body")
    if not isinstance(body, str) or not body:
        raise invalid("IssueComment", "body", "missing_field")
    found = call.fake.edit_comment(call.n("comment_id"), body, user=call.fake.login)
    return answer_json(200, comment(call.site, call.fake.state, found))


def _label_names(body: object) -> list[str]:
    """The names in any of the bodies GitHub takes: ["a"], {"labels": ["a"]},
    {"labels": [{"name": "a"}]}, [{"name": "a"}]."""
    items = body.get("labels", []) if isinstance(body, dict) else body
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        raise invalid("Label", "labels")
    names = [i.get("name") if isinstance(i, dict) else i for i in items]
    if not all(isinstance(n, str) and n for n in names):
        raise invalid("Label", "name")
    return [str(n) for n in names]


def _labels_of(call: Call, item: Issue) -> list[dict[str, object]]:
    return [label(call.site, call.fake.state.label(n)) for n in item.labels]


@route("POST", f"{R}/issues/{{issue_number}}/labels")
def add_labels(call: Call) -> Answer:
    item = _issue(call)
    call.fake.add_labels(item.number, _label_names(call.body), user=call.fake.login)
    return answer_json(200, _labels_of(call, item))


@route("DELETE", f"{R}/issues/{{issue_number}}/labels/{{name}}")
def remove_label(call: Call) -> Answer:
    item = _issue(call)
    if not call.fake.remove_label(item.number, call.op.path_params["name"], user=call.fake.login):
        raise Refused(404, "Label does not exist")
    return answer_json(200, _labels_of(call, item))


@route("GET", f"{R}/labels", _PAGE)
def list_labels(call: Call) -> Answer:
    known = sorted(call.fake.state.labels.values(), key=lambda lbl: lbl.name.lower())
    return call.page([label(call.site, lbl) for lbl in known])


@route("GET", f"{R}/issues/{{issue_number}}/sub_issues", _PAGE)
def list_sub_issues(call: Call) -> Answer:
    state = call.fake.state
    subs = [state.issues[n] for n in _issue(call).sub_issues if n in state.issues]
    return call.page([issue(call.site, state, s) for s in subs])
