"""Long-form fault drills against the real daemon (`cco up --no-web` as a subprocess).

    .venv/bin/python bench/drills.py [--quick] [--kills 20] [--tasks 50]
        [--drills kill9,tmux,agents,dblock,diskfull,spawnrace]

  kill9     kill -9 the daemon at random moments of a run of --tasks tasks (a light DAG), --kills
            times, starting it again each time at once
  tmux      kill the tmux server (every agent at once) while tasks run
  agents    kill -9 the agents of the running tasks
  dblock    another process holds the database with BEGIN EXCLUSIVE for 10 s mid-run
  diskfull  the data directory on a small tmpfs, filled up for 5 s mid-run (needs root to mount;
            skipped with the reason otherwise); worktrees live beside the repository
  spawnrace instances spawned by this process while the daemon runs (monitor_interval_s 0.1),
            with agents that take 4 s
            to start (as Claude Code does): none may be failed as an interrupted start

After each drill, with the daemon stopped: every task's prompt submitted exactly once
(UserPromptSubmit lines across all of its instances' events.jsonl), no task lost (every task
finished, or else counted as stuck with its status), no orphaned worktree or cco branch (git's
own lists against the records), `cco worktrees cleanup --dry-run` finds nothing,
`cco instances reconcile` finds no leftover session; then the daemon is started again and
`cco status --json` must agree with the database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import common
from common import Sandbox

FINISHED = ("review", "done")
DEFAULT_DRILLS = "kill9,tmux,agents,dblock,diskfull,spawnrace"


def drill_config(**instances: Any) -> dict[str, Any]:
    config = common.base_config(
        instances={
            "max_running": 10,
            "monitor_interval_s": 0.5,
            "restart": "on_failure",
            "restart_backoff_s": 0.5,
            **instances,
        }
    )
    config.pop("logging", None)
    return dict(config)


def add_tasks(app: Any, repo: Path, n: int, work: float, seed: int) -> list[str]:
    rng = random.Random(seed)
    ids: list[str] = []
    for i in range(n):
        deps = []
        if i > 2 and rng.random() < 0.3:
            deps = sorted({ids[rng.randrange(max(0, i - 10), i)] for _ in range(rng.randint(1, 2))})
        prompt = f"file=t{i:03d}.txt work={work}"
        ids.append(app.tasks.add(title=f"drill {i}", prompt=prompt, repo=repo, depends_on=deps).id)
    return ids


def counts(app: Any) -> dict[str, int]:
    from sqlalchemy import text

    with app.store.read() as tx:
        rows = tx.session.execute(text("SELECT status, count(*) FROM tasks GROUP BY status"))
        return {str(s): int(c) for s, c in rows}


def wait_finished(app: Any, n: int, timeout: float) -> bool:
    def finished() -> bool:
        c = counts(app)
        return sum(c.get(s, 0) for s in FINISHED) >= n

    try:
        common.wait_for(finished, timeout=timeout, interval=0.5, what="tasks finished")
        return True
    except common.TimedOut:
        return False


def running_instances(app: Any) -> list[Any]:
    with app.store.read() as tx:
        return [i for i in tx.instances() if i.status.value in ("working", "starting", "idle")]


def audit(sb: Sandbox, app: Any, repo: Path, ids: list[str]) -> dict[str, Any]:
    """With the daemon stopped: exactly-once, losses, orphans, reconciliation, restart."""
    tasks = {t.id: t for t in app.tasks.all()}
    continuations: dict[str, int] = {}
    prompts = common.prompt_counts(app, other=continuations)
    statuses = counts(app)
    twice = [t for t in ids if prompts.get(t, 0) > 1]
    never = [t for t in ids if prompts.get(t, 0) == 0 and tasks[t].status.value in FINISHED]
    stuck = {t: tasks[t].status.value for t in ids if tasks[t].status.value not in FINISHED}
    stuck_instances = []
    for t in stuck:
        inst_id = tasks[t].instance_id
        if tasks[t].status.value == "running" and inst_id:
            inst = app.instances.get(inst_id)
            stuck_instances.append(
                f"{inst.status.value} restarts={inst.restarts} turns={inst.turns}: "
                f"{inst.status_reason}"
            )
    # orphans: what git has that no record explains
    active = {v.worktree.path for v in app.worktrees.views()}
    listed = [
        Path(line.split(" ", 1)[1])
        for line in common.git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]
    orphan_worktrees = [str(p) for p in listed if p != repo and p not in active]
    task_branches = {t.branch for t in tasks.values() if t.branch}
    active_branches = {v.worktree.branch for v in app.worktrees.views()}
    branches = common.git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    orphan_branches = [
        b for b in branches if b.startswith("cco/") and b not in task_branches | active_branches
    ]
    cleanup = sb.cco("worktrees", "cleanup", "--dry-run")
    reconcile = sb.cco("instances", "reconcile")
    live_sessions = {i.session_name for i in running_instances(app)}
    stray_sessions = [s for s in sb.tmux_sessions() if s not in live_sessions]
    # the daemon comes back and agrees with the database
    daemon = sb.start_daemon("--no-web", log_name="daemon-audit")
    sb.wait_daemon_ready(daemon)
    time.sleep(1.5)
    status = json.loads(sb.cco("status", "--json"))
    common.stop_process(daemon)
    consistent = status["daemon"] == "running" and status["tasks"] == counts(app)
    return {
        "task_statuses": statuses,
        "prompt_twice": len(twice),
        "other_prompts": sum(continuations.values()),
        "prompt_never_but_finished": len(never),
        "not_finished": len(stuck),
        "not_finished_statuses": sorted(set(stuck.values())),
        "running_tasks_instances": sorted(set(stuck_instances)),
        "attempts_over_1": sum(1 for t in tasks.values() if t.attempts > 1),
        "orphan_worktrees": len(orphan_worktrees),
        "orphan_branches": len(orphan_branches),
        "cleanup_dry_run_clean": "nothing to clean up" in cleanup,
        "cleanup_dry_run": cleanup.strip().splitlines()[:6],
        "reconcile_clean": "no leftover sessions" in reconcile,
        "stray_tmux_sessions": len(stray_sessions),
        "daemon_restarted_consistent": consistent,
    }


# ---------------------------------------------------------------------------- the drills
def drill_kill9(template: Path, n: int, kills: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with Sandbox("drill-kill9", drill_config()) as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        ids = add_tasks(app, repo, n, work=0.3, seed=seed)
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        at: list[float] = []
        start = time.monotonic()
        for _ in range(kills):
            time.sleep(rng.uniform(0.2, 2.5))
            common.kill9(daemon)
            at.append(round(time.monotonic() - start, 2))
            daemon = sb.start_daemon("--no-web")
            sb.wait_daemon_ready(daemon)
        finished = wait_finished(app, n, timeout=180)
        wall = time.monotonic() - start
        common.stop_process(daemon)
        return {
            "drill": "kill9",
            "kills": kills,
            "tasks": n,
            "all_finished": finished,
            "wall_s": round(wall, 1),
            "killed_at_s": at,
            **audit(sb, app, repo, ids),
        }


def drill_kill_processes(template: Path, n: int, what: str, seed: int) -> dict[str, Any]:
    with Sandbox(f"drill-{what}", drill_config()) as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        ids = add_tasks(app, repo, n, work=2, seed=seed)
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        common.wait_for(
            lambda: len([i for i in running_instances(app) if i.pane_pid]) >= 3,
            timeout=60,
            what="three running agents",
        )
        victims = [i for i in running_instances(app) if i.pane_pid]
        if what == "tmux":
            sb.kill_tmux()
        else:
            for inst in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(inst.pane_pid, signal.SIGKILL)
        finished = wait_finished(app, n, timeout=90)
        common.stop_process(daemon)
        restarted = sum(1 for i in app.instances.all() if i.restarts > 0)
        return {
            "drill": what,
            "tasks": n,
            "killed": len(victims),
            "instances_restarted": restarted,
            "all_finished": finished,
            **audit(sb, app, repo, ids),
        }


def drill_dblock(template: Path, n: int, seed: int, hold_s: float = 10.0) -> dict[str, Any]:
    with Sandbox("drill-dblock", drill_config()) as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        ids = add_tasks(app, repo, n, work=0.5, seed=seed)
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        time.sleep(1.5)
        holder = subprocess.Popen(  # noqa: S603 - argument list
            [
                common.PYTHON,
                "-c",
                "import sqlite3, sys, time\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)\n"
                "c.execute('BEGIN EXCLUSIVE')\n"
                "print('locked', flush=True)\n"
                "time.sleep(float(sys.argv[2]))\n"
                "c.execute('COMMIT')\n",
                str(sb.data_dir / "state.db"),
                str(hold_s),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None
        locked_at = time.monotonic()
        holder.stdout.readline()
        before = counts(app)
        holder.wait(timeout=hold_s + 30)
        during = counts(app)
        finished = wait_finished(app, n, timeout=120)
        wall = time.monotonic() - locked_at
        alive = daemon.poll() is None
        common.stop_process(daemon)
        log = (sb.data_dir / "logs" / "cco.log").read_text(errors="replace")
        return {
            "drill": "dblock",
            "tasks": n,
            "held_s": hold_s,
            "daemon_survived": alive,
            "tick_failures_logged": log.count("daemon.tick_failed"),
            "finished_before_lock": sum(before.get(s, 0) for s in FINISHED),
            "finished_when_released": sum(during.get(s, 0) for s in FINISHED),
            "all_finished": finished,
            "wall_after_lock_s": round(wall, 1),
            **audit(sb, app, repo, ids),
        }


def drill_diskfull(
    template: Path, n: int, seed: int, size_mb: int = 48, full_s: float = 5.0
) -> dict[str, Any]:
    config = drill_config()
    config["worktrees"] = {"path": "{repo_parent}/{repo}.worktrees/{name}"}
    if os.geteuid() != 0:
        return {"drill": "diskfull", "skipped": "mounting a tmpfs needs root"}
    with Sandbox("drill-diskfull", config) as sb:
        sb.data_dir.mkdir()
        res = common.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(sb.data_dir)],
            check=False,
        )
        if res.returncode != 0:
            return {"drill": "diskfull", "skipped": f"cannot mount a tmpfs: {res.stderr.strip()}"}
        sb.cleanups.append(lambda: common.run(["umount", "-l", str(sb.data_dir)], check=False))
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        ids = add_tasks(app, repo, n, work=0.5, seed=seed)
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        time.sleep(1.5)
        filler = sb.data_dir / "filler"
        with open(filler, "wb") as fh, contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * (1 << 20))
                fh.flush()
        full_from = time.monotonic()
        time.sleep(full_s)
        filler.unlink()
        finished = wait_finished(app, n, timeout=120)
        alive = daemon.poll() is None
        common.stop_process(daemon)
        # the log file lives on the full disk: the daemon's console output (outside) too
        log_path = sb.data_dir / "logs" / "cco.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
        log += "".join(p.read_text(errors="replace") for p in sb.root.glob("daemon*.log"))
        out = {
            "drill": "diskfull",
            "tasks": n,
            "tmpfs_mb": size_mb,
            "full_for_s": full_s,
            "daemon_survived": alive,
            "tick_failures_logged": log.count("daemon.tick_failed"),
            "all_finished": finished,
            "wall_after_full_s": round(time.monotonic() - full_from, 1),
            **audit(sb, app, repo, ids),
        }
        app.close()
        return out


SLOW_START = """#!/bin/sh
# the agent takes a few seconds before its first hook, as Claude Code does while it loads
sleep 4
exec "{agent}" "$@"
"""


def drill_spawnrace(template: Path, n: int) -> dict[str, Any]:
    """Instances spawned by one process (the CLI, the API) while the daemon watches: none may
    be taken for an interrupted start. Agents slow to start keep them in `starting`."""
    with Sandbox("drill-spawnrace", drill_config(max_running=0, monitor_interval_s=0.1)) as sb:
        slow = sb.root / "slow-agent.sh"
        slow.write_text(SLOW_START.format(agent=common.AGENT))
        slow.chmod(0o755)
        sb.config["instances"]["claude_path"] = str(slow)
        sb.write_config(sb.config)
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        app.store  # noqa: B018 - the database exists before the daemon starts
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        ids = [app.instances.spawn(repo=repo, prompt="work=600").id for _ in range(n)]

        def settled() -> bool:
            return all(app.instances.get(i).status.value != "starting" for i in ids)

        common.wait_for(settled, timeout=120, interval=0.5, what="instances out of starting")
        killed = [i for i in (app.instances.get(x) for x in ids) if i.status.value == "failed"]
        common.stop_process(daemon)
        removed = sum(
            1
            for i in killed
            if i.worktree_id
            and app.worktrees.find(i.worktree_id)
            and app.worktrees.find(i.worktree_id).status.value == "removed"
        )
        return {
            "drill": "spawnrace",
            "tasks": n,
            "spawned_ok": n,
            "taken_for_interrupted": len(killed),
            "their_worktrees_removed": removed,
            "reasons": sorted({str(i.status_reason) for i in killed}),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 kills of a 10-task run; 4 tasks, a 4 s lock and 3 s of full disk for the others",
    )
    parser.add_argument("--drills", default=DEFAULT_DRILLS)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    kills = 3 if args.quick else args.kills
    if args.quick and args.drills == DEFAULT_DRILLS:
        # under a minute: the agents drill exercises the same recovery as the tmux one, and
        # the spawn race needs many instances to show; name them to run them quick
        args.drills = "kill9,tmux,dblock,diskfull"
    n_kill9 = 10 if args.quick else args.tasks
    n_other = 4 if args.quick else 20

    results: dict[str, Any] = {"drills": []}
    with Sandbox("drill-template") as tsb:
        template = common.make_repo(tsb.root / "repo", files=200)
        for name in args.drills.split(","):
            print(f"drill {name} ...", flush=True)
            if name == "kill9":
                out = drill_kill9(template, n_kill9, kills, args.seed)
            elif name in ("tmux", "agents"):
                out = drill_kill_processes(template, n_other, name, args.seed)
            elif name == "dblock":
                out = drill_dblock(template, n_other, args.seed, 4.0 if args.quick else 10.0)
            elif name == "diskfull":
                out = drill_diskfull(
                    template, n_other, args.seed, full_s=3.0 if args.quick else 5.0
                )
            elif name == "spawnrace":
                out = drill_spawnrace(template, 12 if args.quick else 40)
            else:
                raise SystemExit(f"unknown drill {name}")
            results["drills"].append(out)
            print(json.dumps(out), flush=True)
    headers = ["drill", "tasks", "finished", "not fin.", "prompt x2", "orphan wt", "orphan br"]
    headers += ["cleanup ok", "reconcile ok", "stray sess.", "restart ok"]
    rows = []
    for d in results["drills"]:
        if d["drill"] == "spawnrace":
            continue
        if "skipped" in d:
            rows.append([d["drill"], "skipped: " + d["skipped"], *[""] * (len(headers) - 2)])
            continue
        rows.append(
            [
                d["drill"],
                d["tasks"],
                sum(d["task_statuses"].get(s, 0) for s in FINISHED),
                d["not_finished"],
                d["prompt_twice"],
                d["orphan_worktrees"],
                d["orphan_branches"],
                d["cleanup_dry_run_clean"],
                d["reconcile_clean"],
                d["stray_tmux_sessions"],
                d["daemon_restarted_consistent"],
            ]
        )
    common.print_table("fault drills", headers, rows)
    for d in results["drills"]:
        if d["drill"] == "spawnrace":
            print(
                f"\nspawnrace: {d['taken_for_interrupted']} of {d['tasks']} instances spawned "
                f"while the daemon ran were failed as interrupted "
                f"({d['their_worktrees_removed']} worktrees removed): {d['reasons']}"
            )
    common.write_results("drills", results, quick=args.quick)


if __name__ == "__main__":
    main()
