"""What holds a task's agent at the end of a turn instead of taking the task to review, and
what is typed into its conversation then (part of the daemon's follow pass, task_follow.py).

At the end of a turn (its agent idle, or a headless run exited), in this order:
1. it asked for review (request_review): nothing holds it;
2. messages wait for it (send_message, a person's): they are typed in as one user turn;
3. tasks it made with `wait` (waiting_for) are not finished: it is parked (its instance then
   holds no slot of instances.max_running) until they are;
4. they are finished: cco tells it how each ended, as one user turn.

The text is typed first and recorded after: a kill -9 between the two types it again after
the restart (a message read twice), never loses it and never leaves an agent parked forever.
"""

from __future__ import annotations

from cc_orchestrator.domain import events
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.models import (
    Instance,
    InstanceStatus,
    Message,
    MessageStatus,
    Task,
    TaskStatus,
)
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.services.instances import InstanceService

log = get_logger("cco.coordination")
T = TaskStatus
SETTLED = frozenset({*rules.FINISHED, T.FAILED, T.CANCELLED, T.BLOCKED})


def _result_line(task: Task) -> str:
    bits = [f"- {task.id} ({task.title}): {task.status.value}"]
    if task.status_reason:
        bits.append(f" ({task.status_reason})")
    if task.branch and task.status in rules.FINISHED:
        bits.append(f", branch {task.branch}")
    if task.summary:
        bits.append(f"; its summary: {task.summary}")
    return "".join(bits)


def wake_text(finished: list[Task]) -> str:
    lines = "\n".join(_result_line(t) for t in finished)
    return (
        "[cco] The tasks you waited for are finished:\n"
        f"{lines}\n"
        "Use get_task for details, then carry on with your task."
    )


def turn_text(messages: list[Message]) -> str:
    """Messages as one user turn, each saying who sent it."""
    parts = []
    for msg in messages:
        if msg.kind == "wake":
            parts.append(msg.text)
        elif msg.from_task_id:
            parts.append(f"[cco] Message from the agent of task {msg.from_task_id}:\n{msg.text}")
        else:
            parts.append(f"[cco] Message from the person:\n{msg.text}")
    return "\n\n".join(parts)


class Holds:
    def __init__(self, *, store: Store, instances: InstanceService) -> None:
        self.store = store
        self.instances = instances

    def hold(self, task: Task, inst: Instance) -> bool:
        """Whether this end of a turn does not take the task to review (see the module)."""
        if task.summary:
            return False
        with self.store.read() as tx:
            pending = tx.pending_messages(task.id)
            statuses = tx.task_statuses(task.waiting_for) if task.waiting_for else {}
        if pending:
            self._deliver(task, inst, pending)
            return True
        unfinished = sorted(w for w, s in statuses.items() if s not in SETTLED)
        if unfinished:
            if not task.parked:
                with self.store.write() as tx:
                    updated = tx.update_task(task.id, parked=True)
                    reason = "waiting for its subtasks " + ", ".join(unfinished)
                    tx.append_event(events.task_waiting(updated, unfinished, reason))
            return True
        if task.waiting_for:
            with self.store.write() as tx:
                finished = [t for t in (tx.task(k) for k in task.waiting_for) if t is not None]
                wake = tx.add_message(
                    to_task_id=task.id, sender="cco", kind="wake", text=wake_text(finished)
                )
                updated = tx.update_task(task.id, waiting_for=[], parked=False)
                tx.append_event(events.task_message(wake))
                tx.append_event(events.task_waiting(updated, [], "its subtasks are finished"))
            self._deliver(updated, inst, [wake])
            return True
        return False

    def _deliver(self, task: Task, inst: Instance, messages: list[Message]) -> None:
        text = turn_text(messages)
        if inst.mode != "headless" and inst.status == InstanceStatus.IDLE:
            self.instances.send(inst.id, text)
        else:  # a headless run (or an agent that exited at its turn's end): resume it
            self.instances.restart(inst.id, reason="messages for it", prompt=text)
        ids = [m.id for m in messages]
        with self.store.write() as tx:
            tx.settle_messages(ids, MessageStatus.DELIVERED)
            # the turn it starts now is the one that counts (as after a rejection)
            tx.update_task(task.id, turns_at_start=inst.turns, parked=False)
            tx.append_event(events.task_messages_delivered(task.id, ids))
        log.info("coordination.delivered", task_id=task.id, messages=len(ids))

    def tidy(self) -> None:
        """Messages to tasks that ended are dropped (nobody will read them); a pass with
        none writes nothing."""
        with self.store.read() as tx:
            if not tx.count_messages_of_finished():
                return
        with self.store.write() as tx:
            tx.drop_messages_of_finished()
