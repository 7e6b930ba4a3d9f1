"""The outbox's cost and speed: what queueing every event costs the writer, how soon a
notification reaches a receiver, and how fast a backlog drains.

    .venv/bin/python bench/outbox.py [--quick] [--events 4000] [--rate 40] [--seconds 20]
                                     [--backlog 3000] [--db sqlite|postgresql]

1. append: events written as the monitor writes them (one hook transaction each), with the
   outbox's intake row and without it (the same code with that one statement skipped),
   in alternating batches so the machine's drift cancels: microseconds per event, and the
   ratio.
2. latency: the daemon's outbox thread running on a store with a webhook channel to a
   signature-checking receiver on 127.0.0.1 (the real sender, real HTTP); `task.status
   failed` events committed at --rate per second: commit -> the receiver has it, p50/p99;
   once woken by the commit (a write in the daemon's process, the API's or the monitor's) and
   once found by the worker's 0.25 s poll (a write from another process, a CLI command).
3. backlog: --backlog events queued while no daemon runs, then the worker started: time
   until every delivery is taken by the receiver, and deliveries per second (one channel:
   in order, one at a time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import print_table, summary_ms, write_results
from tests.support.receivers import WebhookReceiver

from cc_orchestrator.adapters.notify import make_sender
from cc_orchestrator.config_notify import ChannelConfig, NotificationsConfig
from cc_orchestrator.db import tx_hook
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain import events as ev
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.services.notifications import Notifications
from cc_orchestrator.services.outbox import Outbox, OutboxWorker, Retries


def _open_store(kind: str, folder: Path) -> tuple[SqlStore, Any]:
    if kind == "postgresql":
        from tests.pg import PgCluster

        cluster = PgCluster.start()
        return SqlStore.open(cluster.create_database()), cluster
    return SqlStore.open(f"sqlite:///{folder / 'state.db'}"), None


def bench_append(store: SqlStore, events: int) -> dict[str, Any]:
    tasks = _tasks_named(store, 10, "append")
    original = tx_hook.CoreTx.append_event

    def without_intake(self: tx_hook.CoreTx, event: Any) -> Any:
        # the append as it was before the outbox: the event row alone
        self.appended = True
        row = {
            "ts": tx_hook.utcnow(),
            "kind": event.kind,
            "entity_type": event.entity_type,
            "entity_id": event.entity_id,
            "data": event.data,
        }
        return self.conn.scalar(tx_hook._INSERT_EVENT, row)

    per: dict[str, list[float]] = {"with intake": [], "without": []}
    batch = 200
    for round_ in range(max(2, events // batch)):
        name = "with intake" if round_ % 2 == 0 else "without"
        tx_hook.CoreTx.append_event = original if name == "with intake" else without_intake  # type: ignore[method-assign]
        started = time.perf_counter()
        for i in range(batch):
            t = tasks[i % len(tasks)]
            with store.hook_write() as tx:
                tx.append_event(ev.task_status(t, TaskStatus.PENDING))
        per[name].append((time.perf_counter() - started) / batch)
    tx_hook.CoreTx.append_event = original  # type: ignore[method-assign]
    with store.write() as tx:  # leave no intake behind for the next parts
        tx.taken([e.id for e in tx.intake(1_000_000)])
    us = {k: statistics.median(v) * 1e6 for k, v in per.items()}
    return {
        "us_per_event_with_intake": round(us["with intake"], 1),
        "us_per_event_without": round(us["without"], 1),
        "ratio": round(us["with intake"] / us["without"], 3),
        "batches": {k: len(v) for k, v in per.items()},
    }


class Rig:
    def __init__(self, store: SqlStore, receiver: WebhookReceiver) -> None:
        channel = ChannelConfig.model_validate(
            {"name": "hook", "type": "webhook", "url": receiver.url, "secret": receiver.key}
        )
        config = NotificationsConfig(channels=[channel], retry_initial_s=0.2, retry_max_s=1)
        sub = Notifications(
            config, public_url=None, make_sender=lambda c: make_sender(c, timeout_s=5)
        )
        retries = Retries(initial_s=0.2, max_s=1, give_up_after_s=600, timeout_s=5)
        self.outbox = Outbox(store, [sub], retries)
        self.worker = OutboxWorker(self.outbox)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.worker.wake.set()
        self.thread.join(timeout=30)


def bench_latency(
    store: SqlStore, receiver: WebhookReceiver, *, rate: float, seconds: float, woken: bool
) -> dict[str, Any]:
    receiver.reset()
    n = max(5, int(rate * seconds))
    tasks = _tasks_named(store, n, "lat-woken" if woken else "lat-polled")
    rig = Rig(store, receiver)
    remove = store.on_events(rig.worker.wake.set) if woken else (lambda: None)
    rig.start()
    committed: dict[str, float] = {}
    try:
        for t in tasks:
            with store.write() as tx:
                moved = tx.update_task(t.id, status=TaskStatus.FAILED, status_reason="bench")
                tx.append_event(ev.task_status(moved, TaskStatus.RUNNING))
            committed[t.id] = time.time()
            time.sleep(1 / rate)
        got = receiver.wait_for(n, timeout=120)
    finally:
        remove()
        rig.close()
    lat = []
    for r in got:
        task_id = r.body["message"]["task_id"]
        lat.append(r.at - committed[task_id])
    keys = receiver.keys()
    return {
        "n": n,
        "received": len(got),
        "duplicates": len(keys) - len(set(keys)),
        **summary_ms(lat),
    }


def _tasks_named(store: SqlStore, n: int, prefix: str) -> list[Task]:
    with store.write() as tx:
        repo = tx.ensure_repo(Path("/bench/repo"))
        return [
            tx.add_task(
                Task(
                    id=f"{prefix}-{i}",
                    title=f"{prefix} {i}",
                    prompt="p",
                    status=TaskStatus.RUNNING,
                    repo_id=repo.id,
                )
            )
            for i in range(n)
        ]


def bench_backlog(store: SqlStore, receiver: WebhookReceiver, backlog: int) -> dict[str, Any]:
    receiver.reset()
    tasks = _tasks_named(store, backlog, "backlog")
    with store.write() as tx:
        for t in tasks:
            moved = tx.update_task(t.id, status=TaskStatus.FAILED, status_reason="bench")
            tx.append_event(ev.task_status(moved, TaskStatus.RUNNING))
    rig = Rig(store, receiver)
    started = time.perf_counter()
    rig.start()
    try:
        got = receiver.wait_for(backlog, timeout=600)
    finally:
        rig.close()
    took = time.perf_counter() - started
    order = [r.body["message"]["task_id"] for r in got]
    return {
        "backlog": backlog,
        "received": len(got),
        "seconds": round(took, 2),
        "per_second": round(len(got) / took, 1),
        "in_order": order == [t.id for t in tasks],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--events", type=int, default=4000)
    p.add_argument("--rate", type=float, default=40)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--backlog", type=int, default=3000)
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = p.parse_args(argv)
    if args.quick:
        args.events, args.seconds, args.backlog = 1200, 5, 500
    results: dict[str, Any] = {"db": args.db, "started_at": datetime.now(UTC).isoformat()}
    with tempfile.TemporaryDirectory(prefix="cco-bench-outbox-") as tmp:
        store, cluster = _open_store(args.db, Path(tmp))
        try:
            with WebhookReceiver() as receiver:
                results["append"] = a = bench_append(store, args.events)
                print_table(
                    f"1. append, one hook transaction per event ({args.db})",
                    ["with intake µs", "without µs", "ratio"],
                    [[a["us_per_event_with_intake"], a["us_per_event_without"], a["ratio"]]],
                )
                rows = []
                for woken in (True, False):
                    name = "woken" if woken else "polled"
                    r = bench_latency(
                        store, receiver, rate=args.rate, seconds=args.seconds, woken=woken
                    )
                    results[f"latency_{name}"] = r
                    rows.append(
                        [name, r["n"], r["received"], r["duplicates"], r["p50_ms"], r["p99_ms"]]
                    )
                print_table(
                    f"2. commit -> receiver, {args.rate:g} events/s",
                    ["found", "n", "received", "twice", "p50 ms", "p99 ms"],
                    rows,
                )
                results["backlog"] = b = bench_backlog(store, receiver, args.backlog)
                print_table(
                    "3. backlog drained by the worker (one channel, in order)",
                    ["events", "received", "seconds", "per second", "in order"],
                    [[b["backlog"], b["received"], b["seconds"], b["per_second"], b["in_order"]]],
                )
        finally:
            store.close()
            if cluster is not None:
                cluster.stop()
    write_results("outbox", results, quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
