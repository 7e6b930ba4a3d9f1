"""GitHubClient against the fake GitHub (tests/support/fake_github.py), whose every request and
answer is checked against GitHub's own description (the fixture fails a test on any
violation): every GitHubApi method, ETags and 304, pagination, GitHub Enterprise Server's
/api/v3, and each failure as the port promises it (GitHubUnavailable to retry, GitHubError
refused for good; never a library's exception, never the token)."""

from __future__ import annotations

import io
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cc_orchestrator.adapters.github.client import GitHubClient
from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.domain.github import GitHubError, GitHubUnavailable, NotModified, RepoRef
from cc_orchestrator.logs import setup_logging
from tests.support.fake_github import FakeGitHub
from tests.support.fake_github_fixture import make_bare_repo, skip_without_specs

REPO = RepoRef("acme", "widgets")


def client(url: str, token: str = "ghp_test", **settings: object) -> GitHubClient:
    return GitHubClient(GithubConfig(api_url=url, token=SecretStr(token), **settings))  # type: ignore[arg-type]


@pytest.fixture
def api(fake_github: FakeGitHub) -> Iterator[GitHubClient]:
    made = client(fake_github.url, fake_github.token)
    yield made
    made.close()


def push_branch(fake: FakeGitHub, tmp_path: Path, branch: str, files: dict[str, str]) -> str:
    """A commit on branch (from main) pushed into the fake's bare repository: its sha."""
    work = tmp_path / f"clone-{branch.replace('/', '-')}"
    if not work.exists():
        subprocess.run(["git", "clone", "-q", str(fake.bare), str(work)], check=True)
    run = lambda *a: subprocess.run(  # noqa: E731
        ["git", *a], cwd=work, check=True, capture_output=True, text=True
    ).stdout.strip()
    run("checkout", "-q", "-B", branch, "origin/main" if branch != "main" else "main")
    for name, text in files.items():
        (work / name).write_text(text)
    run("add", "-A")
    run("commit", "-q", "-m", f"change {', '.join(files)}")
    run("push", "-q", "origin", f"{branch}:{branch}")
    return run("rev-parse", "HEAD")


def requests_to(fake: FakeGitHub, suffix: str) -> list[dict[str, list[str]]]:
    return [r.query for r in fake.requests if r.method == "GET" and r.path.endswith(suffix)]


# ---------------------------------------------------------------------- every method
def test_who_rate_limit_and_default_branch(api: GitHubClient, fake_github: FakeGitHub) -> None:
    assert api.whoami() == "cco-bot"
    limit = api.rate_limit()
    assert limit.limit == 5000 and 0 < limit.remaining <= 5000
    assert limit.reset_at is not None and limit.reset_at.tzinfo is not None
    assert api.default_branch(REPO) == "main"
    assert api.credential_source() == "settings"
    sent = fake_github.requests[0].headers
    assert sent["x-github-api-version"] == "2022-11-28"
    assert sent["user-agent"].startswith("cc-orchestrator/")


def test_issues_every_page_without_pull_requests(
    api: GitHubClient, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    numbers = [fake_github.add_issue(f"issue {i}", labels=["cco"]) for i in range(230)]
    fake_github.add_issue("not for cco")
    push_branch(fake_github, tmp_path, "task/one", {"one.txt": "1\n"})
    pr = fake_github.open_pr("task/one", title="a pull request is an issue too")
    fake_github.add_labels(pr, ["cco"])  # the pull request carries the label as well

    found, etag = api.issues(REPO, label="cco", assignee=None, milestone=None)
    assert sorted(i.number for i in found) == numbers  # every page; no pull request
    assert etag and etag.startswith('W/"')
    pages = requests_to(fake_github, "/repos/acme/widgets/issues")
    assert [(q["page"], q["per_page"]) for q in pages] == [
        (["1"], ["100"]),
        (["2"], ["100"]),
        (["3"], ["100"]),
    ]
    assert all(q["sort"] == ["updated"] and q["labels"] == ["cco"] for q in pages)
    assert found[0].title == "issue 229"  # the newest update first


def test_issue_filters_and_fields(api: GitHubClient, fake_github: FakeGitHub) -> None:
    one = fake_github.add_issue("Fix login", "It breaks.", ["cco", "priority:high"], "mona", "v1")
    fake_github.add_issue("Other", labels=["cco"])
    closed = fake_github.add_issue("Done already", labels=["cco"])
    fake_github.close_issue(closed, "not_planned")

    by_assignee = api.issues(REPO, label="cco", assignee="mona", milestone=None)
    assert not isinstance(by_assignee, NotModified)
    [issue] = by_assignee[0]
    assert issue.number == one and issue.title == "Fix login" and issue.body == "It breaks."
    assert issue.labels == ("cco", "priority:high") and issue.assignees == ("mona",)
    assert issue.milestone == 1 and issue.state == "open" and not issue.is_pull_request
    assert issue.url.endswith(f"/acme/widgets/issues/{one}") and issue.updated_at is not None
    by_milestone = api.issues(REPO, label=None, assignee=None, milestone="1")
    assert not isinstance(by_milestone, NotModified)
    assert [i.number for i in by_milestone[0]] == [one]
    opened = api.issues(REPO, label="cco", assignee=None, milestone=None, state="open")
    assert not isinstance(opened, NotModified)
    assert closed not in [i.number for i in opened[0]]

    gone = api.issue(REPO, closed)
    assert gone is not None and gone.state == "closed" and gone.state_reason == "not_planned"
    assert api.issue(REPO, 9999) is None


def test_etag_answers_not_modified_for_free(api: GitHubClient, fake_github: FakeGitHub) -> None:
    number = fake_github.add_issue("Watch me", labels=["cco"])
    first = api.issues(REPO, label="cco", assignee=None, milestone=None)
    assert not isinstance(first, NotModified)
    _, etag = first
    assert etag is not None
    left = fake_github.rate_remaining
    again = api.issues(REPO, label="cco", assignee=None, milestone=None, etag=etag)
    assert again == NotModified(etag)
    assert fake_github.rate_remaining == left  # a 304 costs no rate limit
    assert fake_github.requests[-1].headers["if-none-match"] == etag

    fake_github.edit_issue(number, title="Watch me, edited")
    changed = api.issues(REPO, label="cco", assignee=None, milestone=None, etag=etag)
    assert not isinstance(changed, NotModified)
    assert changed[0][0].title == "Watch me, edited" and changed[1] != etag


def test_comments_labels_and_sub_issues(api: GitHubClient, fake_github: FakeGitHub) -> None:
    parent = fake_github.add_issue("Epic", labels=["cco"])
    child = fake_github.add_issue("Part", labels=["cco"])
    fake_github.add_sub_issue(parent, child)
    assert api.sub_issues(REPO, parent) == [child]
    assert api.sub_issues(REPO, child) == []

    for n in range(105):
        fake_github.comment(parent, f"note {n}", user="mona")
    made = api.add_comment(REPO, parent, "cco is on it")
    api.edit_comment(REPO, made, "cco is done")
    found = api.comments(REPO, parent)
    assert len(found) == 106 and found[0].body == "note 0" and found[0].user == "mona"
    assert (found[-1].id, found[-1].body, found[-1].user) == (made, "cco is done", "cco-bot")
    assert found[-1].created_at is not None

    odd = "needs: review / now?"
    api.add_labels(REPO, parent, ["cco:running", odd])
    api.add_labels(REPO, parent, [])  # nothing to add: no request
    api.remove_label(REPO, parent, odd)
    api.remove_label(REPO, parent, "cco:never-there")  # absent: no error
    again = api.issue(REPO, parent)
    assert again is not None and again.labels == ("cco", "cco:running")


def test_pull_requests(api: GitHubClient, fake_github: FakeGitHub, tmp_path: Path) -> None:
    head = push_branch(fake_github, tmp_path, "task/fix", {"fix.txt": "fixed\n"})
    assert api.find_pull(REPO, "task/fix") is None
    made = api.create_pull(
        REPO, title="Fix it", body="Closes #1", head="task/fix", base="main", draft=True
    )
    assert (made.head, made.head_sha, made.base, made.state) == ("task/fix", head, "main", "open")
    assert made.draft and not made.merged and made.title == "Fix it" and made.body == "Closes #1"
    found = api.find_pull(REPO, "task/fix", base="main")
    assert found is not None and found.number == made.number
    assert api.find_pull(REPO, "task/fix", base="develop") is None
    assert fake_github.requests[-1].query["head"] == ["acme:task/fix"]

    with pytest.raises(GitHubError) as twice:
        api.create_pull(REPO, title="Again", body="", head="task/fix", base="main", draft=False)
    assert not isinstance(twice.value, GitHubUnavailable) and twice.value.status == 422
    assert "A pull request already exists for acme:task/fix" in twice.value.message

    got = api.pull(REPO, made.number)
    assert not isinstance(got, NotModified)
    pr, etag = got
    assert pr == made and etag
    assert api.pull(REPO, made.number, etag=etag) == NotModified(etag)
    edited = api.edit_pull(REPO, made.number, body="Closes #1, and more")
    assert edited.body == "Closes #1, and more"
    assert api.edit_pull(REPO, made.number).body == "Closes #1, and more"  # nothing: a read

    with pytest.raises(GitHubError, match="no new commits on the base branch"):
        api.update_branch(REPO, made.number)
    push_branch(fake_github, tmp_path, "main", {"main.txt": "moved on\n"})
    api.update_branch(REPO, made.number)
    moved = api.pull(REPO, made.number, etag=etag)
    assert not isinstance(moved, NotModified) and moved[0].head_sha != head

    merge = fake_github.merge(made.number)
    done = api.pull(REPO, made.number)
    assert not isinstance(done, NotModified)
    assert done[0].merged and done[0].state == "closed" and done[0].merge_commit_sha == merge
    listed = api.find_pull(REPO, "task/fix")
    assert listed is not None and listed.merged  # the list's merged_at says it


def test_checks_and_a_job_log_without_the_token(fake_github: FakeGitHub, tmp_path: Path) -> None:
    """The log's signed URL is on another host (the API is reached as localhost, the log as
    127.0.0.1): the redirect is followed without the credentials."""
    api = client(fake_github.url.replace("127.0.0.1", "localhost"), fake_github.token)
    head = push_branch(fake_github, tmp_path, "task/ci", {"ci.txt": "x\n"})
    lint = fake_github.set_check("task/ci", "lint", conclusion="success")
    tests = fake_github.set_check(head, "tests", conclusion="failure", log="ok 1\nnot ok 2\n")
    fake_github.set_check(head, "build", status="in_progress", conclusion=None)
    found = {c.name: c for c in api.checks(REPO, head)}
    assert set(found) == {"lint", "tests", "build"}
    assert found["tests"].conclusion == "failure" and found["tests"].job_id == tests
    assert found["lint"].job_id == lint and found["lint"].status == "completed"
    assert found["build"].status == "in_progress" and found["build"].conclusion is None
    assert found["tests"].url and "/job/" in found["tests"].url

    assert api.job_log(REPO, tests) == "ok 1\nnot ok 2\n"
    [fetched] = fake_github.log_fetches
    assert "authorization" not in fetched
    assert fetched["host"].startswith("127.0.0.1")
    assert fake_github.requests[-1].headers["authorization"] == f"token {fake_github.token}"
    with pytest.raises(GitHubError) as missing:
        api.job_log(REPO, 999999)
    assert missing.value.status == 404 and not isinstance(missing.value, GitHubUnavailable)
    # GitHub answers a 404 there, which its description does not list
    assert [v for v in fake_github.take_violations() if "404" not in v] == []
    api.close()


def test_reviews_with_their_inline_comments(
    api: GitHubClient, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    push_branch(fake_github, tmp_path, "task/rev", {"a.py": "a = 1\n", "b.py": "b = 2\n"})
    number = fake_github.open_pr("task/rev", title="Review me")
    asked = fake_github.review(
        number, "CHANGES_REQUESTED", "Please fix", [("a.py", 1, "why 1?"), ("b.py", 1, "and b")]
    )
    fine = fake_github.review(number, "APPROVED", "", user="hubot")
    found = {r.id: r for r in api.reviews(REPO, number)}
    assert set(found) == {asked, fine}
    assert found[asked].state == "CHANGES_REQUESTED" and found[asked].body == "Please fix"
    assert [(c.path, c.line, c.body, c.user) for c in found[asked].comments] == [
        ("a.py", 1, "why 1?", "mona"),
        ("b.py", 1, "and b", "mona"),
    ]
    assert found[fine].comments == () and found[fine].user == "hubot"


def test_enterprise_server_api_v3(fake_github: FakeGitHub, tmp_path: Path) -> None:
    api = client(fake_github.ghes_url, fake_github.token)
    number = fake_github.add_issue("On GHES", labels=["cco"])
    assert api.whoami() == "cco-bot"
    result = api.issues(REPO, label="cco", assignee=None, milestone=None)
    assert not isinstance(result, NotModified) and [i.number for i in result[0]] == [number]
    api.add_comment(REPO, number, "hello from GHES")
    head = push_branch(fake_github, tmp_path, "task/ghes", {"g.txt": "g\n"})
    job = fake_github.set_check(head, "tests", conclusion="failure", log="boom\n")
    assert api.job_log(REPO, job) == "boom\n"
    assert fake_github.requests and all(r.path.startswith("/api/v3/") for r in fake_github.requests)
    api.close()


# ---------------------------------------------------------------------- failures
def test_bad_credentials(fake_github: FakeGitHub) -> None:
    wrong = "ghp_wrongwrongwrongwrongwrong1234"
    api = client(fake_github.url, wrong)
    with pytest.raises(GitHubError) as refused:
        api.whoami()
    error = refused.value
    assert not isinstance(error, GitHubUnavailable) and error.status == 401
    assert error.message == "GitHub refused the credentials (401): Bad credentials"
    assert error.hint is not None and "settings" in error.hint and "GITHUB_TOKEN" in error.hint
    assert wrong not in str(error)


def test_not_found_and_unprocessable(api: GitHubClient, fake_github: FakeGitHub) -> None:
    with pytest.raises(GitHubError) as missing:
        api.default_branch(RepoRef("acme", "nothing-here"))
    assert missing.value.status == 404 and "Not Found" in missing.value.message
    assert "GET /repos/acme/nothing-here" in missing.value.message
    with pytest.raises(GitHubError) as invalid:
        api.create_pull(REPO, title="x", body="", head="no-such-branch", base="main", draft=False)
    assert invalid.value.status == 422 and "Validation Failed" in invalid.value.message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_unavailable_and_not_retried_here(
    api: GitHubClient, fake_github: FakeGitHub, status: int
) -> None:
    fake_github.fail_next(1, status)
    before = len(fake_github.requests)
    with pytest.raises(GitHubUnavailable) as failed:
        api.whoami()
    assert failed.value.status == status and f"GitHub answered {status}" in failed.value.message
    assert len(fake_github.requests) == before + 1  # githubkit's own retries are off
    assert api.whoami() == "cco-bot"


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limited_is_unavailable_with_when(
    api: GitHubClient, fake_github: FakeGitHub, status: int
) -> None:
    fake_github.rate_limited(40, status=status)
    start = time.monotonic()
    with pytest.raises(GitHubUnavailable) as limited:
        api.issues(REPO, label="cco", assignee=None, milestone=None)
    assert time.monotonic() - start < 2  # told at once, never slept on
    assert limited.value.status == status and "rate limit" in limited.value.message
    # 429: its Retry-After; 403 (the primary limit): until X-RateLimit-Reset, when it lifts
    wait = 40
    assert limited.value.retry_after_s is not None
    assert wait - 5 <= limited.value.retry_after_s <= wait + 2
    fake_github.rate_limited(0)
    assert api.whoami() == "cco-bot"


def test_unreachable_is_unavailable_at_once(api: GitHubClient, fake_github: FakeGitHub) -> None:
    assert api.whoami() == "cco-bot"  # a connection is open
    fake_github.down()
    start = time.monotonic()
    with pytest.raises(GitHubUnavailable) as down:
        api.whoami()
    assert time.monotonic() - start < 2
    assert "connection refused" in down.value.message or "closed the connection" in (
        down.value.message
    )
    with pytest.raises(GitHubUnavailable, match=r"connection refused by 127\.0\.0\.1"):
        api.issue(REPO, 1)
    fake_github.up()
    assert api.whoami() == "cco-bot"  # the same client connects again


def test_no_answer_within_the_timeout() -> None:
    """A server that takes the connection and never answers: Unavailable after timeout_s."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        api = client(f"http://127.0.0.1:{port}", timeout_s=0.5)
        start = time.monotonic()
        with pytest.raises(
            GitHubUnavailable, match=r"no answer from 127\.0\.0\.1:\d+ within 0\.5 s"
        ):
            api.whoami()
        assert time.monotonic() - start < 3
        api.close()


def test_the_token_never_shows(tmp_path: Path) -> None:
    """In no error and no log line (debug included, httpx's own too), whatever happens."""
    skip_without_specs()
    token = "tok-" + "K9x" * 12  # no GitHub shape, so no pattern of the log redaction masks it
    stream = io.StringIO()
    setup_logging(verbosity=3, stream=stream)
    errors: list[str] = []
    with FakeGitHub(make_bare_repo(tmp_path), token=token) as fake:
        api = client(fake.url, token)
        api.whoami()
        api.issues(REPO, label="cco", assignee=None, milestone=None)
        for fault in (lambda: fake.fail_next(1, 500), lambda: fake.rate_limited(5), fake.down):
            fault()
            try:
                api.add_comment(REPO, 1, "x")
            except GitHubError as exc:
                errors.append(f"{exc} {exc.hint}")
            fake.rate_limited(0)
            fake.up()
        wrong = client(fake.url, token + "-old")
        try:
            wrong.whoami()
        except GitHubError as exc:
            errors.append(f"{exc} {exc.hint}")
        api.close()
        assert fake.take_violations() == []
    assert len(errors) == 4
    logged = stream.getvalue()
    assert "github.request" in logged  # the requests were logged, at debug
    for text in [*errors, logged]:
        assert token not in text and "K9xK9xK9x" not in text


def test_lazy_and_without_credentials(fake_github: FakeGitHub) -> None:
    """Nothing is looked up or sent when a client is made; its first use says what to do."""
    api = GitHubClient(GithubConfig(api_url=fake_github.url))
    assert fake_github.requests == []
    with pytest.raises(GitHubError) as none:
        api.whoami()
    assert none.value.message == "no GitHub credentials"
    assert none.value.hint == (
        "set GITHUB_TOKEN, run `gh auth login`, or set github.token in your user settings"
    )
    assert fake_github.requests == []
    api.close()
