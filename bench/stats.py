"""`cco stats` and `cco backup` on a big database: 10,000 tasks, 100,000 events (a quarter of
them task.status) and 1,000 finished instances, seeded as bench/api.py seeds them.

    .venv/bin/python bench/stats.py [--quick] [--tasks 10000] [--events 100000] [--runs 5]

Times, in-process (one process, the same machine, compare within one run): the full report
(StatsService.report, what `cco stats`, /api/stats and /metrics compute), the report with
--since covering 1 % of the tasks, and one `cco backup` (the SQLite online backup, the
tar.gz, its manifest) and `cco restore --check` of it.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import common
from api import seed_database
from common import Sandbox


def timed(runs: int, fn: Any) -> dict[str, float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return common.summary_ms(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 tasks, 10,000 events")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n_tasks = 1000 if args.quick else args.tasks
    n_events = 10_000 if args.quick else args.events
    results: dict[str, Any] = {"tasks": n_tasks, "events": n_events}
    with Sandbox("stats") as sb:
        repo = common.make_repo(sb.root / "repo", files=20)
        app = common.build_app()
        sb.cleanups.append(app.close)
        seed_database(app, repo, n_tasks, n_events, 1000)
        results["db_mb"] = round((sb.data_dir / "state.db").stat().st_size / 1e6, 1)
        report = app.stats.report()
        assert report.totals.tasks == n_tasks
        results["report_ms"] = timed(args.runs, app.stats.report)
        since = datetime.now(UTC) - timedelta(seconds=n_tasks // 100)
        results["report_since_1pct_ms"] = timed(args.runs, lambda: app.stats.report(since=since))
        made = []
        results["backup_ms"] = timed(
            args.runs, lambda: made.append(app.backups.make(sb.root / f"b{len(made)}.tar.gz"))
        )
        results["backup_mb"] = round(made[0].size / 1e6, 2)
        results["check_ms"] = timed(args.runs, lambda: app.backups.check(made[0].path))
    common.print_table(
        f"stats and backup, {n_tasks} tasks, {n_events} events ({results['db_mb']} MB)",
        ["what", "p50 ms", "max ms"],
        [
            [name, results[name]["p50_ms"], results[name]["max_ms"]]
            for name in ("report_ms", "report_since_1pct_ms", "backup_ms", "check_ms")
        ],
    )
    print(f"backup file: {results['backup_mb']} MB", flush=True)
    common.write_results("stats", results, quick=args.quick)


if __name__ == "__main__":
    main()
