"""What the API answers about a task's outside side (TaskOut.issue and .pull_request) and about
a sync of GitHub's issues (POST /api/github/sync): what a client shows, never the bookkeeping
(ETags, what was fed back, the tracker's own data)."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, Field

from cc_orchestrator.domain.links import PullState
from cc_orchestrator.services.task_links import IssueInfo, PullInfo

Checks = Literal["pending", "success", "failure"]


class IssueOut(BaseModel):
    """The tracker issue a task was made from."""

    tracker: str = Field(description="github (jira later)")
    project: str = Field(description="owner/name on GitHub")
    key: str = Field(description='the issue\'s number on GitHub ("12")')
    url: str = Field(description="as the tracker gave it (a client links only http(s) ones)")
    state: str = Field(description="open | closed, as last seen")

    @classmethod
    def from_domain(cls, i: IssueInfo) -> IssueOut:
        return cls(tracker=i.tracker, project=i.project, key=i.key, url=i.url, state=i.state)


class PullRequestOut(BaseModel):
    """The pull request a task's work became; number and url are null while it opens."""

    number: int | None
    url: str | None
    state: PullState
    checks: Checks | None = Field(description="of its head commit; null: none reported yet")
    ci_rounds: int = Field(description="failing CI sent back to the agent")
    ci_rounds_max: int | None = Field(description="its repository's github.ci_rounds")
    review_rounds: int = Field(description="changes requested sent back to the agent")
    review_rounds_max: int | None = Field(description="its repository's github.review_rounds")
    head: str
    base: str = Field(description='"" until it opens (the repository\'s default branch)')

    @classmethod
    def from_domain(cls, p: PullInfo) -> PullRequestOut:
        checks = cast(Checks, p.checks) if p.checks in ("pending", "success", "failure") else None
        return cls(
            number=p.number,
            url=p.url,
            state=p.state,
            checks=checks,
            ci_rounds=p.ci_rounds,
            ci_rounds_max=p.ci_rounds_max,
            review_rounds=p.review_rounds,
            review_rounds_max=p.review_rounds_max,
            head=p.head,
            base=p.base,
        )


class SyncIssueTask(BaseModel):
    issue: int | str = Field(description="12 (a GitHub issue's number) or WEB-3 (a Jira key)")
    task: str = Field(description='the task\'s id ("(new)" in a dry run)')


class SyncSkipped(BaseModel):
    issue: int | str
    why: str


class SyncOut(BaseModel):
    """What a sync did (or, dry_run, would do) to the repository's issues' tasks."""

    tracker: str = Field(description="github | jira")
    repo: str = Field(description="owner/name on GitHub; on Jira, its JQL's sync key")
    dry_run: bool
    not_modified: bool = Field(description="the tracker said nothing changed since the last sync")
    created: list[SyncIssueTask]
    updated: list[SyncIssueTask]
    cancelled: list[SyncIssueTask] = Field(description="their issue was closed")
    skipped: list[SyncSkipped]
    unchanged: int
