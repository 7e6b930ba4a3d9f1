"""The outbox on both databases: intake in the events' order, per-channel order, retries,
give-up, burst control, digests, quiet hours, and a crash between a send and its settling.

The sender here is a recorder with scripted answers (what it does on the wire is tested
against strict receivers in tests/adapters/test_notify_senders.py); the clock is ours."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cc_orchestrator.config_notify import ChannelConfig, NotificationsConfig
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain import events as ev
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import DeliveryStatus, Refused, RetryLater, SendResult, Sent
from cc_orchestrator.services.notifications import Notifications, NotificationService
from cc_orchestrator.services.outbox import Outbox, Retries

D = DeliveryStatus
T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Recorder:
    """A Sender that records what it was given and answers from a script (then Sent)."""

    def __init__(self, script: list[SendResult] | None = None) -> None:
        self.script = list(script or [])
        self.sent: list[tuple[str, Message]] = []

    def send(self, message: Message, *, delivery_id: int, dedupe_key: str) -> SendResult:
        result = self.script.pop(0) if self.script else Sent("HTTP 200")
        if isinstance(result, Sent):
            self.sent.append((dedupe_key, message))
        return result

    def close(self) -> None:
        pass


def channel(name: str = "team", **kw: object) -> ChannelConfig:
    return ChannelConfig.model_validate(
        {"name": name, "type": "slack", "url": f"https://hooks.slack.com/services/T/B/{name}", **kw}
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Rig:
    def __init__(self, store: SqlStore, clock: Clock, config: NotificationsConfig) -> None:
        self.store = store
        self.clock = clock
        self.senders: dict[str, Recorder] = {}
        self.subscriber = Notifications(
            config, public_url="https://cco.example.org", make_sender=self._sender
        )
        retries = Retries(initial_s=2, max_s=60, give_up_after_s=600, timeout_s=5)
        self.outbox = Outbox(store, [self.subscriber], retries, clock=clock, rng=random.Random(1))
        self.service = NotificationService(store, self.outbox, self.subscriber)

    def _sender(self, c: ChannelConfig) -> Recorder:
        return self.senders.setdefault(c.name, Recorder())

    def sender(self, name: str = "team") -> Recorder:
        return self.senders.setdefault(name, Recorder())

    def task(self, key: str, *, labels: list[str] | None = None, **kw: object) -> Task:
        with self.store.write() as tx:
            repo = tx.ensure_repo(Path("/src/web"))
            return tx.add_task(
                Task(
                    id=key,
                    title=f"Task {key}",
                    prompt="p",
                    status=TaskStatus.RUNNING,
                    repo_id=repo.id,
                    labels=labels or [],
                    **kw,  # type: ignore[arg-type]
                )
            )

    def move(self, task: Task, status: TaskStatus, reason: str = "") -> None:
        with self.store.write() as tx:
            moved = tx.update_task(task.id, status=status, status_reason=reason)
            tx.append_event(ev.task_status(moved, task.status))

    def drain(self, name: str = "team") -> list[str]:
        """Intake, then send on the channel until nothing is due; the states in order."""
        self.outbox.intake()
        states = []
        while (d := self.outbox.send_next("notifications", name)) is not None:
            states.append(d.status.value)
            if d.status == D.PENDING:
                break
        return states

    def deliveries(self, status: DeliveryStatus | None = None) -> list[object]:
        return list(reversed(self.service.deliveries(status=status)))


def rig(store: SqlStore, clock: Clock, *channels: ChannelConfig, **kw: object) -> Rig:
    config = NotificationsConfig.model_validate({"channels": [], **kw})
    config.channels = list(channels)
    return Rig(store, clock, config)


@pytest.fixture
def one(store: SqlStore, clock: Clock) -> Iterator[Rig]:
    yield rig(store, clock, channel())


def test_every_event_is_taken_once_in_order_and_the_intake_empties(one: Rig) -> None:
    tasks = [one.task(f"t{i}") for i in range(3)]
    for t in tasks:
        one.move(t, TaskStatus.FAILED, f"reason {t.id}")
    assert one.outbox.intake() > 0
    assert one.outbox.intake() == 0  # nothing is taken twice
    with one.store.read() as tx:
        assert tx.intake(10) == []
    assert one.drain() == ["sent", "sent", "sent"]
    sent = one.sender().sent
    assert [m.task_id for _, m in sent] == ["t0", "t1", "t2"]
    assert sent[0][1].text == "reason t0"
    assert sent[0][1].link == "https://cco.example.org/#/tasks/t0"
    keys = [k for k, _ in sent]
    assert len(set(keys)) == 3 and all(k.startswith("cco-notifications-team-") for k in keys)


def test_a_channel_hears_only_its_events_and_filters(store: SqlStore, clock: Clock) -> None:
    r = rig(
        store,
        clock,
        channel("reviews", events=["review"]),
        channel("ops", labels=["ops"]),
        channel("other", repos=["api"]),
        channel("named", only_named=True),
    )
    plain = r.task("a")
    ops = r.task("b", labels=["ops"])
    named = r.task("c", notify=["named", "other"])
    for t in (plain, ops, named):
        r.move(t, TaskStatus.FAILED, "boom")
    r.move(r.task("d"), TaskStatus.REVIEW)
    r.outbox.intake()
    heard = {
        (d.channel, d.entity_id)
        for d in r.service.deliveries(limit=100)  # type: ignore[attr-defined]
    }
    assert heard == {
        ("reviews", "d"),
        ("ops", "b"),
        ("named", "c"),
        ("other", "c"),  # a task that names a channel is heard whatever its filters
    }


def test_burst_control_says_a_task_and_kind_once_per_window(one: Rig) -> None:
    t = one.task("t1")
    one.move(t, TaskStatus.FAILED, "first")
    t = one.task("t2")
    with one.store.write() as tx:
        task = tx.task("t1")
        assert task is not None
        tx.append_event(ev.task_status(task, TaskStatus.RUNNING))  # failed again
    one.outbox.intake()
    statuses = [(d.entity_id, d.status) for d in one.deliveries()]  # type: ignore[attr-defined]
    assert statuses == [("t1", D.PENDING), ("t1", D.SUPPRESSED)]
    suppressed = one.service.deliveries(status=D.SUPPRESSED)[0]
    assert "burst control" in (suppressed.last_error or "")
    one.clock.advance(301)
    with one.store.write() as tx:
        task = tx.task("t1")
        assert task is not None
        tx.append_event(ev.task_status(task, TaskStatus.RUNNING))
    one.outbox.intake()
    assert one.service.deliveries(status=D.PENDING)[0].created_at == one.clock.now


def test_order_holds_while_a_receiver_is_down_and_nothing_is_sent_twice(one: Rig) -> None:
    for i in range(3):
        one.move(one.task(f"t{i}"), TaskStatus.FAILED, "x")
    one.sender().script = [RetryLater("connection refused by 127.0.0.1:9")] * 4
    one.outbox.intake()
    waits = []
    for _ in range(4):
        assert one.drain() == ["pending"]
        head = one.service.deliveries(status=D.PENDING)[-1]
        waits.append((head.next_attempt_at - one.clock.now).total_seconds())
        assert one.outbox.send_next("notifications", "team") is None  # not due: held
        one.clock.advance(waits[-1])
    # doubling from 2 s with +-20 % jitter
    for got, base in zip(waits, (2, 4, 8, 16), strict=True):
        assert base * 0.8 <= got <= base * 1.2
    assert one.drain() == ["sent", "sent", "sent"]
    assert [m.task_id for _, m in one.sender().sent] == ["t0", "t1", "t2"]
    head = one.service.deliveries(status=D.SENT)[-1]
    assert head.attempts == 5 and head.last_error is None


def test_retry_after_is_the_receivers_wish(one: Rig) -> None:
    one.move(one.task("t"), TaskStatus.FAILED, "x")
    one.sender().script = [RetryLater("HTTP 429", after_s=7)]
    assert one.drain() == ["pending"]
    head = one.service.deliveries(status=D.PENDING)[0]
    assert head.next_attempt_at == one.clock.now + timedelta(seconds=7)


def test_refused_fails_at_once_gave_up_fails_later_and_retry_sends_again(one: Rig) -> None:
    one.move(one.task("a"), TaskStatus.FAILED, "x")
    one.move(one.task("b"), TaskStatus.FAILED, "y")
    one.sender().script = [Refused("HTTP 404 from hooks.slack.com: no_service")]
    assert one.drain() == ["failed", "sent"]  # a refused one does not hold the channel
    failed = one.service.deliveries(status=D.FAILED)
    assert [d.entity_id for d in failed] == ["a"]
    assert failed[0].last_error == "HTTP 404 from hooks.slack.com: no_service"
    with one.store.read() as tx:
        said = [e for e in tx.events(limit=1000) if e.kind == "delivery.failed"]
    assert [e.data["delivery_id"] for e in said] == [failed[0].id]
    one.outbox.intake()  # a failed delivery is never itself notified
    assert len(one.service.deliveries()) == 2

    one.move(one.task("c"), TaskStatus.FAILED, "z")
    one.sender().script = [RetryLater("HTTP 503")] * 100
    one.outbox.intake()
    for _ in range(30):
        one.drain()
        one.clock.advance(60)
    gave_up = one.service.deliveries(status=D.FAILED)[0]
    assert gave_up.entity_id == "c"
    assert (gave_up.last_error or "").startswith("gave up after ")
    assert "HTTP 503" in (gave_up.last_error or "")

    one.sender().script = []
    retried = one.service.retry(all_failed=True)
    assert {d.status for d in retried} == {D.PENDING}
    assert one.drain() == ["sent", "sent"]
    assert sorted(m.task_id or "" for _, m in one.sender().sent) == ["a", "b", "c"]


def test_many_at_once_go_as_one_digest(store: SqlStore, clock: Clock) -> None:
    r = rig(store, clock, channel(), channel("hook", type="webhook", secret="k"), digest_after=3)
    for i in range(5):
        r.move(r.task(f"t{i}"), TaskStatus.FAILED, "x")
    assert r.drain("team") == ["sent"]
    (key, digest), *_ = r.sender("team").sent
    assert digest.kind == "digest" and len(digest.items) == 5
    assert [m.task_id for m in digest.items] == [f"t{i}" for i in range(5)]
    assert "digest" in key
    carried = r.service.deliveries(status=D.DIGESTED, channel="team")
    assert len(carried) == 5 and {d.digest_of for d in carried} == {r.service.deliveries()[0].id}
    # a webhook (no burst control by default) gets every one, one by one
    assert r.drain("hook") == ["sent"] * 5


def test_quiet_hours_hold_messages_until_they_end(store: SqlStore, clock: Clock) -> None:
    r = rig(store, clock, channel(quiet_hours="11:00-13:00"), timezone="UTC")
    r.move(r.task("t"), TaskStatus.FAILED, "x")
    assert r.drain() == []
    assert r.outbox.channels_due()[0] == []  # the worker does not even try
    assert r.subscriber.quiet_until(r.subscriber.config.channels[0], clock.now) == T0.replace(
        hour=13
    )
    clock.advance(3600)
    assert r.drain() == ["sent"]


def test_a_crash_between_send_and_settle_sends_again_with_the_same_key(one: Rig) -> None:
    one.move(one.task("t"), TaskStatus.FAILED, "x")
    one.outbox.intake()
    with one.store.write() as tx:
        head = tx.heads()[0]
        claimed = tx.claim(head.id, now=one.clock.now, lease_until=one.clock.now + timedelta(60))
    assert claimed is not None
    one.sender().send(Message.from_json(claimed.payload), delivery_id=1, dedupe_key=head.dedupe_key)
    # ... and the process died here, before it recorded the send
    assert one.outbox.send_next("notifications", "team") is None  # the lease holds it
    one.outbox.release_leases()  # what a new daemon does first
    assert one.drain() == ["sent"]
    keys = [k for k, _ in one.sender().sent]
    assert keys == [head.dedupe_key, head.dedupe_key]  # a receiver can tell the repeat apart


def test_an_event_that_fails_to_plan_does_not_stop_the_others(one: Rig) -> None:
    one.move(one.task("a"), TaskStatus.FAILED, "x")
    with one.store.write() as tx:
        tx.append_event(
            ev.task_status(
                Task(id="ghost", title="g", prompt="p", status=TaskStatus.FAILED),
                TaskStatus.RUNNING,
            )
        )
    one.move(one.task("b"), TaskStatus.FAILED, "y")
    original = one.subscriber.plan

    def plan(tx, event, now):  # type: ignore[no-untyped-def]
        if event.entity_id == "a":
            raise RuntimeError("bad")
        return original(tx, event, now)

    one.subscriber.plan = plan  # type: ignore[method-assign]
    one.outbox.intake()
    assert [d.entity_id for d in one.service.deliveries()] == ["b"]
