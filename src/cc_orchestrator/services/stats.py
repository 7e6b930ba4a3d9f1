"""`cco stats`, /api/stats and /metrics: what the fleet cost and how its work went.

Per task: cost (its agents' dollars), tokens in and out, turns, attempts, wall time (started to
finished, or to now), active time (in `running`), time waiting for the person (`needs_input`
and `review`), retries (attempts after the first) and rejects (back from review to work);
then the same summed per repository, agent and day (the day it was created, UTC), with the
success, retry and reject rates. Times come from the task.status events (ix_events_kind_ts),
money and tokens from the instances' rows, which the monitor keeps current.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cc_orchestrator.domain.models import TaskStatus
from cc_orchestrator.ports import Store
from cc_orchestrator.ports_stats import AgentUse, StatusChange, TaskFacts

WAITING = {TaskStatus.NEEDS_INPUT.value, TaskStatus.REVIEW.value}
ENDED = {TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED}


@dataclass
class TaskStats:
    id: str
    title: str
    repo: str
    agent: str
    day: str
    status: str
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0
    attempts: int = 0
    retries: int = 0
    rejects: int = 0
    wall_s: float = 0.0
    active_s: float = 0.0
    waiting_s: float = 0.0
    in_status_s: dict[str, float] = field(default_factory=dict)


@dataclass
class GroupStats:
    key: str
    tasks: int = 0
    done: int = 0
    failed: int = 0
    reviewed: int = 0  # reached review at least once
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0
    retries: int = 0
    rejects: int = 0
    wall_s: float = 0.0
    active_s: float = 0.0
    waiting_s: float = 0.0
    success_rate: float | None = None  # done / (done + failed)
    retry_rate: float | None = None  # tasks retried / tasks started
    reject_rate: float | None = None  # tasks rejected at least once / tasks reviewed
    retried_tasks: int = 0
    rejected_tasks: int = 0
    started: int = 0

    def add(self, t: TaskStats) -> None:
        self.tasks += 1
        self.done += t.status == TaskStatus.DONE.value
        self.failed += t.status == TaskStatus.FAILED.value
        self.reviewed += t.in_status_s.get(TaskStatus.REVIEW.value) is not None
        self.started += t.attempts > 0
        self.retried_tasks += t.retries > 0
        self.rejected_tasks += t.rejects > 0
        for name in ("cost_usd", "input_tokens", "output_tokens", "turns", "retries", "rejects"):
            setattr(self, name, getattr(self, name) + getattr(t, name))
        for name in ("wall_s", "active_s", "waiting_s"):
            setattr(self, name, getattr(self, name) + getattr(t, name))

    def finish(self) -> GroupStats:
        ended = self.done + self.failed
        self.success_rate = self.done / ended if ended else None
        self.retry_rate = self.retried_tasks / self.started if self.started else None
        self.reject_rate = self.rejected_tasks / self.reviewed if self.reviewed else None
        self.cost_usd = round(self.cost_usd, 6)
        return self


@dataclass(frozen=True)
class StatsReport:
    since: str | None
    totals: GroupStats
    by_repo: list[GroupStats]
    by_agent: list[GroupStats]
    by_day: list[GroupStats]
    slowest: list[TaskStats]
    costliest: list[TaskStats]
    tasks: list[TaskStats]


def _group(tasks: Iterable[TaskStats], key: str) -> list[GroupStats]:
    groups: dict[str, GroupStats] = {}
    for t in tasks:
        name = getattr(t, key)
        groups.setdefault(name, GroupStats(name)).add(t)
    return [g.finish() for _, g in sorted(groups.items())]


def _times(t: TaskStats, changes: list[StatusChange], now: datetime) -> None:
    """Seconds in each status, from a task's task.status events in order."""
    for here, after in zip(changes, [*changes[1:], None], strict=False):
        status = str(here.data.get("status", ""))
        if status in {s.value for s in ENDED}:
            continue
        until = after.ts if after is not None else now
        spent = max(0.0, (until - here.ts).total_seconds())
        t.in_status_s[status] = t.in_status_s.get(status, 0.0) + spent
        previous = str(here.data.get("previous", ""))
        if previous == TaskStatus.REVIEW.value and status in ("running", "ready", "pending"):
            t.rejects += 1
    for change in changes:  # a task that reached review and left it at once still counts
        if change.data.get("status") == TaskStatus.REVIEW.value:
            t.in_status_s.setdefault(TaskStatus.REVIEW.value, 0.0)
    t.active_s = round(t.in_status_s.get(TaskStatus.RUNNING.value, 0.0), 3)
    t.waiting_s = round(sum(v for k, v in t.in_status_s.items() if k in WAITING), 3)


class StatsService:
    def __init__(self, store: Store, *, default_agent: str) -> None:
        self.store = store
        self.default_agent = default_agent

    def counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Tasks and instances by status (two grouped queries)."""
        with self.store.read() as tx:
            return tx.count_by_status("task"), tx.count_by_status("instance")

    def report(
        self,
        *,
        since: datetime | None = None,
        repo: Path | None = None,
        agent: str | None = None,
        now: datetime | None = None,
        top: int = 5,
    ) -> StatsReport:
        now = now or datetime.now(UTC)
        with self.store.read() as tx:
            tasks = tx.stats_tasks(since)
            usage = tx.stats_usage()
            changes = tx.stats_changes(since)
        by_task: dict[str, list[StatusChange]] = defaultdict(list)
        for change in changes:
            by_task[change.task_id].append(change)
        used: dict[str, list[AgentUse]] = defaultdict(list)
        for use in usage:
            used[use.task_id].append(use)
        rows = []
        for task in tasks:
            if repo is not None and (not task.repo or Path(task.repo) != repo):
                continue
            uses = used.get(task.id, [])
            # the agent that took most turns on it (a task keeps one agent but for a retry)
            name = max(uses, key=lambda u: u.turns).agent if uses else None
            name = name or task.agent or self.default_agent
            if agent is not None and name != agent:
                continue
            rows.append(_task(task, uses, name, by_task.get(task.id, []), now))
        totals = GroupStats("all")
        for row in rows:
            totals.add(row)
        return StatsReport(
            since=since.isoformat() if since else None,
            totals=totals.finish(),
            by_repo=_group(rows, "repo"),
            by_agent=_group(rows, "agent"),
            by_day=_group(rows, "day"),
            slowest=sorted(rows, key=lambda r: r.wall_s, reverse=True)[:top],
            costliest=sorted(rows, key=lambda r: r.cost_usd, reverse=True)[:top],
            tasks=rows,
        )


def _task(
    task: TaskFacts, uses: list[AgentUse], agent: str, changes: list[StatusChange], now: datetime
) -> TaskStats:
    t = TaskStats(
        id=task.id,
        title=task.title,
        repo=task.repo or "",
        agent=agent,
        day=task.created_at.astimezone(UTC).date().isoformat() if task.created_at else "?",
        status=task.status,
        cost_usd=round(sum(u.cost_usd for u in uses), 6),
        input_tokens=sum(u.input_tokens for u in uses),
        output_tokens=sum(u.output_tokens for u in uses),
        turns=sum(u.turns for u in uses),
        attempts=task.attempts,
        retries=max(0, task.attempts - 1),
    )
    if task.started_at is not None:
        end = task.finished_at if task.finished_at is not None else now
        t.wall_s = round(max(0.0, (end - task.started_at).total_seconds()), 3)
    _times(t, changes, now)
    return t
