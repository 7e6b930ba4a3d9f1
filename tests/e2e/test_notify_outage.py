"""A receiver that is down, rate-limits or answers too late, while the real daemon (`cco up
--no-web`, its own process) runs tasks of the fake agent that notify: nothing is lost, nothing
comes out of order, a 429's Retry-After is waited, a timeout is retried under the same key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus
from tests.support.notify_drill import (
    Daemon,
    configure,
    daemon_log,
    elapsed,
    event_id_of,
    expected_keys,
    http_channel,
)
from tests.support.receivers import WebhookReceiver
from tests.support.wait import wait_for

FAST = {"retry_initial_s": 0.5, "retry_max_s": 2, "timeout_s": 5}
OUTAGE_S = 30.0


@pytest.fixture
def app(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("CC_ORCH_INSTANCES__RESTART", "never")  # a crashed agent fails its task
    monkeypatch.setenv("CC_ORCH_INSTANCES__MONITOR_INTERVAL_S", "0.5")
    app = build_app(log_to_file=False)
    yield app
    app.close()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def add(app: App, repo: Path, title: str, prompt: str = "") -> str:
    return app.tasks.add(title=title, prompt=prompt or f"write {title}.txt {title}", repo=repo).id


def settled(app: App, ids: list[str]) -> bool:
    return all(app.tasks.get(i).status.value in ("review", "failed") for i in ids)


def sent(app: App) -> Delivery | None:
    """The one delivery, once it is no longer pending."""
    with app.store.read() as tx:
        [delivery] = tx.deliveries(channel="ci", limit=10)
    return delivery if delivery.status != DeliveryStatus.PENDING else None


def test_a_receiver_down_for_30_s_gets_every_message_after_in_order(
    app: App, repo: Path, tmp_path: Path, hook: WebhookReceiver
) -> None:
    configure([http_channel(hook, "ci", "webhook", events=["review", "failed"])], **FAST)
    with Daemon(tmp_path) as daemon:
        daemon.start()
        add(app, repo, "before")
        hook.wait_for(1, timeout=30)
        hook.down()
        down_at = time.monotonic()
        # four reach review, two fail (their agent crashes), all while nobody listens
        ids = [add(app, repo, f"during{i}") for i in range(4)]
        ids[1:1] = [add(app, repo, "crash1", "crash"), add(app, repo, "crash2", "crash")]
        wait_for(lambda: settled(app, ids), timeout=25, what="the six tasks to settle")
        statuses = sorted(app.tasks.get(i).status.value for i in ids)
        assert statuses == ["failed"] * 2 + ["review"] * 4
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))
        with app.store.read() as tx:
            pending = tx.deliveries(statuses=[DeliveryStatus.PENDING], channel="ci", limit=100)
        assert len(pending) == 6, [(d.id, d.status) for d in pending]
        head = min(pending, key=lambda d: d.id)
        # retried all along, every retry_max_s (2 s) at most: ~12 tries in the ~25 s it was
        # due (doubling without the cap: 0.5+1+2+4+8+16 = 6 tries at most)
        assert head.attempts >= 8, head
        assert head.last_error is not None and "connection refused" in head.last_error
        assert hook.secret not in head.last_error
        assert all(d.attempts == 0 for d in pending if d.id != head.id)  # they wait their turn
        hook.up()
        up_at = time.time()
        got = hook.wait_for(7, timeout=20)
        first_back = got[1].at - up_at
        print(
            f"\noutage {elapsed(down_at)}: head tried {head.attempts} times; first message "
            f"{first_back:.2f} s after the receiver came back, all 6 in {got[-1].at - up_at:.2f} s"
        )
        assert first_back < 2 * 1.2 + 1.0  # retry_max_s with its jitter, and a poll
    expected = expected_keys(app, "ci", ("review", "failed"))
    assert len(expected) == 7
    received = hook.keys()
    assert received == expected  # every one, in the order of their events, none twice
    assert [event_id_of(k) for k in received] == sorted(event_id_of(k) for k in received)
    assert [r.body["kind"] for r in hook.messages()].count("failed") == 2
    assert not hook.rejected  # every one signed, fresh, well formed
    log = daemon.output() + daemon_log(app)
    assert "connection refused" in log.lower()  # the retries are logged, without the secrets
    assert hook.secret not in log and hook.key not in log


def test_a_429_is_retried_after_its_retry_after(
    app: App, repo: Path, tmp_path: Path, hook: WebhookReceiver
) -> None:
    configure([http_channel(hook, "ci", "webhook", events=["review"])], **FAST)
    hook.rate_limited(retry_after=2, count=1)
    with Daemon(tmp_path) as daemon:
        daemon.start()
        add(app, repo, "limited")
        hook.wait_for(1, timeout=30)
    limited, accepted = hook.attempts
    assert (limited.outcome, accepted.outcome) == ("rate_limited", "accepted")
    waited = accepted.at - limited.at
    print(f"\n429 with Retry-After: 2 -> next attempt {waited:.2f} s later")
    # the receiver's 2 s, not retry_initial_s (0.5 s); a poll (0.25 s) late at most
    assert 1.95 <= waited <= 2.8
    assert hook.keys() == expected_keys(app, "ci", ("review",))


def test_a_receiver_that_times_out_then_recovers(
    app: App, repo: Path, tmp_path: Path, hook: WebhookReceiver
) -> None:
    configure([http_channel(hook, "ci", "webhook", events=["review"])], **{**FAST, "timeout_s": 1})
    hook.slow(2.5)  # answers after cco gave up waiting (1 s), and then takes the message
    with Daemon(tmp_path) as daemon:
        daemon.start()
        add(app, repo, "slow")
        wait_for(lambda: hook.modes.seen >= 1, timeout=30, what="the first attempt")
        hook.ok()  # the next attempt is answered at once
        got = hook.wait_for(2, timeout=10)
        delivery = wait_for(lambda: sent(app), what="the delivery recorded as sent")
        print(
            f"\ntimed out after 1 s, sent on attempt {delivery.attempts} "
            f"(the first attempt's late answer came {got[1].at - got[0].at:.2f} s after)"
        )
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2, delivery
    # the late first attempt and its retry: one message, recognisable by its one key
    [key] = expected_keys(app, "ci", ("review",))
    assert hook.keys() == [key, key]
    assert got[0].body["id"] == got[1].body["id"] == delivery.id
    assert hook.duplicates() == [key]
