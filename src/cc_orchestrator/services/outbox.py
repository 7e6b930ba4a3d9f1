"""The durable outbox: committed events become deliveries, deliveries reach the outside world.

Every event's transaction also records it in `outbox_intake`. The intake takes those rows in
order and, in one transaction, records what each subscriber wants delivered (notifications
now; GitHub and Jira status later) and deletes them: no event is skipped or taken twice,
whatever is killed when. Sending happens outside any transaction: a delivery is leased
(claimed for one attempt), sent, then settled (sent; retried later with backoff and jitter, or
at the receiver's Retry-After; failed for good, with the reason). A kill -9 between a send and
its settling sends it again with the same dedupe key, which the receiver can tell apart.

Each channel says its messages in order: only its oldest pending delivery is tried, and a
channel whose receiver is down holds the rest until it is back. Channels do not wait on each
other (one thread each at a time); none of it runs on the scheduler's thread.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cc_orchestrator.domain import events
from cc_orchestrator.domain.models import Event
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import (
    Delivery,
    DeliveryStatus,
    Refused,
    RetryLater,
    SendResult,
    Sent,
    dedupe_key,
)
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Sender, Store, Tx

log = get_logger("cco.outbox")
INTAKE_BATCH = 200


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Planned:
    """A delivery a subscriber wants recorded for an event."""

    channel: str
    kind: str
    entity_id: str
    message: Message | dict[str, Any]  # what is said: a notification, or a subscriber's own
    suppressed: str | None = None  # why it is recorded but not sent (burst control)

    @property
    def payload(self) -> dict[str, Any]:
        return self.message.to_json() if isinstance(self.message, Message) else self.message


class Subscriber(Protocol):
    name: str

    @property
    def active(self) -> bool:
        """Whether it has anywhere to deliver at all (else the outbox only drains its queue)."""
        ...

    def plan(self, tx: Tx, event: Event, now: datetime) -> list[Planned]:
        """What this event should deliver, read in the intake's transaction."""
        ...

    def next_to_send(self, tx: Tx, channel: str, now: datetime) -> Delivery | None:
        """The channel's delivery to try now (its oldest pending one, a digest of several, or
        None: nothing due, or held by quiet hours)."""
        ...

    def held(self, channel: str, now: datetime) -> bool:
        """Whether the channel keeps its messages for now (quiet hours)."""
        ...

    def deliver(self, delivery: Delivery) -> SendResult:
        """Say one claimed delivery to the outside world (never raises for a network or
        protocol problem: RetryLater or Refused)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Retries:
    initial_s: float = 2.0
    max_s: float = 300.0
    give_up_after_s: float = 86400.0
    timeout_s: float = 10.0

    @property
    def lease_s(self) -> float:
        """How long an attempt holds its delivery: a sender's timeout bounds each step of
        one attempt (connect, write, read, and a pooled connection's wait), not the sum."""
        return self.timeout_s * 4 + 5

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Doubling from initial_s, capped at max_s, with +-20 % jitter."""
        base = min(self.max_s, self.initial_s * (2 ** max(0, attempts - 1)))
        return max(0.05, float(base) * rng.uniform(0.8, 1.2))


class Outbox:
    def __init__(
        self,
        store: Store,
        subscribers: Sequence[Subscriber],
        retries: Retries,
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.subscribers = {s.name: s for s in subscribers}
        self.retries = retries
        self.clock = clock
        self.rng = rng or random.Random()

    # ------------------------------------------------------------------ intake
    def intake(self, limit: int = INTAKE_BATCH) -> int:
        """Turn committed events into deliveries; returns how many events were taken."""
        with self.store.read() as tx:  # most passes find nothing: no write lock for them
            if not tx.intake(1):
                return 0
        with self.store.write() as tx:
            taken = tx.intake(limit)
            if not taken:
                return 0
            now = self.clock()
            for event in taken:
                for sub in self.subscribers.values():
                    try:
                        plans = sub.plan(tx, event, now)
                    except Exception:  # one odd event never stops the others' deliveries
                        log.exception("outbox.plan_failed", event_id=event.id, subscriber=sub.name)
                        continue
                    for plan in plans:
                        self._record(tx, sub.name, event, plan, now)
            tx.taken([e.id for e in taken])
        return len(taken)

    def _record(self, tx: Tx, subscriber: str, event: Event, plan: Planned, now: datetime) -> None:
        tx.add_delivery(
            subscriber=subscriber,
            channel=plan.channel,
            kind=plan.kind,
            event_id=event.id,
            entity_id=plan.entity_id,
            dedupe_key=dedupe_key(subscriber, plan.channel, event.id, plan.kind),
            payload=plan.payload,
            status=DeliveryStatus.SUPPRESSED if plan.suppressed else DeliveryStatus.PENDING,
            next_attempt_at=now,
            give_up_at=now + timedelta(seconds=self.retries.give_up_after_s),
            last_error=plan.suppressed,
        )

    def record(
        self, subscriber: str, channel: str, kind: str, message: Message, *, key: str
    ) -> Delivery:
        """A delivery that no event caused (a test message), recorded before it is sent."""
        now = self.clock()
        with self.store.write() as tx:
            return tx.add_delivery(
                subscriber=subscriber,
                channel=channel,
                kind=kind,
                event_id=None,
                entity_id="",
                dedupe_key=key,
                payload=message.to_json(),
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                give_up_at=now + timedelta(seconds=self.retries.give_up_after_s),
            )

    # ------------------------------------------------------------------ sending
    @property
    def active(self) -> bool:
        """Whether any subscriber has somewhere to deliver (notification channels...)."""
        return any(s.active for s in self.subscribers.values())

    def channels_due(self) -> tuple[list[tuple[str, str]], datetime | None]:
        """(subscriber, channel) of every channel whose oldest pending delivery is due, and
        when the next one not yet due will be."""
        now = self.clock()
        with self.store.read() as tx:
            heads = tx.heads()
        due, later = [], None
        for d in heads:
            sub = self.subscribers.get(d.subscriber)
            if sub is None or sub.held(d.channel, now):
                continue
            if d.next_attempt_at <= now:
                due.append((d.subscriber, d.channel))
            elif later is None or d.next_attempt_at < later:
                later = d.next_attempt_at
        return due, later

    def send_next(self, subscriber: str, channel: str) -> Delivery | None:
        """Try the channel's next delivery once; the delivery as settled (None: nothing due,
        held, or another process holds it)."""
        sub = self.subscribers.get(subscriber)
        if sub is None:
            return None
        now = self.clock()
        with self.store.write() as tx:
            chosen = sub.next_to_send(tx, channel, now)
            if chosen is None:
                return None
            lease = now + timedelta(seconds=self.retries.lease_s)
            claimed = tx.claim(chosen.id, now=now, lease_until=lease)
        if claimed is None:
            return None
        return self._attempt(claimed, sub.deliver)

    def attempt(self, delivery: Delivery, sender: Sender | None) -> Delivery:
        """Send a claimed notification through this sender and record what came of it."""

        def send(d: Delivery) -> SendResult:
            if sender is None:
                return Refused(f"channel {d.channel!r} is not configured")
            return sender.send(
                Message.from_json(d.payload), delivery_id=d.id, dedupe_key=d.dedupe_key
            )

        return self._attempt(delivery, send)

    def _attempt(self, delivery: Delivery, send: Callable[[Delivery], SendResult]) -> Delivery:
        try:
            result = send(delivery)
        except Exception as exc:  # a sender's bug is this delivery's failure, not ours
            log.exception("outbox.sender_crashed", delivery_id=delivery.id)
            result = RetryLater(f"the sender failed: {type(exc).__name__}")
        return self._settle(delivery, result)

    def _settle(self, delivery: Delivery, result: SendResult) -> Delivery:
        now = self.clock()
        with self.store.write() as tx:
            if isinstance(result, Sent):
                tx.settle(delivery.id, status=DeliveryStatus.SENT, sent_at=now)
                log.debug("outbox.sent", delivery_id=delivery.id, channel=delivery.channel)
            elif isinstance(result, RetryLater):
                wait = result.after_s
                if wait is None:
                    wait = self.retries.delay(delivery.attempts, self.rng)
                at = now + timedelta(seconds=max(0.0, wait))
                if at > delivery.give_up_at:
                    why = f"gave up after {delivery.attempts} attempts: {result.reason}"
                    self._fail(tx, delivery, why)
                else:
                    tx.settle(
                        delivery.id,
                        status=DeliveryStatus.PENDING,
                        last_error=result.reason,
                        next_attempt_at=at,
                    )
                    log.info(
                        "outbox.retry_later",
                        delivery_id=delivery.id,
                        channel=delivery.channel,
                        reason=result.reason,
                        after_s=round(wait, 2),
                    )
            else:
                self._fail(tx, delivery, result.reason)
            found = tx.delivery(delivery.id)
        assert found is not None
        return found

    def _fail(self, tx: Tx, delivery: Delivery, why: str) -> None:
        tx.settle(delivery.id, status=DeliveryStatus.FAILED, last_error=why)
        tx.append_event(
            events.delivery_failed(
                delivery.id,
                subscriber=delivery.subscriber,
                channel=delivery.channel,
                kind=delivery.kind,
                error=why,
            )
        )
        log.warning("outbox.failed", delivery_id=delivery.id, channel=delivery.channel, why=why)

    def close(self) -> None:
        """Let go of every subscriber's senders (their open connections)."""
        for sub in self.subscribers.values():
            sub.close()

    def release_leases(self) -> None:
        """At the daemon's start: a lease held by a process that died is void."""
        with self.store.write() as tx:
            tx.release_leases()


class OutboxWorker:
    """The daemon's outbox thread: intake, then every due channel on a small pool.

    Woken by every commit of its own process (the monitor's, the scheduler's, the API's),
    gathering gather_s so a burst is one pass; otherwise it looks every poll_s (for what
    another process committed, a CLI command) or when the next retry is due. With nowhere to
    deliver it only drains the intake queue, every idle_s.
    """

    name = "outbox"

    def __init__(
        self,
        outbox: Outbox,
        *,
        poll_s: float = 1.0,
        gather_s: float = 0.05,
        idle_s: float = 5.0,
        threads: int = 4,
    ) -> None:
        self.outbox = outbox
        self.poll_s = poll_s
        self.gather_s = gather_s
        self.idle_s = idle_s
        self.wake = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cco-outbox")
        self._busy: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        self.outbox.release_leases()
        log.info("outbox.started", active=self.outbox.active)
        while not stop.is_set():
            wait = self.idle_s
            try:
                wait = self.pass_once()
            except Exception:
                log.exception("outbox.pass_failed")
            if not self.outbox.active:
                stop.wait(self.idle_s)  # commits do not matter: nothing is delivered
                continue
            if self.wake.wait(wait) and self.gather_s > 0:
                stop.wait(self.gather_s)  # the rest of a burst joins this pass
            self.wake.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def pass_once(self) -> float:
        """One intake and a send on every due channel; how long until the next pass is due."""
        while self.outbox.intake() == INTAKE_BATCH:
            pass
        if not self.outbox.active:
            return self.idle_s
        due, later = self.outbox.channels_due()
        for key in due:
            with self._lock:
                if key in self._busy:
                    continue
                self._busy.add(key)
            self._pool.submit(self._drain, key)
        if later is None:
            return self.poll_s
        left = (later - self.outbox.clock()).total_seconds()
        return max(0.01, min(self.poll_s, left))

    def _drain(self, key: tuple[str, str]) -> None:
        try:
            while True:
                done = self.outbox.send_next(*key)
                if done is None or done.status == DeliveryStatus.PENDING:
                    return  # nothing due now, or retrying later: the next pass looks again
        except Exception:
            log.exception("outbox.channel_failed", channel=key[1])
        finally:
            with self._lock:
                self._busy.discard(key)
            self.wake.set()


def as_json(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "subscriber": d.subscriber,
        "channel": d.channel,
        "kind": d.kind,
        "status": d.status.value,
        "event_id": d.event_id,
        "entity_id": d.entity_id,
        "dedupe_key": d.dedupe_key,
        "title": d.payload.get("title", ""),
        "attempts": d.attempts,
        "last_error": d.last_error,
        "created_at": d.created_at.isoformat(),
        "next_attempt_at": d.next_attempt_at.isoformat(),
        "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        "digest_of": d.digest_of,
    }
