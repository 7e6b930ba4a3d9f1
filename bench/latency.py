"""Latency from a hook line appended to an instance's events file to the WebSocket message a
client of `cco up` receives for it; p50/p99 over thousands of events with 100 instances.

    .venv/bin/python bench/latency.py [--quick] [--instances 100] [--events 3000] [--rate 50]
                                      [--intervals 1.0,0.5]

100 instances run bench/agent.sh (after their first turn they sit idle at their prompt). This
process then plays their hooks: it appends, to a random instance's events.jsonl, a
PermissionRequest or a PreToolUse line (alternating per instance, so every line changes the
status) whose tool_name carries a sequence token, and notes the time of the append. The daemon
applies the line as soon as it sees it (hook files are watched between passes), writes an
`instance.status` event whose reason names the tool ("asks permission for L17"), and the web
layer pushes it to the WebSocket client in this same process, which notes the time it arrived:
one clock, no skew. The event's own timestamp (when the daemon wrote it) splits the latency
into "line -> event row" (the monitor) and "event row -> WebSocket" (the web layer).

Run once per monitor interval (`instances.monitor_interval_s`; 1 s is the default). Since the
daemon watches hook files between its passes, the interval no longer sets the latency.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import threading
import time
from datetime import datetime
from typing import Any

import common
from common import Sandbox

TOKEN = re.compile(r"\b(L\d+)$")
LIVE = ("idle", "working", "waiting_input")


class Receiver(threading.Thread):
    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.arrivals: dict[str, tuple[float, float]] = {}  # token -> (recv wall, event ts)
        self.messages = 0

    def run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        with (
            contextlib.suppress(ConnectionClosed),
            connect(
                f"ws://127.0.0.1:{self.port}/api/ws",
                open_timeout=30,
                additional_headers=common.api_headers(),
            ) as ws,
        ):
            while not self.stop.is_set():
                try:
                    raw = ws.recv(timeout=0.2)
                except TimeoutError:
                    continue
                now = time.time()
                self.messages += 1
                msg = json.loads(raw)
                if msg.get("kind") == "ready":
                    self.ready.set()
                    continue
                if msg.get("kind") != "instance.status":
                    continue
                match = TOKEN.search(str(msg.get("data", {}).get("reason", "")))
                if match:
                    ts = datetime.fromisoformat(msg["ts"]).timestamp()
                    self.arrivals[match.group(1)] = (now, ts)


def hook_line(session_id: str, name: str, tool: str) -> str:
    event = {"session_id": session_id, "hook_event_name": name, "tool_name": tool}
    return json.dumps({"cco_ts": f"{time.time():.9f}", "event": event}) + "\n"


def measure(
    sb: Sandbox, app: Any, interval: float, events: int, rate: float, seed: int
) -> dict[str, Any]:
    port = common.free_port()
    daemon = sb.start_daemon(
        "--port",
        str(port),
        extra_env={"CC_ORCH_INSTANCES__MONITOR_INTERVAL_S": str(interval)},
        log_name=f"daemon-{interval}",
    )
    sb.wait_daemon_ready(daemon)
    receiver = Receiver(port)
    common.wait_for(lambda: _try_start(receiver), timeout=30, interval=0.2, what="the API")
    receiver.ready.wait(30)
    with app.store.read() as tx:
        live = [i for i in tx.instances() if i.status.value in LIVE]
    waiting = {i.id: i.status.value == "waiting_input" for i in live}
    sessions = {i.id: i.agent_session_id or "" for i in live}
    rng = random.Random(seed)
    written: dict[str, float] = {}
    start = time.monotonic()
    for seq in range(events):
        target = start + seq / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        inst_id = rng.choice(list(waiting))
        token = f"L{seq}"
        name = "PreToolUse" if waiting[inst_id] else "PermissionRequest"
        waiting[inst_id] = not waiting[inst_id]
        line = hook_line(sessions[inst_id], name, token)
        with open(app.instances.files(inst_id).events, "a") as fh:
            fh.write(line)
            fh.flush()
            written[token] = time.time()
    achieved = events / (time.monotonic() - start)
    with contextlib.suppress(TimeoutError):
        common.wait_for(
            lambda: len(receiver.arrivals) >= len(written), timeout=15, what="the last events"
        )
    receiver.stop.set()
    receiver.join(5)
    common.stop_process(daemon)
    total, monitor, web = [], [], []
    for token, wrote in written.items():
        got = receiver.arrivals.get(token)
        if got is None:
            continue
        recv, ts = got
        total.append(recv - wrote)
        monitor.append(max(0.0, ts - wrote))
        web.append(max(0.0, recv - ts))
    return {
        "monitor_interval_s": interval,
        "events_written": len(written),
        "events_received": len(total),
        "missing": len(written) - len(total),
        "rate_per_s": round(achieved, 1),
        "line_to_ws": common.summary_ms(total),
        "line_to_event_row": common.summary_ms(monitor),
        "event_row_to_ws": common.summary_ms(web),
        "goal_p99_below_100ms": bool(total) and common.percentile(total, 99) < 0.1,
    }


def _try_start(receiver: Receiver) -> bool:
    import httpx

    try:
        ok = httpx.get(
            f"http://127.0.0.1:{receiver.port}/api/health",
            timeout=2,
            headers=common.api_headers(),
        ).status_code
    except httpx.HTTPError:
        return False
    if ok != 200:
        return False
    receiver.start()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 instances, 400 events")
    parser.add_argument("--instances", type=int, default=100)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=50.0, help="hook lines per second, all")
    parser.add_argument("--intervals", default="1.0,0.5", help="monitor intervals to run")
    args = parser.parse_args()
    n = 30 if args.quick else args.instances
    events = 400 if args.quick else args.events
    rate = 40.0 if args.quick else args.rate

    results: dict[str, Any] = {"instances": n, "runs": []}
    with Sandbox("latency", common.base_config()) as sb:
        repo = common.make_repo(sb.root / "repo", files=20)
        app = common.build_app()
        sb.cleanups.append(app.close)
        for _ in range(n):
            app.instances.spawn(repo=repo, prompt="hello")

        def all_idle() -> bool:
            return bool(sum(i.status.value == "idle" for i in app.instances.sync()) == n)

        common.wait_for(all_idle, timeout=120, what="instances idle")
        rows = []
        for k, interval in enumerate(float(x) for x in args.intervals.split(",")):
            out = measure(sb, app, interval, events, rate, seed=k)
            results["runs"].append(out)
            print(json.dumps(out), flush=True)
            for part in ("line_to_ws", "line_to_event_row", "event_row_to_ws"):
                s = out[part]
                rows.append(
                    [interval, part, s.get("n"), s.get("p50_ms"), s.get("p99_ms"), s.get("max_ms")]
                )
    headers = ["monitor_interval_s", "segment", "n", "p50 ms", "p99 ms", "max ms"]
    common.print_table(
        f"latency: hook line -> WebSocket message, {n} instances, {rate:.0f} lines/s",
        headers,
        rows,
    )
    results["table"] = [dict(zip(headers, row, strict=True)) for row in rows]
    common.write_results("latency", results, quick=args.quick)


if __name__ == "__main__":
    main()
