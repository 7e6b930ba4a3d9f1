"""`cco webhooks ...`: the webhook deliveries received (POST /api/webhooks/github), stored in the
inbox for the daemon to apply: pending, done, ignored (an event cco does not apply) or failed."""

from __future__ import annotations

from typing import Any

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo, echo_json, table
from cc_orchestrator.domain.links import InboxItem, InboxStatus
from cc_orchestrator.logs import redact_text

_STATUSES = [s.value for s in InboxStatus]


@click.group()
def webhooks() -> None:
    """Webhook deliveries received from GitHub: queued, applied, ignored, failed."""


def item_json(i: InboxItem) -> dict[str, Any]:
    """An inbox item as the CLI and the API show it: never its payload."""
    return {
        "id": i.id,
        "source": i.source,
        "delivery_id": i.delivery_id,
        "event": i.event,
        "action": i.action,
        "status": i.status.value,
        "received_at": i.received_at.isoformat(),
        "processed_at": i.processed_at.isoformat() if i.processed_at else None,
        "error": redact_text(i.error) if i.error else None,
    }


@webhooks.command("list")
@click.option("--status", type=click.Choice(_STATUSES), default=None, help="Only this status.")
@click.option("--source", default=None, metavar="NAME", help="Only this source (github).")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="At most."
)
@click.option("--json", "as_json_", is_flag=True, help="Print JSON.")
@pass_state
def list_(
    state: CliState, status: str | None, source: str | None, limit: int, as_json_: bool
) -> None:
    """Deliveries, newest first: id, source, delivery, event, action, status, received, error."""
    found = state.app().webhooks.list(
        status=InboxStatus(status) if status else None, source=source, limit=limit
    )
    if as_json_:
        echo_json([item_json(i) for i in found])
        return
    if not found:
        echo("no webhook deliveries" + (" that match" if status or source else " yet"))
        return
    table(
        ["ID", "SOURCE", "DELIVERY", "EVENT", "ACTION", "STATUS", "RECEIVED", "ERROR"],
        [
            [
                i.id,
                i.source,
                i.delivery_id,
                i.event,
                i.action,
                i.status,
                i.received_at,
                redact_text(i.error)[:70] if i.error else None,
            ]
            for i in found
        ],
    )
