"""Applying what one look found: the agent's observations folded through the status machine,
then stored with the adapter's new cursor and the events they make, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cc_orchestrator.config import InstancesConfig
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.models import Instance, InstanceStatus, NewEvent
from cc_orchestrator.domain.observations import Observation, Observed, TurnResult
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import HookTx, Tx

log = get_logger("cco.instances")
S = InstanceStatus
EventOf = Callable[[Instance], NewEvent]


@dataclass
class Pending:
    """What one sync found for one instance, applied in a single write transaction."""

    instance: Instance
    status: InstanceStatus
    changes: list[tuple[InstanceStatus, str]] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)
    notes: list[EventOf] = field(default_factory=list)
    no_restart: bool = False  # failed because cco could not look at it: a restart would too

    def move(
        self, change: machine.Change | None, only_from: frozenset[InstanceStatus] | None = None
    ) -> None:
        if change is None:
            return
        new = change.status
        if new is None or new == self.status or not machine.can_move(self.status, new):
            return
        if only_from is not None and self.status not in only_from:
            return
        self.changes.append((new, change.reason))
        self.status = new

    def current(self, name: str) -> Any:
        return self.updates.get(name, getattr(self.instance, name))

    def take(self, observed: Observed) -> None:
        """The adapter's observations, in order, and its cursor after them."""
        for seen in observed.observations:
            self.observe(seen)
        if observed.state != self.instance.agent_state:
            self.updates["agent_state"] = observed.state

    def observe(self, seen: Observation) -> None:
        if seen.session_id and seen.session_id != self.current("agent_session_id"):
            self.updates["agent_session_id"] = seen.session_id
        if seen.transcript and seen.transcript != self.current("transcript"):
            self.updates["transcript"] = seen.transcript
        for name in ("turns", "input_tokens", "output_tokens"):
            delta = getattr(seen, name)
            if delta:
                self.updates[name] = self.current(name) + delta
        if seen.cost_usd:
            self.updates["cost_usd"] = round(self.current("cost_usd") + seen.cost_usd, 6)
        if seen.question is not None:
            self.updates["question"] = seen.question.to_json()
        if seen.result is not None:
            self.notes.append(_result_event(seen.result))
        self.move(seen.change, seen.only_from)

    @property
    def found(self) -> bool:
        return bool(self.changes or self.updates or self.notes)


def _result_event(result: TurnResult) -> EventOf:
    def event(inst: Instance) -> NewEvent:
        return events.instance_result(
            inst,
            is_error=result.is_error,
            num_turns=result.num_turns,
            cost_usd=result.cost_usd,
            subtype=result.subtype,
        )

    return event


def dialog_event(answered: str) -> EventOf:
    return lambda inst: events.instance_dialog(inst, answered)


def apply(tx: HookTx | Tx, p: Pending, now: datetime, policy: InstancesConfig) -> None:
    """Store what the look found: the final status (and a restart's time when it failed and
    the policy says so), one instance.status event per change, then its other events."""
    inst = p.instance
    values = dict(p.updates)
    if p.changes:
        final, reason = p.changes[-1]
        if final != S.WAITING_INPUT and (inst.question or values.get("question")):
            values["question"] = None  # the question is over (answered, or it moved on)
        values.update(status=final, status_reason=reason, status_at=now)
        if (
            final == S.FAILED
            and not p.no_restart
            and not inst.stop_requested
            and policy.restart == "on_failure"
            and inst.restarts < policy.max_restarts
        ):
            delay = policy.restart_backoff_s * (2**inst.restarts)
            values["restart_after"] = now + timedelta(seconds=delay)
    tx.set_instance(inst.id, **values)
    updated = replace(inst, **values)
    previous = inst.status
    for status, reason in p.changes:
        tx.append_event(events.instance_status(updated, status, reason, previous=previous))
        log.info(
            "instance.status",
            instance_id=inst.id,
            task_id=inst.task_id,
            status=status.value,
            previous=previous.value,
            reason=reason,
        )
        previous = status
    for event_of in p.notes:
        tx.append_event(event_of(updated))
