"""The scheduler on a big DAG: 1,000 tasks with random dependencies through instant agents at
instances.max_running = 50, run by `cco up --no-web`; wall time, and the dependency and limit
violations replayed from the events table (both must be zero).

    .venv/bin/python bench/scheduler.py [--quick] [--tasks 1000] [--max-running 50]

Task i depends, with probability 0.6, on 1-3 tasks among the 100 before it (a DAG by
construction). Each agent (bench/agent.sh) writes one file of its own and ends its turn at
once, so the time measured is the orchestrator's: claiming, worktrees (stacked on unmerged
dependency branches, merged when there are several), tmux sessions, following hooks, committing
the leftovers, diff stats, stopping the agent and promoting the dependents.

Checks from the events table (task.status, in commit order): never more than max_running tasks
running at once; no task running before every one of its dependencies reached review. And from
the agents' event files: each task's prompt was submitted exactly once (UserPromptSubmit lines
across all of its instances).
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import common
from common import Sandbox


def status_counts(app: Any) -> dict[str, int]:
    from sqlalchemy import text

    with app.store.read() as tx:
        rows = tx.session.execute(text("SELECT status, count(*) FROM tasks GROUP BY status"))
        return {str(s): int(c) for s, c in rows}


def make_dag(n: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    deps: list[list[int]] = []
    for i in range(n):
        if i == 0 or rng.random() >= 0.6:
            deps.append([])
            continue
        lo = max(0, i - 100)
        deps.append(sorted({rng.randrange(lo, i) for _ in range(rng.randint(1, 3))}))
    return deps


def depth(deps: list[list[int]]) -> int:
    level = [0] * len(deps)
    for i, ds in enumerate(deps):
        level[i] = 1 + max((level[d] for d in ds), default=0)
    return max(level, default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 tasks")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--max-running", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    n = 100 if args.quick else args.tasks
    limit = args.max_running

    dag = make_dag(n, args.seed)
    config = common.base_config(instances={"max_running": limit})  # cco's default interval
    results: dict[str, Any] = {
        "tasks": n,
        "max_running": limit,
        "edges": sum(len(d) for d in dag),
        "dag_depth": depth(dag),
    }
    with Sandbox("scheduler", config) as sb:
        repo = common.make_repo(sb.root / "repo", files=200)
        app = common.build_app()
        sb.cleanups.append(app.close)
        ids: list[str] = []
        with common.timer() as added:
            for i, ds in enumerate(dag):
                task = app.tasks.add(
                    title=f"task {i}",
                    prompt=f"file=t{i:04d}.txt",
                    repo=repo,
                    base="main",
                    depends_on=[ids[d] for d in ds],
                )
                ids.append(task.id)
        results["add_s"] = round(added(), 1)
        # what one scheduling pass costs before anything runs (every task still waiting)
        with common.timer() as refresh:
            app.tasks.refresh_waiting()
        results["refresh_waiting_ms_at_start"] = round(refresh() * 1000, 1)
        print(
            f"{n} tasks added in {added():.1f}s ({results['edges']} edges, depth "
            f"{results['dag_depth']}); one refresh_waiting pass: {refresh() * 1000:.0f} ms",
            flush=True,
        )

        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        t0 = time.monotonic()
        progress: list[tuple[float, int]] = []
        last_print = 0.0
        while True:
            if daemon.poll() is not None:
                raise RuntimeError(f"the daemon died: {sb.log_tail()}")
            counts = status_counts(app)
            finished = counts.get("review", 0) + counts.get("done", 0)
            stuck = counts.get("failed", 0) + counts.get("blocked", 0) + counts.get("cancelled", 0)
            now = time.monotonic() - t0
            progress.append((round(now, 1), finished))
            if now - last_print > 15:
                print(f"  {now:6.0f}s  {counts}", flush=True)
                last_print = now
            if finished + stuck >= n or now > args.timeout:
                break
            time.sleep(0.5)
        wall = time.monotonic() - t0
        common.stop_process(daemon)
        counts = status_counts(app)
        events = common.all_events(app)
        deps = {ids[i]: [ids[d] for d in ds] for i, ds in enumerate(dag)}
        replay = common.replay_task_events(events, deps, limit)
        prompts = common.prompt_counts(app)
        tasks = app.tasks.all()
        results.update(
            {
                "wall_s": round(wall, 1),
                "tasks_per_s": round(n / wall, 2),
                "final_statuses": counts,
                **replay,
                "prompt_not_exactly_once": sum(1 for t in ids if prompts.get(t, 0) != 1),
                "attempts_over_1": sum(1 for t in tasks if t.attempts > 1),
                "events_rows": len(events),
                "progress": progress[:: max(1, len(progress) // 60)],
            }
        )
        # the second half of the run vs the first: does the pass slow down as rows pile up?
        half = next((t for t, f in progress if f >= n // 2), None)
        if half is not None:
            results["first_half_s"] = half
            results["second_half_s"] = round(wall - half, 1)
    headers = ["tasks", "max_running", "wall s", "tasks/s", "peak running"]
    headers += ["limit viol.", "dep. viol.", "prompt != 1", "final"]
    row = [
        n,
        limit,
        results["wall_s"],
        results["tasks_per_s"],
        results["peak_running"],
        results["limit_violations"],
        results["dependency_violations"],
        results["prompt_not_exactly_once"],
        results["final_statuses"],
    ]
    common.print_table("scheduler: a DAG of tasks through instant agents", headers, [row])
    print(
        f"first half {results.get('first_half_s')}s, second half {results.get('second_half_s')}s;"
        f" refresh_waiting at start {results['refresh_waiting_ms_at_start']} ms"
    )
    common.write_results("scheduler", results, quick=args.quick)


if __name__ == "__main__":
    main()
