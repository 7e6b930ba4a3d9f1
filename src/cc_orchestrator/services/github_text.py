"""What cco writes on GitHub: the one comment per task (edited in place), a pull request's
body, and what an agent is told of failing CI and of a review asking for changes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cc_orchestrator.domain.github import GhCheck, GhReview
from cc_orchestrator.domain.links import IssueLink, PullRequest
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.text import printable

MARKER = "<!-- cco:task:{id} -->"
MAX_BODY = 60_000  # GitHub takes 65,536 characters in a comment or a body
FEEDBACK_MAX = 16_000  # what one round tells the agent, at most
_MENTION = re.compile(r"@(?=[A-Za-z0-9-])")

STATE_WORDS = {
    TaskStatus.PENDING: "⏳ waiting for its dependencies",
    TaskStatus.BLOCKED: "⛔ blocked by a dependency",
    TaskStatus.READY: "⏳ queued",
    TaskStatus.RUNNING: "🛠️ an agent is working on it",
    TaskStatus.NEEDS_INPUT: "❓ the agent asks a question",
    TaskStatus.REVIEW: "👀 ready for review",
    TaskStatus.DONE: "✅ done",
    TaskStatus.FAILED: "❌ failed",
    TaskStatus.CANCELLED: "🚫 cancelled",
}


def marker(task_id: str) -> str:
    return MARKER.format(id=task_id)


def quiet(text: str) -> str:
    """Text from a task or an agent, made inert on GitHub: no @mention pings anyone."""
    return _MENTION.sub("@\u200b", printable(text, multiline=True))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def task_link(public_url: str | None, task_id: str) -> str | None:
    return f"{public_url.rstrip('/')}/#/tasks/{task_id}" if public_url else None


def status_comment(task: Task, pr: PullRequest | None, public_url: str | None) -> str:
    state = STATE_WORDS.get(task.status, task.status.value)
    rows = [f"**cc-orchestrator** · task `{task.id}`: {state}", ""]
    if task.status_reason:
        rows.append(f"> {quiet(_clip(task.status_reason, 500))}")
        rows.append("")
    facts = []
    if task.branch:
        facts.append(f"branch `{task.branch}`")
    if task.cost_usd:
        facts.append(f"cost ${task.cost_usd:.2f}")
    if task.commits_ahead is not None:
        facts.append(f"{task.commits_ahead} commits, {task.files_changed or 0} files")
    if pr is not None and pr.number is not None:
        ci = f", checks {pr.checks}" if pr.checks else ""
        named = f"pull request #{pr.number}"
        if pr.url and pr.url.startswith(("https://", "http://")):
            named = f"[{named}]({pr.url})"  # a link on Jira, where #N means nothing
        facts.append(f"{named} ({pr.state.value}{ci})")
    if facts:
        rows.append(" · ".join(facts))
    link = task_link(public_url, task.id)
    if link:
        rows += ["", f"[Open in cc-orchestrator]({link})"]
    rows += ["", marker(task.id)]
    return _clip("\n".join(rows), MAX_BODY)


def pr_title(task: Task) -> str:
    return _clip(printable(task.title), 250)


def pr_body(task: Task, link: IssueLink | None, public_url: str | None) -> str:
    rows = [quiet(_clip(task.prompt, 4000)), ""]
    if task.diff_stat:
        rows += ["```", _clip(task.diff_stat, 4000), "```", ""]
    url = task_link(public_url, task.id)
    made = f"Made by cc-orchestrator, task `{task.id}`"
    rows.append(f"{made} ([open]({url}))." if url else f"{made}.")
    if link is not None and link.tracker == "github":
        rows += ["", f"Closes #{link.key}"]
    elif link is not None:
        rows += ["", f"{link.tracker.title()} issue: [{link.key}]({link.url})"]
    rows += ["", marker(task.id)]
    return _clip("\n".join(rows), MAX_BODY)


def _tail(text: str, limit: int) -> str:
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return "…" + data[-limit:].decode("utf-8", "ignore")


def ci_feedback(
    number: int, failing: Sequence[tuple[GhCheck, str]], tail_bytes: int, round_: int, rounds: int
) -> str:
    rows = [
        f"The checks of pull request #{number} failed (round {round_} of {rounds}). "
        "Fix the cause, commit, and end your turn; cco pushes your commits to the pull request.",
    ]
    for check, log in failing:
        rows += ["", f"## {printable(check.name)}: {check.conclusion}"]
        if log.strip():
            rows += [
                "Last lines of its log:",
                "```",
                printable(_tail(log, tail_bytes), multiline=True),
                "```",
            ]
    return _clip("\n".join(rows), FEEDBACK_MAX)


def review_feedback(number: int, review: GhReview, round_: int, rounds: int) -> str:
    rows = [
        f"A review of pull request #{number} by {printable(review.user)} asks for changes "
        f"(round {round_} of {rounds}). Address it, commit, and end your turn.",
    ]
    if review.body.strip():
        rows += ["", printable(_clip(review.body, 4000), multiline=True)]
    for c in review.comments:
        where = f"{c.path}:{c.line}" if c.line else c.path
        rows += ["", f"- {printable(where)}: {printable(_clip(c.body, 2000), multiline=True)}"]
    return _clip("\n".join(rows), FEEDBACK_MAX)
