"""`cco notifications ...`: what was told to whom, what failed, a retry, a test message.

Deliveries are recorded by the daemon's outbox (services/outbox.py) and sent by it; these
commands read them, queue failed ones again and send a test message now. Addresses are never
printed: a channel shows as its `where` (scheme and host)."""

from __future__ import annotations

from typing import Any

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo, echo_json, table
from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.outbox import Delivery, DeliveryStatus
from cc_orchestrator.logs import redact_text
from cc_orchestrator.services.notifications import ChannelView, TestOutcome
from cc_orchestrator.services.outbox import as_json

_STATUSES = [s.value for s in DeliveryStatus]
_COUNTED = (DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED)


@click.group()
def notifications() -> None:
    """Messages to Slack, Discord, webhooks, ntfy and e-mail: sent, failed, retried."""


def delivery_json(d: Delivery) -> dict[str, Any]:
    """A delivery as the CLI and the API show it (its error redacted, never an address)."""
    out = as_json(d)
    out["last_error"] = redact_text(d.last_error) if d.last_error else None
    return out


@notifications.command("list")
@click.option("--status", type=click.Choice(_STATUSES), default=None, help="Only this status.")
@click.option("--channel", default=None, metavar="NAME", help="Only this channel.")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="At most."
)
@click.option("--json", "as_json_", is_flag=True, help="Print JSON.")
@pass_state
def list_(
    state: CliState, status: str | None, channel: str | None, limit: int, as_json_: bool
) -> None:
    """Deliveries, newest first: when, channel, kind, status, attempts, title, last error."""
    found = state.app().notifications.deliveries(
        status=DeliveryStatus(status) if status else None, channel=channel, limit=limit
    )
    if as_json_:
        echo_json([delivery_json(d) for d in found])
        return
    if not found:
        echo("no deliveries" + (" that match" if status or channel else " yet"))
        return
    table(
        ["ID", "WHEN", "CHANNEL", "KIND", "STATUS", "TRIES", "TITLE", "LAST ERROR"],
        [
            [
                d.id,
                d.created_at,
                d.channel,
                d.kind,
                d.status,
                d.attempts,
                str(d.payload.get("title", ""))[:50],
                redact_text(d.last_error)[:70] if d.last_error else None,
            ]
            for d in found
        ],
    )
    if any(d.status == DeliveryStatus.FAILED for d in found):
        click.echo("send failed ones again with `cco notifications retry ID` (or --failed)")


@notifications.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Every failed delivery.")
@pass_state
def retry(state: CliState, ids: tuple[int, ...], all_failed: bool) -> None:
    """Send failed deliveries again (by id, or all failed ones with --failed)."""
    if ids and all_failed:
        raise InvalidInput("give delivery ids or --failed, not both")
    if not ids and not all_failed:
        raise InvalidInput(
            "name the deliveries to retry, or --failed for all failed ones",
            hint="`cco notifications list --status failed` shows them",
        )
    app = state.app()
    queued = app.notifications.retry(ids, all_failed=all_failed)
    if not queued:
        echo("no failed deliveries")
        return
    shown = ", ".join(str(d.id) for d in queued[:20]) + (" …" if len(queued) > 20 else "")
    echo(f"queued {len(queued)} {'delivery' if len(queued) == 1 else 'deliveries'} again: {shown}")
    if not app.overview.daemon_running():
        click.echo("the daemon is not running: `cco up` sends them")


def outcome_json(o: TestOutcome) -> dict[str, Any]:
    d = o.delivery
    return {
        "channel": o.channel,
        "sent": d.status == DeliveryStatus.SENT,
        "status": d.status.value,
        "reason": redact_text(d.last_error) if d.last_error else None,
        "delivery_id": d.id,
    }


def outcome_text(o: TestOutcome) -> str:
    d = o.delivery
    why = redact_text(d.last_error or "")
    if d.status == DeliveryStatus.SENT:
        return f"{o.channel}: sent"
    if d.status == DeliveryStatus.PENDING:
        return f"{o.channel}: not sent yet: {why or 'in progress'} (the daemon tries again)"
    return f"{o.channel}: not sent: {why or d.status.value}"


@notifications.command("test")
@click.option("--channel", default=None, metavar="NAME", help="Only this channel (default: all).")
@click.option("--json", "as_json_", is_flag=True, help="Print JSON.")
@pass_state
def test(state: CliState, channel: str | None, as_json_: bool) -> None:
    """Send a test message now to each channel; exit 1 if one was not sent."""
    outcomes = state.app().notifications.test(channel)
    if as_json_:
        echo_json([outcome_json(o) for o in outcomes])
    else:
        for o in outcomes:
            echo(outcome_text(o))
    if any(o.delivery.status != DeliveryStatus.SENT for o in outcomes):
        click.get_current_context().exit(1)


def channel_json(c: ChannelView) -> dict[str, Any]:
    return {
        "name": c.name,
        "type": c.type,
        "where": c.where,
        "events": list(c.events),
        "quiet_hours": c.quiet_hours,
        "burst": c.burst,
        "counts": dict(c.counts),
    }


@notifications.command("channels")
@click.option("--json", "as_json_", is_flag=True, help="Print JSON.")
@pass_state
def channels(state: CliState, as_json_: bool) -> None:
    """The configured channels: type, where (never the address), events, deliveries."""
    found = state.app().notifications.channels()
    if as_json_:
        echo_json([channel_json(c) for c in found])
        return
    if not found:
        echo("no notification channels (add one under notifications.channels in your config)")
        return
    table(
        ["NAME", "TYPE", "WHERE", "EVENTS", "QUIET", "BURST", *(s.value.upper() for s in _COUNTED)],
        [
            [
                c.name,
                c.type,
                c.where,
                ",".join(c.events),
                c.quiet_hours,
                "on" if c.burst else "off",
                *(c.counts.get(s.value, 0) for s in _COUNTED),
            ]
            for c in found
        ],
    )
