"""Steady state: 100 live instances emitting hook events, the daemon watching them; the
daemon process's CPU (% of one core, from /proc/<pid>/stat) and memory (RSS).

    .venv/bin/python bench/steady.py [--quick] [--instances 100] [--period 3] [--window 60]
                                     [--profile]

Each instance runs bench/agent.sh, which appends one hook line every --period seconds
(spread out by a per-instance phase): UserPromptSubmit, PreToolUse, PostToolUse,
PermissionRequest, PreToolUse, PostToolUse, Stop -- so every instance goes working ->
waiting_input -> working -> idle once per 7 periods. The daemon is measured in three set-ups:
  no-web       `cco up --no-web`
  web          `cco up` (API and dashboard served, nobody connected)
  web+client   `cco up` with one WebSocket client on /api/ws receiving every event
then one monitoring pass (`TaskService.tick`, what the daemon loops) is timed in-process with
the same instances (and profiled with --profile).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import threading
import time
from pathlib import Path
from typing import Any

import common
from common import Sandbox


def ws_drain(port: int, stop: threading.Event, received: list[int]) -> None:
    from websockets.sync.client import connect

    with connect(
        f"ws://127.0.0.1:{port}/api/ws", open_timeout=30, additional_headers=common.api_headers()
    ) as ws:
        while not stop.is_set():
            try:
                ws.recv(timeout=0.5)
                received[0] += 1
            except TimeoutError:
                continue


def status_events(app: Any) -> int:
    with app.store.read() as tx:
        last = tx.last_event_id()
    return int(last)


def ticks_from_log(data_dir: Path) -> int | None:
    """The daemon logs `daemon.stopped` with its tick count when it stops."""
    log = data_dir / "logs" / "cco.log"
    if not log.exists():
        return None
    ticks = None
    for line in log.read_text(errors="replace").splitlines():
        if "daemon.stopped" in line:
            match = re.search(r'"ticks": ?(\d+)', line)
            if match:
                ticks = int(match.group(1))
    return ticks


def measure_daemon(
    sb: Sandbox, app: Any, setup: str, warmup: float, window: float
) -> dict[str, Any]:
    port = common.free_port()
    args = ["--no-web"] if setup == "no-web" else ["--port", str(port)]
    daemon = sb.start_daemon(*args, log_name=f"daemon-{setup}")
    sb.wait_daemon_ready(daemon)
    stop = threading.Event()
    received = [0]
    client = None
    if setup == "web+client":
        import httpx

        common.wait_for(lambda: _healthy(httpx, port), timeout=30, what="the API", interval=0.1)
        client = threading.Thread(target=ws_drain, args=(port, stop, received), daemon=True)
        client.start()
    started = time.monotonic()
    time.sleep(warmup)
    tmux_pid = common.tmux_server_pid(sb.socket)
    pids = {"daemon": daemon.pid}
    if tmux_pid:
        pids["tmux server"] = tmux_pid
    first_event = status_events(app)
    cpu = common.cpu_window(pids, window)
    events = status_events(app) - first_event
    mem = common.proc_mem_kb(daemon.pid)
    lived = time.monotonic() - started
    stop.set()
    if client is not None:
        client.join(5)
    common.stop_process(daemon)
    ticks = ticks_from_log(sb.data_dir)
    return {
        "setup": setup,
        "daemon_cpu_pct": cpu["daemon"]["cpu_pct"],
        "daemon_cpu_with_children_pct": cpu["daemon"]["cpu_with_children_pct"],
        "tmux_server_cpu_pct": cpu.get("tmux server", {}).get("cpu_pct"),
        "rss_mb": round(mem["VmRSS"] / 1024, 1),
        "peak_rss_mb": round(mem["VmHWM"] / 1024, 1),
        "events_per_s": round(events / window, 1),
        "ws_messages": received[0] if setup == "web+client" else None,
        "ticks_per_s": round(ticks / lived, 2) if ticks else None,
        "window_s": window,
    }


def _healthy(httpx: Any, port: int) -> bool:
    try:
        response = httpx.get(
            f"http://127.0.0.1:{port}/api/health", timeout=2, headers=common.api_headers()
        )
        return bool(response.status_code == 200)
    except httpx.HTTPError:
        return False


def in_process_ticks(app: Any, seconds: float, profile: bool) -> dict[str, Any]:
    durations: list[float] = []
    profiler = cProfile.Profile() if profile else None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        app.tasks.tick()
        if profiler is not None:
            profiler.disable()
        durations.append(time.perf_counter() - start)
        time.sleep(max(0.0, 0.5 - durations[-1]))
    out: dict[str, Any] = {"tick": common.summary_ms(durations)}
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
        out["profile_top"] = text.getvalue()
        out["daemon_profile"] = profile_daemon_loop(app, seconds)
    return out


def profile_daemon_loop(app: Any, seconds: float) -> str:
    """The daemon's own loop (passes, and the hook watch between them) run in this process
    under cProfile for `seconds`: where `cco up --no-web` spends its CPU."""
    from cc_orchestrator.services.daemon import run_daemon

    settings = app.config.settings.instances
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    profiler = cProfile.Profile()
    cpu = time.process_time()
    profiler.enable()
    ticks = run_daemon(
        tasks=app.tasks,
        monitor=app.monitor,
        locks=app.locks,
        pid_file=app.data_dir / "daemon.pid",
        interval_s=settings.monitor_interval_s,
        watch_s=settings.watch_interval_s,
        stop=stop,
    )
    profiler.disable()
    cpu = time.process_time() - cpu
    text = io.StringIO()
    print(
        f"daemon loop in-process: {ticks} passes in {seconds:.0f} s, "
        f"CPU {100 * cpu / seconds:.1f} % of a core (profiler included)",
        file=text,
    )
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    return text.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 instances, 8 s windows")
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--period", type=float, default=3.0, help="seconds between hook lines")
    parser.add_argument("--window", type=float, default=60.0, help="measuring window, seconds")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--setups", default="no-web,web,web+client")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process ticks")
    parser.add_argument(
        "--interval", type=float, default=None, help="monitor_interval_s (default: cco's)"
    )
    parser.add_argument(
        "--no-watch", action="store_true", help="instances.watch_hooks off (statuses per pass)"
    )
    args = parser.parse_args()
    n = 30 if args.quick else args.instances
    window = 8.0 if args.quick else args.window
    warmup = 3.0 if args.quick else args.warmup

    config = common.base_config(
        instances={"monitor_interval_s": args.interval} if args.interval else {}
    )
    config.pop("logging")  # the default level (info), as a user runs it
    if args.no_watch:
        config["instances"]["watch_hooks"] = False
    results: dict[str, Any] = {
        "instances": n,
        "period_s": args.period,
        "monitor_interval_s": args.interval or "default",
        "watch_hooks": not args.no_watch,
        "setups": [],
    }
    with Sandbox("steady", config) as sb:
        repo = common.make_repo(sb.root / "repo", files=20)
        app = common.build_app()
        sb.cleanups.append(app.close)
        with common.timer() as spawned:
            for i in range(n):
                phase = round(args.period * i / n, 3)
                app.instances.spawn(repo=repo, prompt=f"period={args.period} phase={phase}")
        print(f"{n} instances spawned in {spawned():.1f}s", flush=True)
        rows = []
        for setup in args.setups.split(","):
            out = measure_daemon(sb, app, setup, warmup, window)
            results["setups"].append(out)
            print(json.dumps(out), flush=True)
            rows.append(
                [
                    setup,
                    out["daemon_cpu_pct"],
                    out["daemon_cpu_with_children_pct"],
                    out["tmux_server_cpu_pct"],
                    out["rss_mb"],
                    out["peak_rss_mb"],
                    out["events_per_s"],
                    out["ticks_per_s"],
                ]
            )
        ticks = in_process_ticks(app, min(window, 20.0), args.profile)
        results["in_process"] = ticks
        live = [
            i
            for i in app.instances.sync()
            if i.status.value in ("working", "idle", "waiting_input")
        ]
        results["live_at_end"] = len(live)
    headers = [
        "setup",
        "daemon CPU %",
        "+children %",
        "tmux server %",
        "RSS MB",
        "peak RSS MB",
        "status events/s",
        "ticks/s",
    ]
    common.print_table(
        f"steady state: {n} instances, one hook line every {args.period}s each", headers, rows
    )
    print(f"\none tick in-process (sync + scheduling pass) with {n} instances: {ticks['tick']}")
    if args.profile:
        print(ticks["profile_top"])
        print(ticks["daemon_profile"])
    results["table"] = [dict(zip(headers, row, strict=True)) for row in rows]
    results["goals"] = {
        "cpu_below_5pct": all(s["daemon_cpu_with_children_pct"] < 5 for s in results["setups"]),
        "rss_below_300mb": all(s["peak_rss_mb"] < 300 for s in results["setups"]),
    }
    print(f"goals: {results['goals']}  (live instances at the end: {results['live_at_end']})")
    # a variant gets its own file, never over the default run's
    name = "steady" + ("-nowatch" if args.no_watch else "")
    name += f"-interval{args.interval:g}" if args.interval else ""
    common.write_results(name, results, quick=args.quick)


if __name__ == "__main__":
    main()
