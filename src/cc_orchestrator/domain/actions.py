"""What a user may do to a task or an instance in its current state. Pure rules, one per
action: the services refuse an action with the Conflict these return, and the API offers
exactly the actions they allow (so a client never re-encodes the status rules).

A refusal here depends only on the record itself. What only the moment can tell (a free slot,
a dirty worktree, the agent's live screen, a removed branch) is refused by the service on top.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain import tasks as trules
from cc_orchestrator.domain.errors import CcoError, Conflict, InvalidInput
from cc_orchestrator.domain.models import Instance, Task
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.domain.models import TaskStatus as T
from cc_orchestrator.domain.questions import NOT_SEEN as NOT_SEEN  # re-exported


class TaskAction(enum.StrEnum):
    START = "start"  # start now, ahead of the queue
    APPROVE = "approve"  # merge its branch into its base
    REJECT = "reject"  # send feedback to its agent
    CANCEL = "cancel"
    RETRY = "retry"  # run it again, in a new instance
    EDIT = "edit"  # its title, priority and labels
    EDIT_PROMPT = "edit_prompt"  # its prompt, base and dependencies
    DEPEND_ON = "depend_on"  # be named as a dependency of a new or edited task


class InstanceAction(enum.StrEnum):
    SEND = "send"  # type a prompt, taken as it is
    FORCE_SEND = "force_send"  # type it anyway (while it works or into its dialog)
    ANSWER = "answer"  # answer the question it asks
    STOP = "stop"
    RESTART = "restart"  # run the agent again in its worktree, resuming its conversation


RETRYABLE = frozenset({T.FAILED, T.CANCELLED, T.BLOCKED})
PROMPT_EDITABLE = frozenset({*trules.OPEN, T.BLOCKED, T.FAILED, T.CANCELLED})
ENDED = frozenset({T.DONE, T.CANCELLED})
BUSY = frozenset({S.WORKING, S.STARTING})


def _approving(task: Task) -> Conflict | None:
    if task.approve_plan is None:
        return None
    return Conflict(
        f"task {task.id} is being approved (its merge may be done already)",
        hint=f"finish it: cco tasks approve {task.id}",
    )


def dependency_refusal(task_id: str, status: T) -> CcoError | None:
    """Why a task in this status cannot be a new dependency (it could never finish)."""
    if status == T.CANCELLED:
        return InvalidInput(
            f"task {task_id} is cancelled, so it can never finish",
            hint=f"retry it first: cco tasks retry {task_id}",
        )
    return None


def _start(task: Task) -> CcoError | None:
    if task.status == T.PENDING:
        return Conflict(
            f"task {task.id} is {task.status_reason}", hint="it starts by itself when they finish"
        )
    if task.status != T.READY:
        return Conflict(f"task {task.id} is {task.status.value}; only a ready task starts")
    return None


def _approve(task: Task) -> CcoError | None:
    if task.status != T.REVIEW:
        return Conflict(
            f"task {task.id} is {task.status.value}; only a task in review can be approved"
        )
    return None


def _reject(task: Task) -> CcoError | None:
    if task.status != T.REVIEW or task.instance_id is None:
        return Conflict(
            f"task {task.id} is {task.status.value}; only a task in review can be rejected"
        )
    return _approving(task)


def _cancel(task: Task) -> CcoError | None:
    if task.status in ENDED:
        return Conflict(f"task {task.id} is already {task.status.value}")
    return _approving(task)


def _retry(task: Task) -> CcoError | None:
    if task.status not in RETRYABLE:
        return Conflict(
            f"task {task.id} is {task.status.value}; only failed, cancelled or blocked tasks "
            "can be retried"
        )
    return None


def _edit(_task: Task) -> CcoError | None:
    return None


def _edit_prompt(task: Task) -> CcoError | None:
    if task.status not in PROMPT_EDITABLE:
        return Conflict(
            f"task {task.id} is {task.status.value}; its prompt, base and dependencies can "
            "change only before it starts",
            hint="cancel it first, or reject it with feedback",
        )
    return None


def _depend_on(task: Task) -> CcoError | None:
    return dependency_refusal(task.id, task.status)


_TASK_RULES: dict[TaskAction, Callable[[Task], CcoError | None]] = {
    TaskAction.START: _start,
    TaskAction.APPROVE: _approve,
    TaskAction.REJECT: _reject,
    TaskAction.CANCEL: _cancel,
    TaskAction.RETRY: _retry,
    TaskAction.EDIT: _edit,
    TaskAction.EDIT_PROMPT: _edit_prompt,
    TaskAction.DEPEND_ON: _depend_on,
}


def task_refusal(task: Task, action: TaskAction) -> CcoError | None:
    """Why this task refuses the action now, or None when it allows it."""
    return _TASK_RULES[action](task)


def instance_refusal(
    inst: Instance, action: InstanceAction, *, has_worktree: bool = True
) -> Conflict | None:
    """Why this instance refuses the action now, or None when it allows it.

    has_worktree: whether its worktree is still there (a restart runs the agent in it)."""
    if action in (InstanceAction.SEND, InstanceAction.FORCE_SEND):
        if inst.status in imachine.TERMINAL:
            return Conflict(
                f"instance {inst.id} has {inst.status.value}",
                hint=f"restart it first: cco instances restart {inst.id}",
            )
        if action is InstanceAction.FORCE_SEND or inst.mode == "headless":
            return None  # a headless agent takes a prompt once its turn is over (a live look)
        if inst.status in BUSY:
            return Conflict(
                f"instance {inst.id} is {inst.status.value}; text typed now could be lost",
                hint="wait until it is idle or waiting_input, or pass --force",
            )
        asked = inst.question if inst.status == S.WAITING_INPUT else None
        if asked is not None and asked.channel != "none" and not asked.answered:
            # Never type into a dialog cco has not read: a digit there picks whatever that
            # agent's option N is ("2" is "Yes, and don't ask again" in Claude Code).
            return Conflict(
                f"instance {inst.id} is asking permission ({asked.subject}); typed text would "
                "pick one of its dialog's options",
                hint=f"answer it: cco instances answer {inst.id} --allow | --deny [--message TEXT]"
                f" (`cco instances answer {inst.id}` lists its choices), or pass --force to "
                "type into the dialog anyway",
            )
        return None
    if action is InstanceAction.ANSWER:
        return answer_refusal(inst)
    if action is InstanceAction.STOP:
        if inst.status == S.STOPPED:
            # the service takes it (a no-op, or the worktree removed too): nothing to offer
            return Conflict(f"instance {inst.id} is stopped already")
        return None
    if inst.worktree_id is None:
        return Conflict(f"instance {inst.id} has no worktree")
    if not has_worktree:
        return Conflict(
            f"the worktree of instance {inst.id} was removed", hint="spawn a new instance"
        )
    return None


def answer_refusal(inst: Instance, question_id: str | None = None) -> Conflict | None:
    """Why the instance takes no answer now (question_id: the one the user answers)."""
    if inst.status != S.WAITING_INPUT:
        return Conflict(
            f"instance {inst.id} is not waiting for an answer (it is {inst.status.value})",
            hint="nothing was typed; `cco instances list` shows who waits",
        )
    q = inst.question
    if q is None or (q.channel == "none" and not q.choices):
        why = (q.reason if q is not None else None) or NOT_SEEN
        return Conflict(
            f"cco cannot answer instance {inst.id}: {why.replace('ID', inst.id)}",
            hint=f"answer in the terminal: cco instances attach {inst.id}",
        )
    if question_id is not None and question_id != q.id:
        return Conflict(
            f"instance {inst.id} asks another question now ({q.subject})",
            hint="nothing was typed; read the new question and answer that one",
        )
    if q.answered:
        return Conflict(
            f"instance {inst.id}'s question was already answered: {q.answered}",
            hint="wait for the agent to go on",
        )
    return None


def is_finished(task: Task) -> bool:
    """Done or cancelled: nothing is left to do for it (only its title can still change)."""
    return task.status in ENDED


def check_task(task: Task, action: TaskAction) -> None:
    refusal = task_refusal(task, action)
    if refusal is not None:
        raise refusal


def check_instance(inst: Instance, action: InstanceAction, *, has_worktree: bool = True) -> None:
    refusal = instance_refusal(inst, action, has_worktree=has_worktree)
    if refusal is not None:
        raise refusal


def task_actions(task: Task) -> list[TaskAction]:
    """What the task allows now, in a stable order."""
    return [action for action, rule in _TASK_RULES.items() if rule(task) is None]


def instance_actions(inst: Instance, *, has_worktree: bool = True) -> list[InstanceAction]:
    """What the instance allows now, in a stable order."""
    return [
        a for a in InstanceAction if instance_refusal(inst, a, has_worktree=has_worktree) is None
    ]
