"""What a task's instance left behind: refused tool calls, and the instance's last word once
the task has moved on (so an instance never says "task in review" after its task is done)."""

from __future__ import annotations

from datetime import UTC, datetime

from cc_orchestrator.domain.models import InstanceStatus, NewEvent
from cc_orchestrator.domain.observations import Denial
from cc_orchestrator.domain.plural import count
from cc_orchestrator.ports import Tx

S = InstanceStatus


def denial_summary(denials: list[Denial], *, limit: int = 3) -> str:
    shown = ", ".join(str(d) for d in denials[:limit])
    more = len(denials) - limit
    return shown + (f" and {count(more, 'more')}" if more > 0 else "")


def settle_instance(tx: Tx, instance_id: str | None, why: str) -> None:
    """The task is done, cancelled or retried: its ended instance says so. A failed one is
    stopped (the failure was dealt with), so the fleet's counts stop showing it as failed;
    a live one is left alone (it is stopped through InstanceService first)."""
    if not instance_id:
        return
    inst = tx.instance(instance_id)
    if inst is None or inst.status not in (S.FAILED, S.STOPPED, S.EXITED):
        return
    reason = why if inst.status != S.FAILED else f"{why} (it had failed: {inst.status_reason})"
    status = S.STOPPED if inst.status == S.FAILED else inst.status
    if inst.status_reason == reason and status == inst.status:
        return
    now = datetime.now(UTC)
    tx.update_instance(inst.id, status=status, status_reason=reason, status_at=now)
    data = {
        "instance_id": inst.id,
        "name": inst.name,
        "status": status.value,
        "previous": inst.status.value,
        "reason": reason,
    }
    if inst.task_id:
        data["task_id"] = inst.task_id
    tx.append_event(NewEvent("instance.status", "instance", inst.id, data))
