"""kill -9 the real daemon ten times while twenty tasks reach review and notify, starting it
again each time: every delivery arrives, none under two keys; a kill between a send and its
record repeats one under its same key (counted and reported)."""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator import faults
from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.outbox import DeliveryStatus
from tests.support.notify_drill import (
    Daemon,
    all_events,
    configure,
    event_id_of,
    expected_keys,
    http_channel,
)
from tests.support.receivers import WebhookReceiver
from tests.support.wait import wait_for

TASKS = 20
KILLS = 10


@pytest.fixture
def app(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.5")
    app = build_app(log_to_file=False)
    yield app
    app.close()


def all_sent(app: App) -> bool:
    with app.store.read() as tx:
        found = tx.deliveries(channel="ci", limit=1000)
    return all(d.status == DeliveryStatus.SENT for d in found)


def test_kill_9_ten_times_while_twenty_tasks_notify(app: App, repo: Path, tmp_path: Path) -> None:
    rng = random.Random(12)
    with WebhookReceiver() as hook, Daemon(tmp_path) as daemon:
        configure(
            [http_channel(hook, "ci", "webhook", events=["review", "daemon_unhealthy"])],
            retry_initial_s=0.5,
            retry_max_s=2,
        )
        ids = [
            app.tasks.add(
                title=f"t{i}",
                prompt=f"sleep {rng.uniform(0.2, 4):.1f}; write t{i}.txt {i}",
                repo=repo,
            ).id
            for i in range(TASKS)
        ]
        daemon.start()
        started = time.monotonic()
        mid_send = 0  # kills while the receiver was holding a request (a send not yet settled)
        for kill in range(KILLS):
            if kill % 2:
                # a moment while a request is in flight: the receiver takes it (after 0.5 s),
                # the daemon that sent it never records that (later than its restart's own
                # daemon_unhealthy notice, mostly: a review's send is caught)
                time.sleep(rng.uniform(0.3, 1.2))
                hook.slow(0.5)
                seen = hook.modes.seen
                try:
                    wait_for(lambda s=seen: hook.modes.seen > s, timeout=4, what="a request")
                    mid_send += 1
                except AssertionError:
                    pass  # nothing was due: this kill is at a random moment
            else:
                time.sleep(rng.uniform(0.1, 1.5))
            daemon.kill9()
            hook.ok()
            daemon.start()

        state: dict[str, object] = {}

        def done() -> bool:
            statuses = {i: app.tasks.get(i).status.value for i in ids}
            assert set(statuses.values()) <= {"pending", "ready", "running", "review"}, statuses
            want = set(expected_keys(app, "ci", ("review", "daemon_unhealthy")))
            with app.store.read() as tx:
                pending = tx.deliveries(statuses=[DeliveryStatus.PENDING], limit=100)
            state.update(
                unreviewed={i: s for i, s in statuses.items() if s != "review"},
                keys_missing=sorted(want - set(hook.keys())),
                expected=len(want),
                pending=[(d.id, d.dedupe_key, d.attempts, d.last_error) for d in pending],
            )
            return (
                not state["unreviewed"] and len(want) == TASKS + KILLS and not state["keys_missing"]
            )

        try:
            wait_for(done, timeout=90, interval=0.2, what="every task reviewed, every key received")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{state}\n{daemon.output()}") from None
        took = time.monotonic() - started
        wait_for(lambda: all_sent(app), what="every delivery recorded as sent")
        time.sleep(1)  # a straggler would show now
    expected = expected_keys(app, "ci", ("review", "daemon_unhealthy"))
    received = hook.keys()
    repeats = len(received) - len(set(received))
    print(
        f"\n{TASKS} tasks, {daemon.kills} kills ({mid_send} mid-send), {took:.1f} s: "
        f"{len(set(received))} keys, {repeats} same-key repeats {hook.duplicates()}"
    )
    assert set(received) == set(expected)  # every delivery, and no other key
    assert len(expected) == TASKS + KILLS  # one review per task, one notice per restart
    assert Counter(k.rsplit("-", 1)[-1] for k in set(received)) == {
        "review": TASKS,
        "daemon_unhealthy": KILLS,
    }
    # no event under two keys: one key per task's review, one per daemon.unhealthy event
    per_task: dict[str, set[str]] = defaultdict(set)
    for r in hook.messages():
        if r.body["kind"] == "review":
            per_task[r.body["message"]["task_id"]].add(r.dedupe_key)
    assert sorted(per_task) == sorted(ids)
    assert all(len(keys) == 1 for keys in per_task.values()), per_task
    unhealthy = [e.id for e in all_events(app) if e.kind == "daemon.unhealthy"]
    assert sorted(event_id_of(k) for k in set(received) if "unhealthy" in k) == unhealthy
    # a repeat is the same delivery sent again (same id), never a second delivery
    ids_per_key: dict[str, set[int]] = defaultdict(set)
    for r in hook.messages():
        ids_per_key[r.dedupe_key].add(r.body["id"])
    assert all(len(v) == 1 for v in ids_per_key.values())
    assert repeats >= mid_send  # each kill mid-send is sent again after the restart
    with app.store.read() as tx:
        deliveries = tx.deliveries(channel="ci", limit=1000)
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert Counter(d.event_id for d in deliveries).most_common(1)[0][1] == 1
    assert not hook.rejected


@pytest.mark.parametrize("point", faults.REVIEW_POINTS)
def test_kill_9_after_the_agent_stopped_for_review_still_reviews_and_notifies_once(
    point: str, app: App, repo: Path, tmp_path: Path
) -> None:
    """The drill above found it: the agent was stopped for review, the daemon killed before
    the task moved; the next daemon failed the task ("the agent stopped: task in review")."""
    with WebhookReceiver() as hook:
        configure([http_channel(hook, "ci", "webhook", events=["review", "failed"])])
        task = app.tasks.add(title="stop drill", prompt="write s.txt s", repo=repo)
        (tmp_path / "crashed").mkdir()
        crashed = Daemon(tmp_path / "crashed", env={"CCO_FAULT": point})
        crashed.start(ready=False)
        assert crashed.proc is not None and crashed.proc.wait(timeout=60) == -9
        inst = app.instances.get(app.tasks.get(task.id).instance_id or "")
        assert (inst.status.value, inst.status_reason) == ("stopped", "task in review")
        assert app.tasks.get(task.id).status.value == "running"
        with Daemon(tmp_path) as daemon:
            daemon.start()
            wait_for(
                lambda: app.tasks.get(task.id).status.value in ("review", "failed"),
                timeout=30,
                what="the task to settle",
            )
            hook.wait_for(1, timeout=10)
            time.sleep(0.5)  # a second message would be here by now
    done = app.tasks.get(task.id)
    assert (done.status.value, done.commits_ahead, done.files_changed) == ("review", 1, 1)
    with app.store.read() as tx:
        moves = [
            e.data["status"]
            for e in tx.events(entity_id=task.id, limit=100)
            if e.kind == "task.status"
        ]
    assert moves == ["running", "review"]
    assert hook.keys() == expected_keys(app, "ci", ("review", "failed"))
    assert len(hook.keys()) == 1
