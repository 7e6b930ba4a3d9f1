"""The fake GitHub's endpoints for pull requests, check runs and their job logs, reviews and
review comments, and a GitHub App's installation access tokens."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from tests.support.fake_github_calls import Call, R, Refused, answer_json, route
from tests.support.fake_github_objects import error
from tests.support.fake_github_objects_pr import (
    check_run,
    fake_app,
    pull,
    review,
    review_comment,
)
from tests.support.fake_github_state import Issue, stamp
from tests.support.receivers_http import Answer

_PAGE = ("per_page", "page")


def _pr(call: Call) -> Issue:
    return call.fake.pr(call.n("pull_number"))


def _full(call: Call, item: Issue) -> dict[str, object]:
    return pull(call.site, call.fake.state, call.fake.git, item)


@route("GET", f"{R}/pulls", ("state", "head", "base", "sort", "direction", *_PAGE))
def list_pulls(call: Call) -> Answer:
    """As GitHub: ``head`` filters only in the form ``owner:branch`` (a bare branch name is
    ignored, and every pull request listed)."""
    state = call.q("state", "open")
    head, base = call.q("head"), call.q("base")
    found = []
    for item in call.fake.state.pulls():
        pr = item.pull
        assert pr is not None
        if state != "all" and item.state != state:
            continue
        if head and ":" in head:
            owner, _, branch = head.partition(":")
            if owner.lower() != call.fake.owner.lower() or branch != pr.head:
                continue
        if base and pr.base != base:
            continue
        found.append(item)
    sort = call.q("sort", "created")
    ascending = call.q("direction", "desc" if sort == "created" else "asc") == "asc"
    found.sort(
        key=lambda i: (i.updated_at if sort == "updated" else i.created_at, i.number),
        reverse=not ascending,
    )
    state_ = call.fake.state
    return call.page([pull(call.site, state_, call.fake.git, i, simple=True) for i in found])


@route("POST", f"{R}/pulls")
def create_pull(call: Call) -> Answer:
    head, base = call.field("head"), call.field("base")
    if not isinstance(head, str) or not isinstance(base, str):
        raise Refused(422, "Validation Failed", errors=[{"field": "head", "code": "missing"}])
    number = call.fake.open_pr(
        head,
        base,
        call.field("title"),
        call.field("body"),
        bool(call.field("draft", False)),
        issue=call.field("issue"),
        maintainer_can_modify=bool(call.field("maintainer_can_modify", False)),
        user=call.fake.login,
    )
    made = _full(call, call.fake.pr(number))
    return answer_json(201, made, (("Location", str(made["url"])),))


@route("GET", f"{R}/pulls/{{pull_number}}")
def get_pull(call: Call) -> Answer:
    return answer_json(200, _full(call, _pr(call)))


@route("PATCH", f"{R}/pulls/{{pull_number}}")
def update_pull(call: Call) -> Answer:
    item = _pr(call)
    can_modify = call.field("maintainer_can_modify")
    call.fake.edit_pr(
        item.number,
        title=call.field("title"),
        body=call.field("body"),
        base=call.field("base"),
        state=call.field("state"),
        maintainer_can_modify=bool(can_modify) if can_modify is not None else None,
        user=call.fake.login,
    )
    return answer_json(200, _full(call, item))


@route("PUT", f"{R}/pulls/{{pull_number}}/update-branch")
def update_branch(call: Call) -> Answer:
    item = _pr(call)
    call.fake.update_branch(item.number, call.field("expected_head_sha"), user=call.fake.login)
    message = {
        "message": "Updating pull request branch.",
        "url": f"{call.site.repo_web}/pull/{item.number}",
    }
    return answer_json(202, message)


@route("PUT", f"{R}/pulls/{{pull_number}}/merge")
def merge_pull(call: Call) -> Answer:
    """A merge commit (``merge_method: merge``; squash and rebase are not the fake's)."""
    item = _pr(call)
    method = call.field("merge_method", "merge")
    if method != "merge":
        call.fake.violations.append(f"PUT /pulls/merge: merge_method {method} is not the fake's")
        raise Refused(405, f"merge_method {method} is not implemented by the fake")
    pr = item.pull
    assert pr is not None
    call.fake.sync()
    sha = call.field("sha")
    if sha is not None and sha != pr.head_sha:
        raise Refused(409, "Head branch was modified. Review and try the merge again.")
    title = call.field("commit_title")
    message = call.field("commit_message")
    text = f"{title}\n\n{message or ''}".strip() if title else None
    merged = call.fake.merge(item.number, user=call.fake.login, message=text)
    return answer_json(
        200, {"sha": merged, "merged": True, "message": "Pull Request successfully merged"}
    )


@route(
    "GET",
    f"{R}/commits/{{ref}}/check-runs",
    ("check_name", "status", "filter", "app_id", *_PAGE),
)
def list_check_runs(call: Call) -> Answer:
    fake = call.fake
    ref = call.op.path_params["ref"]
    sha = fake.git.resolve(f"refs/heads/{ref}") or fake.git.resolve(ref)
    if sha is None:
        raise Refused(422, f"No commit found for SHA: {ref}")
    name, status = call.q("check_name"), call.q("status")
    runs = [
        r
        for r in fake.state.checks.values()
        if r.head_sha == sha
        and (name is None or r.name == name)
        and (status is None or r.status == status)
    ]
    runs.sort(key=lambda r: r.id, reverse=True)
    every = [check_run(call.site, fake.state, r) for r in runs]
    return call.page(every, lambda chunk: {"total_count": len(every), "check_runs": chunk})


@route("GET", f"{R}/actions/jobs/{{job_id}}/logs")
def job_logs(call: Call) -> Answer:
    """302 to the plain-text log, as GitHub redirects to its storage (valid a minute there)."""
    job = call.n("job_id")
    if job not in call.fake.state.checks:
        raise Refused(404, "Not Found")
    where = f"{call.fake.origin}/_fake/logs/{job}?sig={call.fake.log_signature(job)}"
    return Answer(302, b"", headers=(("Location", where),))


@route("GET", f"{R}/pulls/{{pull_number}}/reviews", _PAGE)
def list_reviews(call: Call) -> Answer:
    item = _pr(call)
    state = call.fake.state
    found = [r for r in state.reviews.values() if r.pull == item.number]
    return call.page([review(call.site, state, r) for r in found])


@route("GET", f"{R}/pulls/{{pull_number}}/comments", ("sort", "direction", "since", *_PAGE))
def list_review_comments(call: Call) -> Answer:
    item = _pr(call)
    state = call.fake.state
    found = [c for c in state.review_comments.values() if c.pull == item.number]
    found.sort(key=lambda c: c.id, reverse=call.q("direction", "asc") == "desc")
    return call.page([review_comment(call.site, state, c) for c in found])


def _jwt_refused(call: Call) -> Answer | None:
    """Why the App's JWT (RS256, checked with its public key) is refused, or None."""
    import jwt

    fake = call.fake
    scheme, _, credential = call.request.headers.get("authorization", "").partition(" ")
    if fake.app_key is None or scheme.lower() != "bearer":
        return answer_json(401, error("A JSON web token could not be decoded", status="401"))
    try:
        claims = jwt.decode(
            credential,
            fake.app_key,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"]},
            leeway=60,
        )
    except jwt.PyJWTError as refused:
        return answer_json(401, error(f"A JSON web token could not be decoded: {refused}"))
    if str(claims["iss"]) != str(fake.app_id) or claims["exp"] > time.time() + 660:
        message = "'iss' must be the App's id, and 'exp' at most 10 minutes away"
        return answer_json(401, error(message, status="401"))
    return None


@route("GET", "/app")
def get_app(call: Call) -> Answer:
    """The App its JWT authenticates as (how a client learns the App's slug)."""
    refused = _jwt_refused(call)
    if refused is not None:
        return refused
    return answer_json(200, fake_app(call.site, call.fake.state, call.fake.app_id))


@route("POST", "/app/installations/{installation_id}/access_tokens")
def installation_token(call: Call) -> Answer:
    """An installation access token for an App's JWT (RS256, checked with its public key)."""
    fake = call.fake
    refused = _jwt_refused(call)
    if refused is not None:
        return refused
    if call.n("installation_id") != fake.installation_id:
        raise Refused(404, "Not Found")
    token = "ghs_" + secrets.token_urlsafe(27)
    expires = time.time() + 3600
    fake.app_tokens[token] = expires
    data = {
        "token": token,
        "expires_at": stamp(datetime.fromtimestamp(int(expires), UTC)),
        "permissions": {"issues": "write", "pull_requests": "write", "checks": "read"},
        "repository_selection": "selected",
    }
    return answer_json(201, data)
