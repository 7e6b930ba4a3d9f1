"""GitHub's REST API as the services use it (adapters/github implements it with githubkit),
and the git remote operations a pull request needs (adapters/git)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from cc_orchestrator.domain.github import (
    GhCheck,
    GhComment,
    GhIssue,
    GhPull,
    GhReview,
    NotModified,
    RateLimit,
    RepoRef,
)


class GitHubApi(Protocol):
    """One authenticated connection. Every method raises GitHubUnavailable (unreachable, 5xx,
    timeout, rate limited: retry later, with retry_after_s when GitHub said) or GitHubError
    (refused for good: 401, 403, 404, 422, with GitHub's own message); never a library's
    exception, and never a message holding the token."""

    def whoami(self) -> str:
        """The login (or the app's slug) the credentials act as."""
        ...

    def rate_limit(self) -> RateLimit: ...
    def default_branch(self, repo: RepoRef) -> str: ...

    def issues(
        self,
        repo: RepoRef,
        *,
        label: str | None,
        assignee: str | None,
        milestone: str | None,
        state: str = "all",
        etag: str | None = None,
    ) -> tuple[list[GhIssue], str | None] | NotModified:
        """Every matching issue (all pages; pull requests left out), with the first page's
        ETag; NotModified when etag is still current."""
        ...

    def issue(self, repo: RepoRef, number: int) -> GhIssue | None:
        """None when there is no such issue (404 or 410 deleted)."""
        ...

    def comments(self, repo: RepoRef, number: int) -> list[GhComment]: ...
    def sub_issues(self, repo: RepoRef, number: int) -> list[int]:
        """The numbers of an issue's sub-issues (empty where the API has none)."""
        ...

    def add_comment(self, repo: RepoRef, number: int, body: str) -> int: ...
    def edit_comment(self, repo: RepoRef, comment_id: int, body: str) -> None: ...
    def add_labels(self, repo: RepoRef, number: int, labels: Sequence[str]) -> None: ...
    def remove_label(self, repo: RepoRef, number: int, label: str) -> None:
        """No error when the issue does not carry it."""
        ...

    def find_pull(self, repo: RepoRef, head: str, *, base: str | None = None) -> GhPull | None:
        """The newest pull request (any state) whose head is this branch of repo itself."""
        ...

    def create_pull(
        self, repo: RepoRef, *, title: str, body: str, head: str, base: str, draft: bool
    ) -> GhPull: ...
    def pull(
        self, repo: RepoRef, number: int, *, etag: str | None = None
    ) -> tuple[GhPull, str | None] | NotModified:
        """The pull request and its ETag; NotModified when etag is still current."""
        ...

    def edit_pull(
        self, repo: RepoRef, number: int, *, base: str | None = None, body: str | None = None
    ) -> GhPull: ...
    def update_branch(self, repo: RepoRef, number: int) -> None:
        """GitHub merges the base into the PR's branch (PUT .../update-branch)."""
        ...

    def checks(self, repo: RepoRef, sha: str) -> list[GhCheck]: ...
    def job_log(self, repo: RepoRef, job_id: int) -> str:
        """The job's log as text (GitHub redirects to it)."""
        ...

    def reviews(self, repo: RepoRef, number: int) -> list[GhReview]:
        """Every review, each with its inline comments (path and line)."""
        ...

    def close(self) -> None: ...


class GitRemote(Protocol):
    """git's side of a pull request: which GitHub repository a remote is, and pushing to it."""

    def remote_url(self, repo: Path, remote: str) -> str | None: ...
    def fetch(self, repo: Path, remote: str, branch: str) -> str:
        """The remote's branch into refs/remotes/<remote>/<branch>; its commit."""
        ...

    def push(self, repo: Path, remote: str, branch: str, *, force: bool = False) -> str:
        """Push refs/heads/branch to the remote's branch of the same name; the pushed commit.
        The credentials are git's own (a credential helper, SSH): none on a command line."""
        ...
