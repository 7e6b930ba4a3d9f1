"""API latency with a big database: GET /api/tasks and /api/instances (and neighbours) with
10,000 tasks, 100,000 events and 1,000 finished instances in the database plus live instances
in tmux, over real HTTP on 127.0.0.1 (`cco up` as a subprocess: the daemon and the API, as a
dashboard user runs it; `--server web` for the API alone, which then syncs on its own).

    .venv/bin/python bench/api.py [--quick] [--tasks 10000] [--events 100000]
                                  [--ended-instances 1000] [--live 100] [--requests 200]
                                  [--server up|web]

Rows are inserted in bulk through the Store's session (SQLAlchemy Core inserts in one write
transaction); 30% of tasks depend on 1-3 earlier ones. The lists are paged (limit 200 by
default), so the first page, a 1000-row page and the last page are measured. Then, in-process,
the unpaged listing of all tasks is split into where its time goes (the Store, the JSON) and
compared with a 3-query listing written here (the shape of the fix that src/ adopted after
this benchmark first found 6.9 s per request), and the instances' sync is timed, which
GET /api/instances and /api/status run on every request.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import common
from common import Sandbox

STATUSES = [("done", 70), ("review", 10), ("failed", 4), ("cancelled", 1), ("pending", 10)]
STATUSES += [("ready", 5)]  # none "running": the daemon would relaunch them (no instance)


def seed_database(
    app: Any, repo: Path, n_tasks: int, n_events: int, n_instances: int, seed: int = 1
) -> list[str]:
    from sqlalchemy import insert

    from cc_orchestrator.db.tables import EventRow, InstanceRow, TaskDependencyRow, TaskRow

    rng = random.Random(seed)
    now = datetime.now(UTC)
    with app.store.write() as tx:
        repo_id = tx.ensure_repo(repo).id
    weights = [w for _, w in STATUSES]
    names = [s for s, _ in STATUSES]
    ids = [uuid.uuid4().hex[:12] for _ in range(n_tasks)]
    tasks, deps = [], []
    for i, task_id in enumerate(ids):
        status = rng.choices(names, weights)[0]
        tasks.append(
            {
                "id": task_id,
                "repo_id": repo_id,
                "title": f"Task {i}: make the {rng.choice(['login', 'cache', 'parser'])} faster",
                "prompt": "Please "
                + " ".join(rng.choice(["fix", "add", "test"]) for _ in range(80)),
                "base_ref": "main",
                "priority": rng.randint(0, 3),
                "status": status,
                "status_reason": "bench",
                "labels": ["bench"],
                "attempts": 1,
                "cost_usd": round(rng.random(), 4),
                "created_at": now - timedelta(seconds=n_tasks - i),
                "updated_at": now,
            }
        )
        if i > 3 and rng.random() < 0.3:
            for dep in {ids[rng.randrange(0, i)] for _ in range(rng.randint(1, 3))}:
                deps.append({"task_id": task_id, "depends_on_id": dep})
    instances = []
    for i in range(n_instances):
        inst_id = uuid.uuid4().hex[:12]
        instances.append(
            {
                "id": inst_id,
                "name": inst_id,
                "repo_id": repo_id,
                "task_id": ids[i % n_tasks],
                "agent": "claude",
                "mode": "interactive",
                "prompt": "Please do it",
                "status": "stopped",
                "status_reason": "task in review",
                "session_name": f"cco-{inst_id}",
                "turns": 1,
                "cost_usd": 0.1,
                "created_at": now - timedelta(seconds=n_instances - i),
                "updated_at": now,
                "status_at": now,
            }
        )
    kinds = ["instance.status", "task.status", "worktree.created", "instance.dialog"]
    events = []
    for i in range(n_events):
        kind = kinds[i % len(kinds)]
        entity = ids[rng.randrange(n_tasks)]
        events.append(
            {
                "kind": kind,
                "entity_type": kind.split(".")[0],
                "entity_id": entity,
                "data": {"status": "working", "previous": "idle", "reason": "bench", "id": entity},
                "ts": now,
            }
        )
    with app.store.write() as tx:
        s = tx.session
        s.execute(insert(TaskRow), tasks)
        if deps:
            s.execute(insert(TaskDependencyRow), deps)
        if instances:
            s.execute(insert(InstanceRow), instances)
        for k in range(0, len(events), 20_000):
            s.execute(insert(EventRow), events[k : k + 20_000])
    return ids


def three_query_tasks(app: Any) -> list[Any]:
    """The same list as TaskService.all(), in 3 queries instead of 1 + 2 per task."""
    from dataclasses import fields

    from sqlalchemy import select

    from cc_orchestrator.db.tables import RepositoryRow, TaskDependencyRow, TaskRow
    from cc_orchestrator.domain.models import Task, TaskStatus

    with app.store.read() as tx:
        s = tx.session
        repos = {r.id: Path(r.path) for r in s.scalars(select(RepositoryRow))}
        deps: dict[str, list[str]] = {}
        for task_id, dep in s.execute(
            select(TaskDependencyRow.task_id, TaskDependencyRow.depends_on_id).order_by(
                TaskDependencyRow.task_id, TaskDependencyRow.depends_on_id
            )
        ):
            deps.setdefault(task_id, []).append(dep)
        names = [f.name for f in fields(Task) if f.name not in ("repo_path", "depends_on")]
        out = []
        for row in s.scalars(select(TaskRow).order_by(TaskRow.created_at, TaskRow.id)):
            values = {n: getattr(row, n) for n in names}
            values["status"] = TaskStatus(row.status)
            values["labels"] = list(row.labels or [])
            out.append(
                Task(
                    **values,
                    repo_path=repos.get(row.repo_id) if row.repo_id else None,
                    depends_on=tuple(deps.get(row.id, ())),
                )
            )
        return out


def in_process(app: Any, repeat: int) -> dict[str, Any]:
    from pydantic import TypeAdapter

    from cc_orchestrator.domain.models import Instance, Task

    def best(fn: Any) -> tuple[float, Any]:
        times, value = [], None
        for _ in range(repeat):
            start = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - start)
        return min(times), value

    store_s, tasks = best(app.tasks.all)
    fixed_s, fixed = best(lambda: three_query_tasks(app))
    assert [t.id for t in fixed] == [t.id for t in tasks]
    assert [t.depends_on for t in fixed] == [t.depends_on for t in tasks]
    adapter = TypeAdapter(list[Task])
    json_s, body = best(lambda: adapter.dump_json(tasks))

    def fastapi_like() -> bytes:
        # what a route with response_model=list[Task] does: validate the return value
        # against the model, dump it to JSON-able Python, then json.dumps (JSONResponse)
        value = adapter.validate_python(tasks)
        return json.dumps(adapter.dump_python(value, mode="json")).encode()

    fastapi_s, _ = best(fastapi_like)
    inst_all_s, insts = best(app.instances.all)
    sync_s, _ = best(app.instances.sync)
    inst_json_s, _ = best(lambda: TypeAdapter(list[Instance]).dump_json(insts))
    # the daemon's scheduling steps with this database (what `cco up` runs every pass)
    refresh_s, _ = best(app.tasks.refresh_waiting)
    start_s, _ = best(app.tasks.start_ready)
    follow_s, _ = best(app.tasks.follow_running)
    return {
        "tasks_all_ms": round(store_s * 1000, 1),
        "tasks_all_in_3_queries_ms": round(fixed_s * 1000, 1),
        "tasks_json_ms": round(json_s * 1000, 1),
        "tasks_validate_dump_jsondumps_ms": round(fastapi_s * 1000, 1),
        "tasks_json_bytes": len(body),
        "instances_all_ms": round(inst_all_s * 1000, 1),
        "instances_sync_ms": round(sync_s * 1000, 1),
        "instances_json_ms": round(inst_json_s * 1000, 1),
        "daemon_refresh_waiting_ms": round(refresh_s * 1000, 1),
        "daemon_start_ready_ms": round(start_s * 1000, 1),
        "daemon_follow_running_ms": round(follow_s * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 live instances, 15 requests")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--ended-instances", type=int, default=1000)
    parser.add_argument("--live", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--server",
        choices=["up", "web"],
        default="up",
        help="`cco up` (daemon + API, what a dashboard user runs) or `cco web` (API alone)",
    )
    args = parser.parse_args()
    live = 10 if args.quick else args.live
    requests = 15 if args.quick else args.requests

    import httpx

    results: dict[str, Any] = {
        "tasks": args.tasks,
        "events": args.events,
        "ended_instances": args.ended_instances,
        "live_instances": live,
        "server": f"cco {args.server}",
    }
    # the daemon of `cco up` must not start the seeded ready tasks while requests are timed:
    # the live instances fill instances.max_running
    config = common.base_config(instances={"max_running": live})
    with Sandbox("api", config) as sb:
        repo = common.make_repo(sb.root / "repo", files=20)
        app = common.build_app()
        sb.cleanups.append(app.close)
        with common.timer() as seeded:
            ids = seed_database(app, repo, args.tasks, args.events, args.ended_instances)
        print(f"database seeded in {seeded():.1f}s", flush=True)
        for _ in range(live):
            app.instances.spawn(repo=repo, prompt="hello")
        common.wait_for(
            lambda: sum(i.status.value == "idle" for i in app.instances.sync()) == live,
            timeout=120,
            what="live instances idle",
        )
        db_mb = (sb.data_dir / "state.db").stat().st_size / 1e6
        results["db_mb"] = round(db_mb, 1)

        port = common.free_port()
        command = (
            ["up", "--port", str(port)] if args.server == "up" else ["web", "--port", str(port)]
        )
        server = subprocess.Popen(  # noqa: S603 - argument list
            [common.PYTHON, "-m", "cc_orchestrator", *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        sb.procs.append(server)
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            try:
                return (
                    httpx.get(
                        f"{base}/api/health", timeout=2, headers=common.api_headers()
                    ).status_code
                    == 200
                )
            except httpx.HTTPError:
                return False

        common.wait_for(healthy, timeout=60, interval=0.1, what="the API")
        time.sleep(3)  # the daemon's first passes (reconcile) before the clock
        # the last page by keyset: after the task just before it in the list's order
        anchor = httpx.get(
            f"{base}/api/tasks",
            params={"offset": max(0, args.tasks - 201), "limit": 1},
            headers=common.api_headers(),
        ).json()[0]["id"]
        endpoints = {
            "GET /api/tasks": "/api/tasks",
            "GET /api/tasks?limit=1000": "/api/tasks?limit=1000",
            "GET /api/tasks?offset=9800": f"/api/tasks?offset={max(0, args.tasks - 200)}",
            "GET /api/tasks?after=<id> (same page)": f"/api/tasks?after={anchor}",
            "GET /api/instances": "/api/instances",
            "GET /api/instances?live=true": "/api/instances?live=true",
            "GET /api/tasks?status=review": "/api/tasks?status=review",
            "GET /api/tasks/{id}": f"/api/tasks/{ids[len(ids) // 2]}",
            "GET /api/status": "/api/status",
            "GET /api/events?limit=100": "/api/events?limit=100",
            "GET /api/events?entity_id=X": f"/api/events?entity_id={ids[7]}&limit=100",
            "GET /api/health": "/api/health",
        }
        rows = []
        results["http"] = {}
        cpu_start, http_start = common.proc_cpu_s(server.pid)[0], time.monotonic()
        with httpx.Client(base_url=base, timeout=120, headers=common.api_headers()) as client:
            for label, path in endpoints.items():
                durations = []
                size = 0
                heavy = label == "GET /api/tasks?limit=1000"
                count = max(5, requests // 10) if heavy else requests
                for k in range(count + 2):
                    start = time.perf_counter()
                    res = client.get(path)
                    elapsed = time.perf_counter() - start
                    assert res.status_code == 200, (label, res.status_code, res.text[:200])
                    size = len(res.content)
                    if k >= 2:  # two warm-up requests
                        durations.append(elapsed)
                stats = common.summary_ms(durations)
                results["http"][label] = {**stats, "bytes": size}
                rows.append(
                    [
                        label,
                        stats["n"],
                        stats["p50_ms"],
                        stats["p99_ms"],
                        round(size / 1024),
                        "yes" if stats["p99_ms"] < 50 else "no",
                    ]
                )
                print(f"  {label:32} p50 {stats['p50_ms']:8.1f} ms  p99 {stats['p99_ms']:8.1f} ms")
        cpu_s = common.proc_cpu_s(server.pid)[0] - cpu_start
        results["server_cpu_pct_during_requests"] = round(
            100 * cpu_s / (time.monotonic() - http_start), 1
        )
        common.stop_process(server)
        results["in_process"] = in_process(app, 3)
    headers = ["request", "n", "p50 ms", "p99 ms", "KiB", "p99 < 50 ms"]
    common.print_table(
        f"API over HTTP: {args.tasks} tasks, {args.events} events, "
        f"{args.ended_instances} ended + {live} live instances",
        headers,
        rows,
    )
    print(f"server CPU during the requests: {results['server_cpu_pct_during_requests']} %")
    print("\nin-process, best of 3:", json.dumps(results["in_process"], indent=1))
    results["table"] = [dict(zip(headers, row, strict=True)) for row in rows]
    common.write_results("api", results, quick=args.quick)


if __name__ == "__main__":
    main()
