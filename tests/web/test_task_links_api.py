"""Every task answer of the API (list, one, deps, actions) carries its issue and pull request
(null when none), read in one batch: two queries for a page of any size, never one per task.
POST /api/github/sync answers the sync's report, with the house's errors (422 not a
repository or not a GitHub one, 404 one cco does not know, 502 GitHub's refusal)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.github import GhIssue, GitHubError, GitHubUnavailable, RepoRef
from cc_orchestrator.services import task_links
from tests.conftest import make_repo
from tests.support.task_links import ISSUES, PULLS, github_settings, link_issue, open_pull
from tests.web.conftest import api_client

TOKEN = "ghp_TOKENNEVERSHOWN000000000000000000"
HOOK_SECRET = "HOOKSECRETNEVERSHOWN"


def add(services: App, repo: Path, title: str, **extra: Any) -> str:
    return services.tasks.add(title=title, prompt=f"{title}: write x.txt x", repo=repo, **extra).id


def test_every_task_answer_has_its_links(services: App, client: httpx.Client, repo: Path) -> None:
    github_settings(repo, repository="acme/widgets", ci_rounds=2)
    first = add(services, repo, "Fix login")
    second = add(services, repo, "After it", depends_on=[first])
    link_issue(services, first, 12)
    open_pull(services, first, 3, checks="failure", ci_rounds=1)

    one = client.get(f"/api/tasks/{first}").json()
    assert one["issue"] == {
        "tracker": "github",
        "project": "acme/widgets",
        "key": "12",
        "url": f"{ISSUES}/12",
        "state": "open",
    }
    assert one["pull_request"] == {
        "number": 3,
        "url": f"{PULLS}/3",
        "state": "open",
        "checks": "failure",
        "ci_rounds": 1,
        "ci_rounds_max": 2,  # the repository's github.ci_rounds
        "review_rounds": 0,
        "review_rounds_max": 3,  # the default
        "head": "cco/fix",
        "base": "main",
    }
    listed = {t["id"]: t for t in client.get("/api/tasks").json()}
    assert listed[first]["issue"] == one["issue"]
    assert listed[first]["pull_request"] == one["pull_request"]
    assert listed[second]["issue"] is None and listed[second]["pull_request"] is None

    deps = client.get(f"/api/tasks/{second}/deps").json()
    assert deps["task"]["pull_request"] is None
    assert deps["depends_on"][0]["pull_request"]["number"] == 3
    deps = client.get(f"/api/tasks/{first}/deps").json()
    assert deps["task"]["issue"]["key"] == "12" and deps["dependents"][0]["issue"] is None

    edited = client.patch(f"/api/tasks/{first}", json={"title": "Fix the login"}).json()
    assert edited["pull_request"]["number"] == 3
    cancelled = client.post(f"/api/tasks/{first}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["issue"]["key"] == "12"
    retried = client.post(f"/api/tasks/{first}/retry").json()
    assert retried["pull_request"]["checks"] == "failure"
    made = client.post("/api/tasks", json={"title": "New", "repo": str(repo)}).json()
    assert made["issue"] is None and made["pull_request"] is None


def test_a_page_costs_two_link_queries_whatever_its_size(
    services: App, client: httpx.Client, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured: the statements that touch issue_links or pull_requests per answer."""
    ids = [add(services, repo, f"Task {n}") for n in range(60)]
    for n, task_id in enumerate(ids[::2]):
        link_issue(services, task_id, 100 + n)
        open_pull(services, task_id, 200 + n, checks="success")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(services.store.engine, "before_cursor_execute", seen)
    try:

        def link_queries(path: str) -> tuple[int, Any]:
            statements.clear()
            body = client.get(path).json()
            touching = [s for s in statements if "issue_links" in s or "pull_requests" in s]
            return len(touching), body

        assert link_queries("/api/tasks?limit=1")[0] == 2
        count, page = link_queries("/api/tasks?limit=60")
        assert count == 2 and len(page) == 60
        assert sum(t["pull_request"] is not None for t in page) == 30
        assert link_queries(f"/api/tasks/{ids[0]}")[0] == 2
        # beyond the IN list's bound: the whole (small) tables, matched in memory, same answer
        monkeypatch.setattr(task_links, "IN_LIST_MAX", 10)
        count, again = link_queries("/api/tasks?limit=60")
        assert count == 2 and again == page
    finally:
        event.remove(services.store.engine, "before_cursor_execute", seen)


def test_the_answers_leave_the_bookkeeping_out(
    services: App, client: httpx.Client, repo: Path
) -> None:
    task = add(services, repo, "Fix login")
    open_pull(services, task, 3, etag='W/"ETAGNOTSHOWN"', fed=["ci:FEDNOTSHOWN"])
    text = client.get(f"/api/tasks/{task}").text
    for hidden in ("ETAGNOTSHOWN", "FEDNOTSHOWN", "a" * 40, "etag", "head_sha", "fed"):
        assert hidden not in text, hidden


# ------------------------------------------------------------------ POST /api/github/sync
class StubGitHub:
    """A GitHubApi with a few issues, or one that refuses (no real GitHub here)."""

    def __init__(self, issues: list[GhIssue], refuse: Exception | None = None) -> None:
        self._issues = issues
        self.refuse = refuse
        self.asked: list[str] = []

    def issues(self, repo: RepoRef, **_filters: Any) -> tuple[list[GhIssue], str | None]:
        self.asked.append(repo.full_name)
        if self.refuse is not None:
            raise self.refuse
        return list(self._issues), 'W/"1"'

    def sub_issues(self, _repo: RepoRef, _number: int) -> list[int]:
        return []

    def comments(self, _repo: RepoRef, _number: int) -> list[Any]:
        return []

    def rate_limit(self) -> Any:
        raise GitHubUnavailable("no rate limit here")

    def close(self) -> None:
        pass


def issue(number: int, title: str, **extra: Any) -> GhIssue:
    return GhIssue(
        number=number,
        title=title,
        body=f"write issue{number}.txt ok",
        state="open",
        url=f"{ISSUES}/{number}",
        labels=("cco",),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        **extra,
    )


@pytest.fixture
def synced(services: App, repo: Path) -> App:
    github_settings(repo, repository="acme/widgets")
    add(services, repo, "Known")  # cco knows the repository now
    services.github_api = StubGitHub([issue(12, "Fix login"), issue(13, "Add tests")])  # type: ignore[misc]
    return services


def test_sync_answers_its_report(synced: App, repo: Path) -> None:
    client = api_client(synced)
    dry = client.post("/api/github/sync", json={"repo": str(repo), "dry_run": True})
    assert dry.status_code == 200, dry.text
    assert dry.json() == {
        "tracker": "github",
        "repo": "acme/widgets",
        "dry_run": True,
        "not_modified": False,
        "created": [{"issue": 12, "task": "(new)"}, {"issue": 13, "task": "(new)"}],
        "updated": [],
        "cancelled": [],
        "skipped": [],
        "unchanged": 0,
    }
    assert len(client.get("/api/tasks").json()) == 1  # a dry run changes nothing

    done = client.post("/api/github/sync", json={"repo": str(repo)})
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["dry_run"] is False
    made = {c["issue"]: c["task"] for c in report["created"]}
    assert sorted(made) == [12, 13]
    task = client.get(f"/api/tasks/{made[12]}").json()
    assert task["title"] == "Fix login"
    assert task["issue"]["key"] == "12" and task["issue"]["url"] == f"{ISSUES}/12"
    again = client.post("/api/github/sync", json={"repo": str(repo)}).json()
    assert again["created"] == [] and again["unchanged"] == 2  # once each


def test_sync_errors_are_the_houses(synced: App, repo: Path, tmp_path: Path) -> None:
    client = api_client(synced)

    def refused(body: dict[str, Any], status: int, kind: str, says: str) -> dict[str, Any]:
        r = client.post("/api/github/sync", json=body)
        assert r.status_code == status, r.text
        error: dict[str, Any] = r.json()["error"]
        assert error["type"] == kind and says in error["message"], error
        return error

    refused({"repo": "repo"}, 422, "InvalidInput", "is not an absolute path")
    refused({"repo": str(tmp_path / "nope")}, 422, "InvalidInput", "is not a directory")
    refused({"repo": str(tmp_path)}, 422, "InvalidInput", "is not a git repository")
    refused({}, 422, "InvalidInput", "repo")
    refused({"repo": str(repo), "push": True}, 422, "InvalidInput", "push")
    stranger = make_repo(tmp_path / "stranger")
    error = refused({"repo": str(stranger)}, 404, "NotFound", "cco knows no repository at")
    assert "cco sync github --repo" in error["hint"]

    stub = synced.github_api
    assert isinstance(stub, StubGitHub)
    stub.refuse = GitHubError("Bad credentials", status=401)
    refused({"repo": str(repo)}, 502, "GitHubError", "Bad credentials")
    stub.refuse = GitHubUnavailable("GitHub did not answer within 10 s", status=None)
    error = refused({"repo": str(repo)}, 502, "GitHubUnavailable", "did not answer")
    assert error["hint"] == "it is retried later"
    assert len(client.get("/api/tasks").json()) == 1  # nothing made


def test_sync_of_a_repository_github_cannot_tell(services: App, repo: Path) -> None:
    add(services, repo, "Known")

    class NoRemote:
        def remote_url(self, _root: Path, _remote: str) -> str | None:
            return None

    services.github_repos.remote = NoRemote()  # type: ignore[assignment]
    r = api_client(services).post("/api/github/sync", json={"repo": str(repo)})
    assert r.status_code == 422, r.text
    assert "is not a GitHub repository that cco can tell" in r.json()["error"]["message"]


def test_the_token_never_reaches_an_answer(fake_claude: Path, repo: Path) -> None:
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"github": {"token": TOKEN, "webhook_secret": HOOK_SECRET}}))
    github_settings(repo, repository="acme/widgets")
    services = build_app(log_to_file=False)
    try:
        assert services.config.settings.github.token is not None  # it is configured
        task = add(services, repo, "Known")
        link_issue(services, task, 12)
        open_pull(services, task, 3, checks="pending")
        services.github_api = StubGitHub([issue(14, "More")])  # type: ignore[misc]
        client = api_client(services)
        texts = [
            client.post("/api/github/sync", json={"repo": str(repo)}).text,
            client.get("/api/tasks").text,
            client.get(f"/api/tasks/{task}").text,
            client.get("/api/config").text,
        ]
        assert '"number":3' in texts[1]
        for text in texts:
            assert TOKEN not in text and HOOK_SECRET not in text
    finally:
        services.close()
