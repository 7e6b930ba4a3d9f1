"""A task's issue and pull request in the CLI's words: the lines of `cco tasks show`, the
short cell of `cco tasks list`, and the objects their --json adds."""

from __future__ import annotations

from typing import Any

from cc_orchestrator.domain.links import PullState
from cc_orchestrator.services.task_links import IssueInfo, PullInfo, TaskLinks

CHECK_MARKS = {"success": "✓", "failure": "✗", "pending": "…"}


def issue_text(issue: IssueInfo) -> str:
    """acme/widgets#12  https://github.com/acme/widgets/issues/12 (closed)"""
    closed = "" if issue.state == "open" else f" ({issue.state})"
    return f"{issue.ref}{closed}  {issue.url}"


def _rounds(what: str, done: int, most: int | None) -> str:
    return f"{what} round {done}" + (f" of {most}" if most is not None else "")


def pull_text(pr: PullInfo) -> str:
    """#3 open, checks failure, CI round 1 of 3  https://github.com/acme/widgets/pull/3"""
    if pr.number is None:
        into = f" into {pr.base}" if pr.base else ""
        return f"opening: {pr.head}{into}"
    parts = [f"#{pr.number} {pr.state.value}"]
    if pr.checks:
        parts.append(f"checks {pr.checks}")
    if pr.ci_rounds:
        parts.append(_rounds("CI", pr.ci_rounds, pr.ci_rounds_max))
    if pr.review_rounds:
        parts.append(_rounds("review", pr.review_rounds, pr.review_rounds_max))
    return ", ".join(parts) + (f"  {pr.url}" if pr.url else "")


def short(links: TaskLinks) -> str:
    """The list's cell: "#12 PR #3 ✓" (✓ checks passed, ✗ failed, … running)."""
    bits: list[str] = []
    if links.issue is not None:
        issue = links.issue
        bits.append(f"#{issue.key}" if issue.tracker == "github" else issue.key)
    pr = links.pull_request
    if pr is not None:
        if pr.number is None:
            bits.append("PR opening")
        elif pr.state is PullState.OPEN:
            mark = CHECK_MARKS.get(pr.checks or "")
            bits.append(f"PR #{pr.number}" + (f" {mark}" if mark else ""))
        else:
            bits.append(f"PR #{pr.number} {pr.state.value}")
    return " ".join(bits)


def links_json(links: TaskLinks) -> dict[str, Any]:
    """{"issue": {...} | null, "pull_request": {...} | null}"""
    issue, pr = links.issue, links.pull_request
    return {
        "issue": None
        if issue is None
        else {
            "tracker": issue.tracker,
            "project": issue.project,
            "key": issue.key,
            "url": issue.url,
            "state": issue.state,
        },
        "pull_request": None
        if pr is None
        else {
            "number": pr.number,
            "url": pr.url,
            "state": pr.state.value,
            "checks": pr.checks,
            "ci_rounds": pr.ci_rounds,
            "ci_rounds_max": pr.ci_rounds_max,
            "review_rounds": pr.review_rounds,
            "review_rounds_max": pr.review_rounds_max,
            "head": pr.head,
            "base": pr.base,
        },
    }
