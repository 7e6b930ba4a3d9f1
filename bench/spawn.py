"""Spawn N instances, each in its own worktree of a realistic repository, until all run;
against a bare shell loop of `git worktree add` + `tmux new-session` doing the same work.

    .venv/bin/python bench/spawn.py [--quick] [--sizes 10,50,100] [--files 3000] [--repeat 1]

The headline ratio is paired: in one sandbox, for i in 0..N-1, one baseline instance (a POSIX
shell snippet: git worktree add -b + tmux new-session, on its own socket and its own copy of
the repository) and one App.instances.spawn, back to back, alternating which goes first, so the
machine's drifting load hits both alike (this machine is shared and noisy). Then, in fresh
sandboxes, the bulk ways, each against a bulk baseline (the same loop in one shell script):
  threads    App.instances.spawn from --threads threads at once (a web/API client burst)
  daemon     N ready tasks, `cco up --no-web` starts them (what a user gets from the daemon)
  cli        `cco instances spawn` N times as processes (only for N <= 10: a user typing)
The agent is bench/agent.sh (a shell stand-in for Claude Code, same prompt for every way).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import common
from common import Sandbox

PROMPT = "work=600"  # the agent submits its prompt, then works (never finishes) meanwhile

BASELINE_SH = r"""
set -e
repo=$1; n=$2; wtroot=$3; files=$4; sock=$5; agent=$6; prompt=$7
i=0
while [ "$i" -lt "$n" ]; do
    git -C "$repo" worktree add -q --no-track -b "bench/w$i" "$wtroot/w$i" HEAD
    mkdir -p "$files/$i"
    printf '%s' "$prompt" > "$files/$i/prompt.txt"
    tmux -L "$sock" new-session -d -s "bench-$i" -c "$wtroot/w$i" \
        -e "CCO_EVENTS_FILE=$files/$i/events.jsonl" -e "CCO_STATUS_FILE=$files/$i/status.json" \
        -- "$agent" --session-id "s$i" -- "$prompt"
    i=$((i + 1))
done
"""


class SubprocessTally:
    """Counts the orchestrator's git/tmux calls and the time spent in them (in-process)."""

    def __init__(self) -> None:
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self._orig: Callable[..., Any] | None = None

    def __enter__(self) -> SubprocessTally:
        # cc_orchestrator.adapters.process calls subprocess.run: the module's attribute is
        # swapped for the time of the block (this process runs nothing else meanwhile)
        self._orig = subprocess.run
        original = self._orig

        def counted(args: Any, *a: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(args, *a, **kw)
            finally:
                argv = [str(a) for a in args]
                name = Path(argv[0]).name
                if name == "git" and len(argv) > 1:
                    name = f"git {argv[1]}" + (f" {argv[2]}" if argv[1] == "worktree" else "")
                elif name == "tmux" and len(argv) > 3:
                    name = f"tmux {argv[3]}"
                self.count[name] += 1
                self.seconds[name] += time.perf_counter() - start

        subprocess.run = counted
        return self

    def __exit__(self, *_exc: object) -> None:
        subprocess.run = self._orig  # type: ignore[assignment]


def wait_all_working(app: Any, n: int, timeout: float = 300) -> None:
    def done() -> bool:
        seen = app.instances.sync()
        bad = [i for i in seen if i.status.value in ("failed", "exited", "stopped")]
        if bad:
            raise RuntimeError(f"{len(bad)} instance(s) ended: {bad[0].status_reason}")
        return bool(sum(i.status.value == "working" for i in seen) == n)

    common.wait_for(done, timeout=timeout, interval=0.1, what=f"{n} instances working")


ONE_SH = r"""
set -e
repo=$1; i=$2; wtroot=$3; files=$4; sock=$5; agent=$6; prompt=$7
git -C "$repo" worktree add -q --no-track -b "bench/w$i" "$wtroot/w$i" HEAD
mkdir -p "$files/$i"
tmux -L "$sock" new-session -d -s "bench-$i" -c "$wtroot/w$i" \
    -e "CCO_EVENTS_FILE=$files/$i/events.jsonl" -e "CCO_STATUS_FILE=$files/$i/status.json" \
    -- "$agent" --session-id "s$i" -- "$prompt"
"""


def run_paired(template: Path, n: int) -> dict[str, Any]:
    """Baseline instance i and cco instance i back to back, alternating which goes first:
    both see the same machine at the same moment, so drifting noise cancels in the ratio."""
    with Sandbox("spawn-paired") as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        base_repo = common.copy_repo(template, sb.root / "base-repo")
        script = sb.root / "one.sh"
        script.write_text(ONE_SH)
        (sb.root / "wt").mkdir()
        base_socket = f"{sb.socket}-base"
        sb.cleanups.append(lambda: sb.kill_tmux(base_socket))
        app = common.build_app()
        sb.cleanups.append(app.close)
        app.store  # noqa: B018 - open (and migrate) the database before the clock starts
        t_base: list[float] = []
        t_cco: list[float] = []

        def baseline(i: int) -> None:
            argv = ["sh", str(script), str(base_repo), str(i), str(sb.root / "wt")]
            argv += [str(sb.root / "files"), base_socket, str(common.AGENT), PROMPT]
            start = time.perf_counter()
            common.run(argv)
            t_base.append(time.perf_counter() - start)

        def orchestrator() -> None:
            start = time.perf_counter()
            app.instances.spawn(repo=repo, prompt=PROMPT)
            t_cco.append(time.perf_counter() - start)

        tally = SubprocessTally()
        with tally:
            for i in range(n):
                if i % 2 == 0:
                    baseline(i)
                    orchestrator()
                else:
                    orchestrator()
                    baseline(i)
        assert len(sb.tmux_sessions()) == n
        # the sh process that runs one.sh is the baseline's only extra: measured, subtracted
        sh_start = []
        for _ in range(20):
            start = time.perf_counter()
            common.run(["sh", "-c", ":"])
            sh_start.append(time.perf_counter() - start)
        sh_s = statistics.median(sh_start)
        base_s = sum(t_base) - n * sh_s
        cco_s = sum(t_cco)
        return {
            "spawned_s": cco_s,
            "baseline_s": base_s,
            "ratio": cco_s / base_s,
            "per_instance_ms": {
                "cco": common.summary_ms(t_cco),
                "baseline": common.summary_ms([t - sh_s for t in t_base]),
            },
            "per_spawn_calls": {k: round(v / n, 1) for k, v in sorted(tally.count.items())},
            "per_spawn_subprocess_ms": {
                k: round(1000 * v / n, 1) for k, v in sorted(tally.seconds.items())
            },
        }


def run_baseline(template: Path, n: int) -> dict[str, Any]:
    with Sandbox("spawn-baseline") as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        script = sb.root / "baseline.sh"
        script.write_text(BASELINE_SH)
        (sb.root / "wt").mkdir()
        with common.timer() as elapsed:
            common.run(
                [
                    "sh",
                    str(script),
                    str(repo),
                    str(n),
                    str(sb.root / "wt"),
                    str(sb.root / "files"),
                    sb.socket,
                    str(common.AGENT),
                    PROMPT,
                ]
            )
        spawned = elapsed()
        assert len(sb.tmux_sessions()) == n

        def submitted() -> bool:
            return all(
                (sb.root / "files" / str(i) / "events.jsonl").exists()
                and '"UserPromptSubmit"'
                in (sb.root / "files" / str(i) / "events.jsonl").read_text()
                for i in range(n)
            )

        common.wait_for(submitted, timeout=120, what="baseline agents")
        return {"spawned_s": spawned}


def run_service(template: Path, n: int, threads: int) -> dict[str, Any]:
    with Sandbox(f"spawn-{'threads' if threads > 1 else 'service'}") as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        app.store  # noqa: B018 - open (and migrate) the database before the clock starts
        tally = SubprocessTally()
        with tally, common.timer() as elapsed:
            if threads > 1:
                with ThreadPoolExecutor(threads) as pool:
                    list(
                        pool.map(lambda _i: app.instances.spawn(repo=repo, prompt=PROMPT), range(n))
                    )
            else:
                for _ in range(n):
                    app.instances.spawn(repo=repo, prompt=PROMPT)
        spawned = elapsed()
        assert len(sb.tmux_sessions()) == n
        with common.timer() as seen:
            wait_all_working(app, n)
        return {
            "spawned_s": spawned,
            "then_all_working_s": seen(),
            "per_spawn_calls": {k: round(v / n, 1) for k, v in sorted(tally.count.items())},
            "per_spawn_subprocess_ms": {
                k: round(1000 * v / n, 1) for k, v in sorted(tally.seconds.items())
            },
        }


def run_daemon(template: Path, n: int) -> dict[str, Any]:
    config = common.base_config(instances={"max_running": n, "monitor_interval_s": 0.5})
    with Sandbox("spawn-daemon", config) as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        app = common.build_app()
        sb.cleanups.append(app.close)
        for i in range(n):
            app.tasks.add(title=f"t{i}", prompt=PROMPT, repo=repo)
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        t0 = time.perf_counter()

        def started() -> bool:
            if daemon.poll() is not None:
                raise RuntimeError(f"the daemon exited: {sb.log_tail()}")
            with app.store.read() as tx:
                events = tx.events(limit=100_000)
            return bool(sum(e.kind == "instance.started" for e in events) >= n)

        common.wait_for(started, timeout=600, interval=0.05, what=f"{n} started instances")
        spawned = time.perf_counter() - t0
        common.stop_process(daemon)
        return {"spawned_s": spawned}


def run_cli(template: Path, n: int) -> dict[str, Any]:
    with Sandbox("spawn-cli") as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        sb.cco("status")  # create the database first, as a user's would exist
        with common.timer() as elapsed:
            for _ in range(n):
                sb.cco("-q", "instances", "spawn", "--repo", str(repo), "--prompt", PROMPT)
        assert len(sb.tmux_sessions()) == n
        return {"spawned_s": elapsed()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="N=10, 1000 files, paired and the daemon only"
    )
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument("--files", type=int, default=3000, help="files in the repository")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=1, help="repeats of the bulk ways")
    parser.add_argument("--ways", default="threads,daemon,cli", help="bulk ways besides paired")
    args = parser.parse_args()
    sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",")]
    files = min(args.files, 1000) if args.quick else args.files
    ways = ["daemon"] if args.quick else [w for w in args.ways.split(",") if w]

    results: dict[str, Any] = {"sizes": sizes, "files": files, "repeat": args.repeat}
    results["runs"] = []
    rows = []
    with tempfile.TemporaryDirectory(prefix="cco-spawn-template-") as tmp:
        with common.timer() as made:
            template = common.make_repo(Path(tmp) / "repo", files=files)
        print(f"repository: {files} files, made in {made():.1f}s")
        for n in sizes:
            paired = run_paired(template, n)
            paired["per_spawn_calls"].pop("sh", None)
            paired["per_spawn_subprocess_ms"].pop("sh", None)
            results["runs"].append({"n": n, "way": "paired", **paired})
            print(
                f"  n={n:<4} paired: cco {paired['spawned_s']:.2f}s, baseline "
                f"{paired['baseline_s']:.2f}s, ratio {paired['ratio']:.2f}",
                flush=True,
            )
            print(f"    cco, per spawn: calls {paired['per_spawn_calls']}")
            print(f"    ms in them {paired['per_spawn_subprocess_ms']}", flush=True)
            rows.append(
                [
                    n,
                    "service (paired with baseline)",
                    round(paired["spawned_s"], 2),
                    round(1000 * paired["spawned_s"] / n, 1),
                    round(paired["ratio"], 2),
                    "yes" if paired["ratio"] <= 1.3 else "no",
                ]
            )
            for way in ways:
                if way == "cli" and n > 10:
                    continue
                base_t, way_t = [], []
                for r in range(args.repeat):
                    pair = ["baseline", way] if r % 2 == 0 else [way, "baseline"]
                    for w in pair:
                        if w == "baseline":
                            out = run_baseline(template, n)
                            base_t.append(out["spawned_s"])
                        elif w == "threads":
                            out = run_service(template, n, args.threads)
                            way_t.append(out["spawned_s"])
                        elif w == "daemon":
                            out = run_daemon(template, n)
                            way_t.append(out["spawned_s"])
                        elif w == "cli":
                            out = run_cli(template, n)
                            way_t.append(out["spawned_s"])
                        else:
                            sys.exit(f"unknown way {w}")
                        results["runs"].append({"n": n, "way": w, "repeat": r, **out})
                        print(f"  n={n:<4} {w:9} {out['spawned_s']:7.2f}s", flush=True)
                ratio = statistics.median(way_t) / statistics.median(base_t)
                rows.append(
                    [
                        n,
                        f"{way} (vs bulk baseline {statistics.median(base_t):.2f}s)",
                        round(statistics.median(way_t), 2),
                        round(1000 * statistics.median(way_t) / n, 1),
                        round(ratio, 2),
                        "yes" if ratio <= 1.3 else "no",
                    ]
                )
    headers = ["N", "way", "s", "ms/instance", "ratio to baseline", "<= 1.3"]
    common.print_table("spawn: N instances with worktrees, until all run", headers, rows)
    results["table"] = [dict(zip(headers, row, strict=True)) for row in rows]
    common.write_results("spawn", results, quick=args.quick)


if __name__ == "__main__":
    main()
