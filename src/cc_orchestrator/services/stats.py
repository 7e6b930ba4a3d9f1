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

from cc_orchestrator.domain.models import Event, Instance, Task, TaskStatus
from cc_orchestrator.ports import Store

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


def _times(t: TaskStats, changes: list[Event], now: datetime) -> None:
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
            tasks = tx.tasks()
            instances = tx.instances(statuses=None)
            changes = tx.events_of_kinds(["task.status"])
        by_task: dict[str, list[Event]] = defaultdict(list)
        for event in changes:
            by_task[event.entity_id].append(event)
        per_task_instances: dict[str, list[Instance]] = defaultdict(list)
        for inst in instances:
            if inst.task_id is not None:
                per_task_instances[inst.task_id].append(inst)
        rows = []
        for task in tasks:
            if since is not None and (task.created_at is None or task.created_at < since):
                continue
            if repo is not None and (task.repo_path is None or Path(task.repo_path) != repo):
                continue
            insts = per_task_instances.get(task.id, [])  # oldest first
            name = insts[-1].agent if insts else (task.agent or self.default_agent)
            if agent is not None and name != agent:
                continue
            rows.append(self._task(task, insts, name, by_task.get(task.id, []), now))
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
        self, task: Task, insts: list[Instance], agent: str, changes: list[Event], now: datetime
    ) -> TaskStats:
        t = TaskStats(
            id=task.id,
            title=task.title,
            repo=str(task.repo_path or ""),
            agent=agent,
            day=task.created_at.astimezone(UTC).date().isoformat() if task.created_at else "?",
            status=task.status.value,
            cost_usd=round(sum(i.cost_usd for i in insts), 6),
            input_tokens=sum(i.input_tokens for i in insts),
            output_tokens=sum(i.output_tokens for i in insts),
            turns=sum(i.turns for i in insts),
            attempts=task.attempts,
            retries=max(0, task.attempts - 1),
        )
        if task.started_at is not None:
            end = task.finished_at if task.finished_at is not None else now
            t.wall_s = round(max(0.0, (end - task.started_at).total_seconds()), 3)
        _times(t, changes, now)
        return t
