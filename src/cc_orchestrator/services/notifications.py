"""Notifications: the outbox's first subscriber, and what a person asks of it.

Which channel hears of what: its `events`, then its filters (repositories, labels, only the
tasks that name it; a task that names a channel is always heard by it). Burst control, per
channel: one message per task and kind within `window_s` (later ones are recorded as
suppressed, with the reason), a digest when more than `digest_after` are due at once, and
quiet hours (held until they end). See docs/notifications.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cc_orchestrator.config_notify import ChannelConfig, NotificationsConfig, parse_quiet_hours
from cc_orchestrator.domain import notices as n
from cc_orchestrator.domain.errors import Conflict, InvalidInput, NotFound
from cc_orchestrator.domain.models import Event, Task
from cc_orchestrator.domain.notices import Message
from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus, Refused, SendResult, digest_key
from cc_orchestrator.ports import Sender, Store, Tx
from cc_orchestrator.services.notices import Notice, notice_for
from cc_orchestrator.services.outbox import Outbox, Planned

SUBSCRIBER = "notifications"
DIGEST_MAX = 50  # messages in one digest at most (the rest go in the next one)


class Notifications:
    """The outbox subscriber (services/outbox.Subscriber)."""

    name = SUBSCRIBER

    def __init__(
        self,
        config: NotificationsConfig,
        *,
        public_url: str | None,
        make_sender: Callable[[ChannelConfig], Sender],
    ) -> None:
        self.config = config
        self.public_url = public_url
        self._make_sender = make_sender
        self._senders: dict[str, Sender] = {}
        self._zone = ZoneInfo(config.timezone) if config.timezone else None

    @property
    def active(self) -> bool:
        return bool(self.config.channels)

    # ------------------------------------------------------------------ what to deliver
    def plan(self, tx: Tx, event: Event, now: datetime) -> list[Planned]:
        if not self.config.channels or event.entity_type == "delivery":
            return []
        notice = notice_for(tx, event, public_url=self.public_url)
        if notice is None:
            return []
        plans = []
        for channel in self.config.channels:
            if notice.kind not in channel.events or not _hears(channel, notice.task):
                continue
            suppressed = None
            if channel.bursts and notice.entity_id and self.config.window_s:
                since = now - timedelta(seconds=self.config.window_s)
                if tx.said_lately(
                    channel=channel.name, entity_id=notice.entity_id, kind=notice.kind, since=since
                ):
                    suppressed = (
                        f"burst control: {notice.kind} of {notice.entity_id} was already said "
                        f"on {channel.name} in the last {self.config.window_s} s"
                    )
            plans.append(
                Planned(channel.name, notice.kind, notice.entity_id, notice.message, suppressed)
            )
        return plans

    def next_to_send(self, tx: Tx, channel: str, now: datetime) -> Delivery | None:
        config = self.config.channel(channel)
        if config is not None and self.quiet_until(config, now) is not None:
            return None
        limit = DIGEST_MAX if config is not None and config.bursts else 1
        queue = tx.queue(channel, limit=limit)
        if not queue or queue[0].next_attempt_at > now:
            return None
        fresh = [d for d in queue if d.attempts == 0 and d.kind not in (n.DIGEST, n.TEST)]
        if (
            config is None
            or not config.bursts
            or not self.config.digest_after
            or len(fresh) <= self.config.digest_after
            or queue[0].attempts
        ):
            return queue[0]
        return self._digest(tx, channel, fresh, now, give_up=queue[0].give_up_at)

    def _digest(
        self, tx: Tx, channel: str, members: list[Delivery], now: datetime, *, give_up: datetime
    ) -> Delivery:
        items = tuple(Message.from_json(d.payload) for d in members)
        tasks = {m.task_id for m in items if m.task_id}
        msg = Message(
            kind=n.DIGEST,
            title=f"{len(items)} updates from cc-orchestrator ({len(tasks)} tasks)",
            text="\n".join(f"• {m.title}" for m in items),
            at=items[-1].at,
            link=self.public_url.rstrip("/") + "/" if self.public_url else None,
            items=items,
        )
        digest = tx.add_delivery(
            subscriber=SUBSCRIBER,
            channel=channel,
            kind=n.DIGEST,
            event_id=None,
            entity_id="",
            dedupe_key=digest_key(SUBSCRIBER, channel, members[0].id, members[-1].id),
            payload=msg.to_json(),
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            give_up_at=give_up,
        )
        for d in members:
            tx.settle(d.id, status=DeliveryStatus.DIGESTED, digest_of=digest.id)
        return digest

    def held(self, channel: str, now: datetime) -> bool:
        config = self.config.channel(channel)
        return config is not None and self.quiet_until(config, now) is not None

    def quiet_until(self, channel: ChannelConfig, now: datetime) -> datetime | None:
        """When the channel's quiet hours end, if they are on now."""
        if channel.quiet_hours is None:
            return None
        start, end = parse_quiet_hours(channel.quiet_hours)
        local = now.astimezone(self._zone) if self._zone else now.astimezone()
        t = local.time().replace(tzinfo=None)
        quiet = start <= t < end if start < end else (t >= start or t < end)
        if not quiet:
            return None
        ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if ends <= local:
            ends += timedelta(days=1)
        return ends

    def deliver(self, delivery: Delivery) -> SendResult:
        sender = self.sender(delivery.channel)
        if sender is None:
            return Refused(f"channel {delivery.channel!r} is not configured")
        return sender.send(
            Message.from_json(delivery.payload),
            delivery_id=delivery.id,
            dedupe_key=delivery.dedupe_key,
        )

    def sender(self, channel: str) -> Sender | None:
        if channel not in self._senders:
            config = self.config.channel(channel)
            if config is None:
                return None
            self._senders[channel] = self._make_sender(config)
        return self._senders[channel]

    def close(self) -> None:
        for sender in self._senders.values():
            sender.close()
        self._senders.clear()


def _hears(channel: ChannelConfig, task: Task | None) -> bool:
    """Whether a channel's filters let through a notice about this task (None: not a task's)."""
    if task is not None and channel.name in task.notify:
        return True
    if channel.only_named:
        return False
    if task is None:
        return not channel.labels  # a task-less notice has no labels to match
    if channel.repos and task.repo_path is not None:
        names = {task.repo_path.name, str(task.repo_path)}
        if not names & set(channel.repos):
            return False
    elif channel.repos:
        return False
    return not channel.labels or bool(set(channel.labels) & set(task.labels))


@dataclass(frozen=True)
class ChannelView:
    name: str
    type: str
    where: str
    events: list[str]
    quiet_hours: str | None
    burst: bool
    counts: dict[str, int]


@dataclass(frozen=True)
class TestOutcome:
    channel: str
    delivery: Delivery


class NotificationService:
    """`cco notifications ...` and /api/notifications: deliveries, retries, a test message."""

    def __init__(self, store: Store, outbox: Outbox, notifications: Notifications) -> None:
        self.store = store
        self.outbox = outbox
        self.notifications = notifications

    @property
    def config(self) -> NotificationsConfig:
        return self.notifications.config

    def deliveries(
        self,
        *,
        status: DeliveryStatus | None = None,
        channel: str | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        with self.store.read() as tx:
            return tx.deliveries(
                statuses=[status] if status else None, channel=channel, limit=limit
            )

    def get(self, delivery_id: int) -> Delivery:
        with self.store.read() as tx:
            found = tx.delivery(delivery_id)
        if found is None:
            raise NotFound(
                f"no delivery {delivery_id}", hint="see `cco notifications list` for their ids"
            )
        return found

    def retry(self, ids: Sequence[int] = (), *, all_failed: bool = False) -> list[Delivery]:
        """Send failed deliveries again (a new give-up time; attempts go on counting)."""
        if not ids and not all_failed:
            raise InvalidInput("name the deliveries to retry, or ask for all failed ones")
        now = self.outbox.clock()
        give_up = now + timedelta(seconds=self.outbox.retries.give_up_after_s)
        with self.store.write() as tx:
            if all_failed:
                chosen = tx.deliveries(statuses=[DeliveryStatus.FAILED], limit=10_000)
            else:
                chosen = tx.deliveries(ids=ids, limit=len(ids))
                missing = sorted(set(ids) - {d.id for d in chosen})
                if missing:
                    raise NotFound(f"no delivery {missing[0]}", hint="see `cco notifications list`")
                wrong = [d for d in chosen if d.status != DeliveryStatus.FAILED]
                if wrong:
                    raise Conflict(
                        f"delivery {wrong[0].id} is {wrong[0].status.value}, not failed",
                        hint="only failed deliveries are retried",
                    )
            for d in chosen:
                tx.settle(
                    d.id, status=DeliveryStatus.PENDING, next_attempt_at=now, give_up_at=give_up
                )
            return tx.deliveries(ids=[d.id for d in chosen], limit=max(1, len(chosen)))

    def test(self, channel: str | None = None) -> list[TestOutcome]:
        """A test message to one channel (or every one), recorded and sent now."""
        channels = self.config.channels
        if channel is not None:
            found = self.config.channel(channel)
            if found is None:
                names = ", ".join(c.name for c in channels) or "none is configured"
                raise NotFound(f"no notification channel {channel!r} ({names})")
            channels = [found]
        if not channels:
            raise InvalidInput(
                "no notification channel is configured",
                hint="add one under notifications.channels (see docs/notifications.md)",
            )
        stamp = time.time_ns()
        outcomes = []
        for c in channels:
            msg = Message(
                kind=n.TEST,
                title="cc-orchestrator test message",
                text=f"If you read this, the channel {c.name} works.",
                at=self.outbox.clock().isoformat(timespec="seconds"),
                link=self.notifications.public_url,
            )
            key = f"cco-{SUBSCRIBER}-{c.name}-test-{stamp}"
            recorded = self.outbox.record(SUBSCRIBER, c.name, n.TEST, msg, key=key)
            now = self.outbox.clock()
            with self.store.write() as tx:
                claimed = tx.claim(
                    recorded.id,
                    now=now,
                    lease_until=now + timedelta(seconds=self.outbox.retries.lease_s),
                )
            delivery = recorded
            if claimed is not None:
                delivery = self.outbox.attempt(claimed, self.notifications.sender(c.name))
            outcomes.append(TestOutcome(c.name, delivery))
        return outcomes

    def channels(self) -> list[ChannelView]:
        with self.store.read() as tx:
            counts = tx.delivery_counts()
        return [
            ChannelView(
                name=c.name,
                type=c.kind,
                where=c.where,
                events=list(c.events),
                quiet_hours=c.quiet_hours,
                burst=c.bursts,
                counts={s: v for (ch, s), v in counts.items() if ch == c.name},
            )
            for c in self.config.channels
        ]


__all__ = ["ChannelView", "Notice", "NotificationService", "Notifications", "TestOutcome"]
