"""The constructors of the events about issue links and pull requests (domain/events.py
holds the rest of the vocabulary)."""

from __future__ import annotations

from collections.abc import Sequence

from cc_orchestrator.domain.event_kinds import (
    TASK_LINKED,
    TASK_PR_CHECKS,
    TASK_PR_CLOSED,
    TASK_PR_FEEDBACK,
    TASK_PR_OPENED,
    TASK_PR_PUSHED,
    TASK_PR_REQUESTED,
    TASK_PR_UPDATED,
)
from cc_orchestrator.domain.event_payloads_links import (
    TaskLinked,
    TaskPrChecks,
    TaskPrClosed,
    TaskPrFeedback,
    TaskPrOpened,
    TaskPrPushed,
    TaskPrRequested,
    TaskPrUpdated,
)
from cc_orchestrator.domain.links import IssueLink, PullRequest
from cc_orchestrator.domain.models import NewEvent


def task_linked(link: IssueLink) -> NewEvent:
    data = TaskLinked(
        task_id=link.task_id, tracker=link.tracker, project=link.project, key=link.key, url=link.url
    )
    return NewEvent(TASK_LINKED.name, "task", link.task_id, dict(data))


def pr_requested(pr: PullRequest) -> NewEvent:
    data = TaskPrRequested(task_id=pr.task_id, repo=pr.repo, head=pr.head, base=pr.base)
    return NewEvent(TASK_PR_REQUESTED.name, "task", pr.task_id, dict(data))


def pr_opened(pr: PullRequest) -> NewEvent:
    assert pr.number is not None and pr.url is not None
    data = TaskPrOpened(
        task_id=pr.task_id, repo=pr.repo, number=pr.number, url=pr.url, head=pr.head, base=pr.base
    )
    return NewEvent(TASK_PR_OPENED.name, "task", pr.task_id, dict(data))


def pr_pushed(pr: PullRequest, sha: str) -> NewEvent:
    data = TaskPrPushed(task_id=pr.task_id, number=pr.number or 0, sha=sha)
    return NewEvent(TASK_PR_PUSHED.name, "task", pr.task_id, dict(data))


def pr_updated(pr: PullRequest, base: str, sha: str) -> NewEvent:
    data = TaskPrUpdated(task_id=pr.task_id, number=pr.number or 0, base=base, sha=sha)
    return NewEvent(TASK_PR_UPDATED.name, "task", pr.task_id, dict(data))


def pr_checks(pr: PullRequest, checks: str, failing: Sequence[str]) -> NewEvent:
    assert checks in ("pending", "success", "failure")
    data = TaskPrChecks(
        task_id=pr.task_id,
        number=pr.number or 0,
        checks=checks,  # type: ignore[typeddict-item]
        failing=list(failing),
    )
    return NewEvent(TASK_PR_CHECKS.name, "task", pr.task_id, dict(data))


def pr_feedback(pr: PullRequest, source: str, round_: int, rounds: int, detail: str) -> NewEvent:
    assert source in ("ci", "review")
    data = TaskPrFeedback(
        task_id=pr.task_id,
        number=pr.number or 0,
        source=source,  # type: ignore[typeddict-item]
        round=round_,
        rounds=rounds,
        detail=detail,
    )
    return NewEvent(TASK_PR_FEEDBACK.name, "task", pr.task_id, dict(data))


def pr_closed(pr: PullRequest, *, merged: bool) -> NewEvent:
    data = TaskPrClosed(task_id=pr.task_id, number=pr.number or 0, merged=merged)
    return NewEvent(TASK_PR_CLOSED.name, "task", pr.task_id, dict(data))
