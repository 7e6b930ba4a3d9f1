"""Numbers: GET /api/stats (what `cco stats --json` prints) and GET /metrics (the same, and the
fleet's counts, in Prometheus's text format for those who have Grafana; it takes the token as a
bearer, as Prometheus's `authorization` scrape setting sends it)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from cc_orchestrator.services.stats import GroupStats, StatsReport
from cc_orchestrator.web.deps import Services

router = APIRouter()


class GroupOut(BaseModel):
    key: str
    tasks: int
    done: int
    failed: int
    reviewed: int
    started: int
    cost_usd: float
    input_tokens: int
    output_tokens: int
    turns: int
    retries: int
    rejects: int
    retried_tasks: int
    rejected_tasks: int
    wall_s: float
    active_s: float
    waiting_s: float
    success_rate: float | None
    retry_rate: float | None
    reject_rate: float | None


class TaskStatsOut(BaseModel):
    id: str
    title: str
    repo: str
    agent: str
    day: str
    status: str
    cost_usd: float
    input_tokens: int
    output_tokens: int
    turns: int
    attempts: int
    retries: int
    rejects: int
    wall_s: float
    active_s: float
    waiting_s: float
    in_status_s: dict[str, float]


class StatsOut(BaseModel):
    since: str | None
    totals: GroupOut
    by_repo: list[GroupOut]
    by_agent: list[GroupOut]
    by_day: list[GroupOut]
    slowest: list[TaskStatsOut]
    costliest: list[TaskStatsOut]
    tasks: list[TaskStatsOut]

    @classmethod
    def from_domain(cls, report: StatsReport) -> StatsOut:
        return cls.model_validate(dataclasses.asdict(report))


@router.get("/api/stats", response_model=StatsOut)
def get_stats(
    services: Services,
    since: datetime | None = None,
    repo: str | None = Query(default=None, max_length=4096),
    agent: str | None = Query(default=None, max_length=64),
) -> StatsOut:
    """Cost, tokens, turns, times and rates in all, per repository, agent and day, and per
    task (tasks created since `since`, of `repo`, run by `agent`)."""
    found = services.stats.report(since=since, repo=Path(repo) if repo else None, agent=agent)
    return StatsOut.from_domain(found)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, doc: str, samples: list[tuple[dict[str, str], Any]]) -> str:
    lines = [f"# HELP {name} {doc}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {float(value)!r}" if inner else f"{name} {float(value)!r}")
    return "\n".join(lines)


def _per_repo(groups: list[GroupStats], attr: str) -> list[tuple[dict[str, str], Any]]:
    return [({"repo": g.key}, getattr(g, attr)) for g in groups]


@router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
def metrics(services: Services) -> PlainTextResponse:
    found = services.stats.report()
    tasks, instances = services.stats.counts()
    newest = services.backups.newest_age_s()
    families = [
        _family("cco_tasks", "gauge", "Tasks by status.",
                [({"status": s}, n) for s, n in sorted(tasks.items())]),
        _family("cco_instances", "gauge", "Agent instances by status.",
                [({"status": s}, n) for s, n in sorted(instances.items())]),
        _family("cco_cost_usd", "counter", "Dollars the agents of a repository's tasks spent.",
                _per_repo(found.by_repo, "cost_usd")),
        _family("cco_tokens", "counter", "Tokens the agents of a repository's tasks used.",
                [({"repo": g.key, "direction": d}, getattr(g, f"{d}_tokens"))
                 for g in found.by_repo for d in ("input", "output")]),
        _family("cco_turns", "counter", "Agent turns per repository.",
                _per_repo(found.by_repo, "turns")),
        _family("cco_task_retries", "counter", "Task attempts after the first.",
                _per_repo(found.by_repo, "retries")),
        _family("cco_task_rejects", "counter", "Reviews that sent a task back to work.",
                _per_repo(found.by_repo, "rejects")),
        _family("cco_task_active_seconds", "counter", "Seconds tasks spent running.",
                _per_repo(found.by_repo, "active_s")),
        _family("cco_task_waiting_seconds", "counter",
                "Seconds tasks waited for a person (a question or a review).",
                _per_repo(found.by_repo, "waiting_s")),
        _family("cco_backup_age_seconds", "gauge", "Age of the newest backup in backup.dir.",
                [] if newest is None else [({}, newest)]),
    ]  # fmt: skip
    body = "\n".join(families) + "\n"
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4; charset=utf-8")
