"""What the GitHub API answers: the connection's status. Never a token: the credentials show
as where they come from (settings, GITHUB_TOKEN, GH_TOKEN, gh, app <id>), an error as its text
(redacted once more on the way out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cc_orchestrator.logs import redact_text


class RateLimitOut(BaseModel):
    limit: int
    remaining: int
    reset_at: datetime | None


class GitHubRepoOut(BaseModel):
    """A registered repository's GitHub side."""

    name: str
    path: str
    repository: str | None = Field(description="owner/name on GitHub; null when none is known")
    resolved_from: str | None = Field(description="settings, or `remote NAME`")
    remote: str | None
    sync: bool
    pull_requests: bool
    last_sync_at: datetime | None
    last_sync_error: str | None
    open_pull_requests: int
    error: str | None = Field(description="why its GitHub repository is not known")


class GitHubStatusOut(BaseModel):
    """How cco is connected to GitHub. connected false: `error` says why (and `hint` how to
    fix it); the repositories are listed all the same."""

    api_url: str
    host: str
    credentials: str | None = Field(description="where the credentials come from, never them")
    login: str | None
    connected: bool
    rate_limit: RateLimitOut | None
    rate_limit_error: str | None
    error: str | None
    hint: str | None
    retry_after_s: float | None
    unavailable: bool = Field(description="true: GitHub is not reachable now (retried later)")
    repositories: list[GitHubRepoOut]

    @classmethod
    def from_status(cls, status: dict[str, Any]) -> GitHubStatusOut:
        shown = dict(status)
        for key in ("error", "hint", "rate_limit_error"):
            if shown.get(key):
                shown[key] = redact_text(str(shown[key]))
        return cls.model_validate(shown)
