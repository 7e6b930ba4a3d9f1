"""What the Jira API answers: the connection's status. Never a token: the credentials show as
where they come from (jira.oauth_token, JIRA_OAUTH_TOKEN, jira.email + JIRA_API_TOKEN...), an
error as its text (redacted once more on the way out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cc_orchestrator.logs import redact_text


class JiraRepoOut(BaseModel):
    """A registered repository whose settings have a jira.jql."""

    name: str
    path: str
    jql: str | None = Field(description="which issues become its tasks; null: see `error`")
    sync: bool
    last_sync_at: datetime | None
    last_sync_error: str | None
    error: str | None = Field(description="why its Jira settings cannot be read")


class JiraStatusOut(BaseModel):
    """How cco is connected to Jira Cloud. connected false: `error` says why (and `hint` how
    to fix it); the repositories are listed all the same."""

    site_url: str | None = Field(description="jira.site_url; null: not set")
    api_url: str | None = Field(description="the REST API's root: jira.api_url, else the site")
    credentials: str | None = Field(description="where the credentials come from, never them")
    account: str | None = Field(description="the display name the credentials act as")
    connected: bool
    error: str | None
    hint: str | None
    retry_after_s: float | None
    unavailable: bool = Field(description="true: Jira is not reachable now (retried later)")
    repositories: list[JiraRepoOut]

    @classmethod
    def from_status(cls, status: dict[str, Any]) -> JiraStatusOut:
        shown = dict(status)
        for key in ("error", "hint"):
            if shown.get(key):
                shown[key] = redact_text(str(shown[key]))
        return cls.model_validate(shown)
