"""The fake GitHub (tests/support/fake_github.py) driven as GitHub is: with plain httpx and with
githubkit, on a real bare repository. Every request and answer is checked against GitHub's
description (the fixture fails a test on any violation); one test sends a wrong request on
purpose to show the check looks."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_github import FakeGitHub
from tests.support.fake_github_fixture import HookCatcher

REPO = "/repos/acme/widgets"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def work(fake_github: FakeGitHub, tmp_path: Path) -> Path:
    """A clone of the fake's bare repository to push branches from."""
    clone = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(fake_github.bare), str(clone))
    return clone


def push(work: Path, branch: str, files: dict[str, str], message: str = "change") -> str:
    """Commit files on branch (made from main when new) and git push it: the new sha."""
    if branch not in _git(work, "branch", "--list", branch):
        _git(work, "checkout", "-q", "-B", branch, "origin/main")
    else:
        _git(work, "checkout", "-q", branch)
    for name, content in files.items():
        (work / name).write_text(content)
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", message)
    _git(work, "push", "-q", "origin", branch)
    return _git(work, "rev-parse", "HEAD")


@functools.cache
def _app_key(which: int) -> tuple[Any, bytes]:
    """An RSA key of a GitHub App (made once a run: 2048 bits take a while) and its public PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, public


@pytest.fixture
def api(fake_github: FakeGitHub) -> Iterator[httpx.Client]:
    headers = {
        "Authorization": f"token {fake_github.token}",
        "Accept": "application/vnd.github+json",
    }
    with httpx.Client(base_url=fake_github.url, headers=headers, timeout=10) as client:
        yield client


# -- httpx -------------------------------------------------------------------------------------
def test_issues_list_with_labels_and_pull_requests_among_them(
    fake_github: FakeGitHub, api: httpx.Client, work: Path
) -> None:
    bug = fake_github.add_issue("Crash on start", "trace", labels=["bug", "cco"], assignee="mona")
    fake_github.add_issue("Docs", labels=["docs"], milestone="v1")
    push(work, "feature", {"f.txt": "f\n"})
    pr = fake_github.open_pr("feature", title="Feature", body="")
    listed = api.get(f"{REPO}/issues", params={"labels": "bug,cco"}).json()
    assert [i["number"] for i in listed] == [bug]
    assert listed[0]["labels"][0]["name"] == "bug" and listed[0]["assignee"]["login"] == "mona"
    everything = api.get(f"{REPO}/issues", params={"state": "all"}).json()
    assert [i["number"] for i in everything] == [pr, 2, bug]  # newest first
    assert "pull_request" in everything[0] and "pull_request" not in everything[1]
    assert api.get(f"{REPO}/issues", params={"milestone": "1"}).json()[0]["title"] == "Docs"
    assert (
        api.get(f"{REPO}/issues", params={"assignee": "none", "state": "all"}).json()[-1]["number"]
        == 2
    )
    fake_github.close_issue(bug)
    assert [i["number"] for i in api.get(f"{REPO}/issues").json()] == [pr, 2]
    ghes = httpx.get(f"{fake_github.ghes_url}{REPO}/issues/{bug}", headers=api.headers)
    assert ghes.json()["url"] == f"{fake_github.ghes_url}{REPO}/issues/{bug}"
    assert {label["name"] for label in api.get(f"{REPO}/labels").json()} == {"bug", "cco", "docs"}


def test_comments_labels_and_sub_issues(fake_github: FakeGitHub, api: httpx.Client) -> None:
    n = fake_github.add_issue("Parent")
    child = fake_github.add_issue("Child")
    fake_github.add_sub_issue(n, child)
    made = api.post(f"{REPO}/issues/{n}/comments", json={"body": "on it"})
    assert made.status_code == 201 and made.json()["user"]["login"] == fake_github.login
    edited = api.patch(f"{REPO}/issues/comments/{made.json()['id']}", json={"body": "done"})
    assert edited.json()["body"] == "done"
    fake_github.comment(n, "thanks")
    assert [c["body"] for c in api.get(f"{REPO}/issues/{n}/comments").json()] == ["done", "thanks"]
    added = api.post(f"{REPO}/issues/{n}/labels", json={"labels": ["cco:running"]})
    assert [lbl["name"] for lbl in added.json()] == ["cco:running"]  # created, as GitHub does
    assert api.delete(f"{REPO}/issues/{n}/labels/cco:running").json() == []
    gone = api.delete(f"{REPO}/issues/{n}/labels/cco:running")
    assert gone.status_code == 404 and gone.json()["message"] == "Label does not exist"
    subs = api.get(f"{REPO}/issues/{n}/sub_issues").json()
    assert [s["number"] for s in subs] == [child]
    assert api.get(f"{REPO}/issues/{n}").json()["sub_issues_summary"]["total"] == 1
    assert api.get(f"{REPO}/issues/99").status_code == 404


def test_etag_gives_304_which_does_not_count_against_the_limit(
    fake_github: FakeGitHub, api: httpx.Client
) -> None:
    n = fake_github.add_issue("Cached")
    first = api.get(f"{REPO}/issues/{n}")
    tag, left = first.headers["ETag"], int(first.headers["X-RateLimit-Remaining"])
    again = api.get(f"{REPO}/issues/{n}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["X-RateLimit-Remaining"]) == left
    fake_github.comment(n, "changes it")
    changed = api.get(f"{REPO}/issues/{n}", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert int(changed.headers["X-RateLimit-Remaining"]) == left - 1
    for name in ("Limit", "Reset", "Used", "Resource"):
        assert changed.headers[f"X-RateLimit-{name}"]


def test_link_header_pagination(fake_github: FakeGitHub, api: httpx.Client) -> None:
    for i in range(5):
        fake_github.add_issue(f"Issue {i}")
    page = api.get(f"{REPO}/issues", params={"per_page": 2, "direction": "asc"})
    assert [i["number"] for i in page.json()] == [1, 2]
    assert set(page.links) == {"next", "last"} and "page=3" in page.links["last"]["url"]
    seen = [i["number"] for i in page.json()]
    while "next" in page.links:
        page = api.get(page.links["next"]["url"])
        seen += [i["number"] for i in page.json()]
    assert seen == [1, 2, 3, 4, 5] and set(page.links) == {"prev", "first"}


def test_a_pull_request_after_a_real_push_and_its_head_moved_by_the_next(
    fake_github: FakeGitHub, api: httpx.Client, work: Path, hook_catcher: HookCatcher
) -> None:
    fake_github.hook(hook_catcher.url, "s3cret")
    sha = push(work, "cco/task-1", {"a.txt": "a\n"})
    body = {"title": "Task 1", "head": "acme:cco/task-1", "base": "main", "body": "Work"}
    made = api.post(f"{REPO}/pulls", json=body)
    assert made.status_code == 201, made.text
    pr = made.json()
    assert pr["head"]["sha"] == sha and pr["head"]["ref"] == "cco/task-1"
    assert pr["base"]["sha"] == _git(fake_github.bare, "rev-parse", "main")
    assert (pr["commits"], pr["additions"], pr["changed_files"]) == (1, 1, 1)
    assert pr["mergeable"] is True and made.headers["Location"] == pr["url"]
    again = api.post(f"{REPO}/pulls", json=body)
    assert again.status_code == 422 and "already exists" in again.text
    nothing = api.post(f"{REPO}/pulls", json={**body, "head": "no-such-branch"})
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "head"
    moved = push(work, "cco/task-1", {"b.txt": "b\n"})
    assert api.get(f"{REPO}/pulls/{pr['number']}").json()["head"]["sha"] == moved
    listed = api.get(f"{REPO}/pulls", params={"head": "acme:cco/task-1"}).json()
    assert [p["number"] for p in listed] == [pr["number"]]
    closed = api.patch(f"{REPO}/pulls/{pr['number']}", json={"state": "closed"})
    assert closed.json()["state"] == "closed"
    fake_github.wait_deliveries()
    assert hook_catcher.events() == [
        ("pull_request", "opened"),
        ("pull_request", "synchronize"),
        ("pull_request", "closed"),
    ]
    sync = hook_catcher.payloads("pull_request", "synchronize")[0]
    assert (sync["before"], sync["after"], sync["pull_request"]["head"]["sha"]) == (
        sha,
        moved,
        moved,
    )


def test_check_runs_and_the_job_log_redirect(
    fake_github: FakeGitHub, api: httpx.Client, work: Path
) -> None:
    sha = push(work, "feature", {"x.txt": "x\n"})
    job = fake_github.set_check("feature", "tests", "completed", "failure", log="FAILED test_x\n")
    fake_github.set_check(sha, "lint", "in_progress", None)
    runs = api.get(f"{REPO}/commits/feature/check-runs").json()
    assert runs["total_count"] == 2
    by_name = {r["name"]: r for r in runs["check_runs"]}
    assert (by_name["tests"]["status"], by_name["tests"]["conclusion"]) == ("completed", "failure")
    assert by_name["lint"]["conclusion"] is None and by_name["tests"]["id"] == job
    assert (
        api.get(f"{REPO}/commits/{sha}/check-runs", params={"check_name": "lint"}).json()[
            "total_count"
        ]
        == 1
    )
    redirect = api.get(f"{REPO}/actions/jobs/{job}/logs")
    assert redirect.status_code == 302
    log = httpx.get(redirect.headers["Location"])  # no token: a signed storage URL
    assert log.text == "FAILED test_x\n" and log.headers["content-type"].startswith("text/plain")
    forged = redirect.headers["Location"].replace("sig=", "sig=0")
    assert httpx.get(forged).status_code == 403
    assert api.get(f"{REPO}/actions/jobs/999999/logs").status_code == 404


def test_reviews_and_review_comments(
    fake_github: FakeGitHub, api: httpx.Client, work: Path
) -> None:
    head = push(work, "feature", {"x.py": "x = 1\n"})
    pr = fake_github.open_pr("feature", title="X")
    fake_github.review(pr, "CHANGES_REQUESTED", "please fix", [("x.py", 1, "x is 2")])
    fake_github.review(pr, "APPROVED", "ok")
    reviews = api.get(f"{REPO}/pulls/{pr}/reviews").json()
    assert [(r["state"], r["body"], r["commit_id"]) for r in reviews] == [
        ("CHANGES_REQUESTED", "please fix", head),
        ("APPROVED", "ok", head),
    ]
    comments = api.get(f"{REPO}/pulls/{pr}/comments").json()
    assert [(c["path"], c["line"], c["body"]) for c in comments] == [("x.py", 1, "x is 2")]
    assert comments[0]["pull_request_review_id"] == reviews[0]["id"]


def test_a_merge_is_real_and_closes_the_issues_the_body_names(
    fake_github: FakeGitHub, api: httpx.Client, work: Path, hook_catcher: HookCatcher
) -> None:
    issue = fake_github.add_issue("Broken")
    other = fake_github.add_issue("Untouched")
    push(work, "fix", {"fix.txt": "fixed\n"})
    pr = fake_github.open_pr("fix", title="Fix", body=f"Closes #{issue}\n\nsee also #{other}")
    fake_github.hook(hook_catcher.url, "s3cret")
    merged_sha = fake_github.merge(pr)
    assert _git(fake_github.bare, "rev-parse", "main") == merged_sha
    assert _git(fake_github.bare, "show", "main:fix.txt") == "fixed"
    assert len(_git(fake_github.bare, "rev-list", "--parents", "-n1", "main").split()) == 3
    got = api.get(f"{REPO}/pulls/{pr}").json()
    assert got["merged"] is True and got["merge_commit_sha"] == merged_sha
    assert got["state"] == "closed" and got["merged_by"]["login"] == "mona"
    assert api.get(f"{REPO}/issues/{issue}").json()["state"] == "closed"
    assert api.get(f"{REPO}/issues/{other}").json()["state"] == "open"
    fake_github.wait_deliveries()
    assert hook_catcher.events() == [("pull_request", "closed"), ("issues", "closed")]
    assert hook_catcher.payloads("pull_request", "closed")[0]["pull_request"]["merged"] is True


def test_issues_made_and_closed_and_a_pr_merged_through_the_api(
    fake_github: FakeGitHub, api: httpx.Client, work: Path
) -> None:
    made = api.post(f"{REPO}/issues", json={"title": "Via API", "labels": ["cco"]})
    assert made.status_code == 201 and made.json()["labels"][0]["name"] == "cco"
    n = made.json()["number"]
    since = api.get(f"{REPO}/issues", params={"since": made.json()["updated_at"]}).json()
    assert [i["number"] for i in since] == [n]
    push(work, "feature", {"f.txt": "f\n"})
    pr = fake_github.open_pr("feature", title="F", body=f"Resolves #{n}")
    stale = api.put(f"{REPO}/pulls/{pr}/merge", json={"sha": "0" * 40})
    assert stale.status_code == 409
    merged = api.put(f"{REPO}/pulls/{pr}/merge", json={"commit_title": "Merge F"})
    assert merged.status_code == 200 and merged.json()["merged"] is True
    assert _git(fake_github.bare, "log", "-1", "--format=%s", "main") == "Merge F"
    assert api.get(f"{REPO}/issues/{n}").json()["state"] == "closed"
    reopened = api.patch(f"{REPO}/issues/{n}", json={"state": "open", "title": "Again"})
    assert (reopened.json()["state"], reopened.json()["title"]) == ("open", "Again")
    closed = api.patch(
        f"{REPO}/issues/{n}", json={"state": "closed", "state_reason": "not_planned"}
    )
    assert closed.json()["state_reason"] == "not_planned"
    assert api.put(f"{REPO}/pulls/{pr}/merge", json={}).status_code == 405


def test_bad_credentials_are_401_as_github_says_them(fake_github: FakeGitHub) -> None:
    for headers in ({}, {"Authorization": "token nope"}, {"Authorization": "Basic x"}):
        answer = httpx.get(f"{fake_github.url}{REPO}/issues", headers=headers)
        assert answer.status_code == 401 and answer.json()["message"] == "Bad credentials"
        assert answer.json()["documentation_url"].startswith("https://docs.github.com")
    bearer = httpx.get(f"{fake_github.url}/user", headers={"Authorization": "Bearer ghp_test"})
    assert bearer.json()["login"] == fake_github.login


def test_down_refuses_connections_and_up_serves_on_the_same_port(
    fake_github: FakeGitHub, api: httpx.Client
) -> None:
    url = fake_github.url
    assert api.get("/rate_limit").status_code == 200
    fake_github.down()
    with pytest.raises(httpx.TransportError):  # connection refused
        api.get("/rate_limit")
    fake_github.up()
    assert fake_github.url == url and api.get("/rate_limit").status_code == 200


def test_fail_next_answers_server_errors_then_recovers(
    fake_github: FakeGitHub, api: httpx.Client
) -> None:
    fake_github.fail_next(2, status=502)
    assert [api.get("/user").status_code for _ in range(3)] == [502, 502, 200]


def test_rate_limits_primary_403_and_secondary_429(
    fake_github: FakeGitHub, api: httpx.Client
) -> None:
    fake_github.rate_limited(30)
    primary = api.get(f"{REPO}/issues")
    assert primary.status_code == 403 and "rate limit exceeded" in primary.json()["message"]
    assert primary.headers["X-RateLimit-Remaining"] == "0"
    assert time.time() + 20 < int(primary.headers["X-RateLimit-Reset"]) <= time.time() + 31
    fake_github.rate_limited(7, status=429)
    secondary = api.get(f"{REPO}/issues")
    assert secondary.status_code == 429 and 4 <= int(secondary.headers["Retry-After"]) <= 7
    assert "secondary rate limit" in secondary.json()["message"]
    fake_github.rate_limited(0)
    assert api.get(f"{REPO}/issues").status_code == 200


def test_a_request_github_would_refuse_is_recorded_as_a_violation(
    fake_github: FakeGitHub, api: httpx.Client, work: Path
) -> None:
    push(work, "feature", {"x.txt": "x\n"})
    refused = api.post(f"{REPO}/pulls", json={"title": "no head", "base": "main"})
    assert refused.status_code == 422
    api.get(f"{REPO}/issues", params={"state": "opened"})
    api.get(f"{REPO}/isues")
    found = fake_github.take_violations()
    assert any("'head' is a required property" in v for v in found), found
    assert any("'opened' is not one of" in v for v in found), found
    assert any("no such operation" in v for v in found), found
    assert fake_github.requests[0].method == "POST" and fake_github.requests[0].body == {
        "title": "no head",
        "base": "main",
    }


def test_webhooks_are_signed_and_shaped_as_githubs(
    fake_github: FakeGitHub, hook_catcher: HookCatcher, api: httpx.Client
) -> None:
    fake_github.hook(hook_catcher.url, "s3cret")
    n = fake_github.add_issue("Hooked", labels=["cco"])
    fake_github.edit_issue(n, title="Hooked!")
    api.post(f"{REPO}/issues/{n}/comments", json={"body": "hi"})
    deliveries = fake_github.wait_deliveries()
    assert [d.status for d in deliveries] == [200] * 4
    assert hook_catcher.events() == [
        ("issues", "opened"),
        ("issues", "labeled"),
        ("issues", "edited"),
        ("issue_comment", "created"),
    ]
    for headers, raw in hook_catcher.received:
        expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-hub-signature-256"], expected)
        assert len(headers["x-github-delivery"]) == 36
        assert headers["content-type"] == "application/json"
    edited = hook_catcher.payloads("issues", "edited")[0]
    assert edited["changes"] == {"title": {"from": "Hooked"}}
    assert edited["issue"]["title"] == "Hooked!" and edited["repository"]["full_name"] == (
        "acme/widgets"
    )
    assert json.loads(hook_catcher.received[1][1])["label"]["name"] == "cco"


def test_api_version_2026_03_10_answers_without_what_it_removed(
    fake_github: FakeGitHub, api: httpx.Client
) -> None:
    n = fake_github.add_issue("Versioned", assignee="mona")
    old = api.get(f"{REPO}/issues/{n}")
    assert "assignee" in old.json() and old.headers["X-GitHub-Api-Version-Selected"] == (
        "2022-11-28"
    )
    new = api.get(f"{REPO}/issues/{n}", headers={"X-GitHub-Api-Version": "2026-03-10"})
    assert "assignee" not in new.json() and new.json()["assignees"][0]["login"] == "mona"
    limits = api.get("/rate_limit", headers={"X-GitHub-Api-Version": "2026-03-10"}).json()
    assert "rate" not in limits and limits["resources"]["core"]["limit"] == 5000
    bad = api.get("/rate_limit", headers={"X-GitHub-Api-Version": "2099-01-01"})
    assert bad.status_code == 400
    assert fake_github.take_violations()  # the unknown version is the client's mistake


def test_a_github_app_trades_its_jwt_for_an_installation_token(fake_github: FakeGitHub) -> None:
    jwt = pytest.importorskip("jwt")
    key, public = _app_key(0)
    fake_github.app(app_id=321, public_key_pem=public, installation_id=77)
    now = int(time.time())
    token = jwt.encode({"iat": now - 60, "exp": now + 540, "iss": "321"}, key, "RS256")
    url = f"{fake_github.url}/app/installations/77/access_tokens"
    made = httpx.post(url, headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 201, made.text
    installation = made.json()["token"]
    assert installation.startswith("ghs_")
    headers = {"Authorization": f"token {installation}"}
    assert httpx.get(f"{fake_github.url}{REPO}/issues", headers=headers).status_code == 200
    other, _ = _app_key(1)
    forged = jwt.encode({"iat": now, "exp": now + 540, "iss": "321"}, other, "RS256")
    assert httpx.post(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


# -- githubkit ---------------------------------------------------------------------------------
@pytest.fixture
def kit(fake_github: FakeGitHub) -> Iterator[Any]:
    """githubkit on the fake (no retries: a test sees each failure as it comes)."""
    githubkit = pytest.importorskip("githubkit")
    auth = githubkit.TokenAuthStrategy(fake_github.token)
    with githubkit.GitHub(auth, base_url=fake_github.url, auto_retry=False) as client:
        yield client


def test_githubkit_lists_issues_with_labels_pages_and_revalidates_by_etag(
    fake_github: FakeGitHub, kit: Any
) -> None:
    for i in range(5):
        fake_github.add_issue(f"Issue {i}", labels=["bug"] if i % 2 else [])
    bugs = kit.rest.issues.list_for_repo("acme", "widgets", labels="bug").parsed_data
    assert [i.number for i in bugs] == [4, 2]
    paged = kit.rest.paginate(
        kit.rest.issues.list_for_repo, owner="acme", repo="widgets", per_page=2
    )
    assert [i.number for i in paged] == [5, 4, 3, 2, 1]
    assert kit.rest.rate_limit.get().parsed_data.resources.core.limit == 5000
    first = kit.rest.issues.get("acme", "widgets", 1)
    again = kit.rest.issues.get("acme", "widgets", 1)  # githubkit revalidates: If-None-Match
    assert again.parsed_data.title == first.parsed_data.title == "Issue 0"
    assert fake_github.requests[-1].headers["if-none-match"] == first.headers["etag"]
    assert fake_github.requests[-1].status == 304
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    assert fake_github.requests[-1].headers["x-github-api-version"] == "2026-03-10"


def test_githubkit_opens_a_pr_reads_checks_logs_reviews_and_sees_the_merge(
    fake_github: FakeGitHub, kit: Any, work: Path
) -> None:
    issue = fake_github.add_issue("Do it")
    kit.rest.issues.add_labels("acme", "widgets", issue, labels=["cco:running"])
    kit.rest.issues.create_comment("acme", "widgets", issue, body="Working on it")
    sha = push(work, "cco/do-it", {"it.txt": "done\n"})
    pr = kit.rest.pulls.create(
        "acme", "widgets", title="Do it", head="cco/do-it", base="main", body=f"Fixes #{issue}"
    ).parsed_data
    assert pr.head.sha == sha and pr.draft is False
    job = fake_github.set_check("cco/do-it", "tests", conclusion="failure", log="1 failed\n")
    runs = kit.rest.checks.list_for_ref("acme", "widgets", sha).parsed_data
    assert [(r.name, r.conclusion) for r in runs.check_runs] == [("tests", "failure")]
    log = kit.rest.actions.download_job_logs_for_workflow_run("acme", "widgets", job)
    assert log.text == "1 failed\n"  # githubkit follows the 302
    fake_github.review(pr.number, body="fix the test", comments=[("it.txt", 1, "typo")])
    reviews = kit.rest.pulls.list_reviews("acme", "widgets", pr.number).parsed_data
    assert [r.state for r in reviews] == ["CHANGES_REQUESTED"]
    notes = kit.rest.pulls.list_review_comments("acme", "widgets", pr.number).parsed_data
    assert [(c.path, c.line, c.body) for c in notes] == [("it.txt", 1, "typo")]
    push(work, "main", {"other.txt": "o\n"})
    kit.rest.pulls.update_branch("acme", "widgets", pr.number)
    moved = kit.rest.pulls.get("acme", "widgets", pr.number, headers={"Cache-Control": "no-cache"})
    assert moved.parsed_data.head.sha != sha
    fake_github.merge(pr.number)
    closed = kit.rest.issues.get("acme", "widgets", issue).parsed_data
    assert closed.state == "closed" and closed.state_reason == "completed"


def test_githubkit_sees_githubs_failures(fake_github: FakeGitHub, kit: Any) -> None:
    from githubkit import GitHub, TokenAuthStrategy
    from githubkit.exception import (
        PrimaryRateLimitExceeded,
        RequestError,
        RequestFailed,
        SecondaryRateLimitExceeded,
    )

    stranger = GitHub(TokenAuthStrategy("wrong"), base_url=fake_github.url)
    with stranger, pytest.raises(RequestFailed) as denied:
        stranger.rest.users.get_authenticated()
    assert denied.value.response.status_code == 401
    fake_github.fail_next(1)
    with pytest.raises(RequestFailed) as failed:
        kit.rest.users.get_authenticated()
    assert failed.value.response.status_code == 500
    fake_github.rate_limited(30)
    with pytest.raises(PrimaryRateLimitExceeded) as primary:
        kit.rest.repos.get("acme", "widgets")
    assert 15 < primary.value.retry_after.total_seconds() <= 31
    fake_github.rate_limited(5, status=429)
    with pytest.raises(SecondaryRateLimitExceeded) as secondary:
        kit.rest.repos.get("acme", "widgets")
    assert 2 <= secondary.value.retry_after.total_seconds() <= 5
    fake_github.rate_limited(0)
    fake_github.down()
    with pytest.raises(RequestError):
        kit.rest.users.get_authenticated()
    fake_github.up()
    assert kit.rest.users.get_authenticated().parsed_data.login == fake_github.login


def test_githubkit_as_a_github_app_installation(fake_github: FakeGitHub) -> None:
    githubkit = pytest.importorskip("githubkit")
    pytest.importorskip("jwt")
    from cryptography.hazmat.primitives import serialization

    key, public = _app_key(0)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fake_github.app(app_id=321, public_key_pem=public, installation_id=77)
    auth = githubkit.AppInstallationAuthStrategy(321, private, 77)
    with githubkit.GitHub(auth, base_url=fake_github.url) as app:
        n = app.rest.issues.create("acme", "widgets", title="From the App").parsed_data.number
    assert fake_github.issue(n).user == fake_github.login
