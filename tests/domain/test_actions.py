"""The actions a task or an instance allows in each state (domain/actions.py): the table the
services refuse by and the API offers from."""

from __future__ import annotations

from cc_orchestrator.domain.actions import (
    InstanceAction,
    TaskAction,
    instance_actions,
    instance_refusal,
    task_actions,
    task_refusal,
)
from cc_orchestrator.domain.models import Instance, Task
from cc_orchestrator.domain.models import InstanceStatus as S
from cc_orchestrator.domain.models import TaskStatus as T
from cc_orchestrator.domain.questions import Question

ALWAYS = ["edit", "depend_on"]
TASKS: dict[T, list[str]] = {
    T.PENDING: ["cancel", "edit", "edit_prompt", "depend_on"],
    T.READY: ["start", "cancel", "edit", "edit_prompt", "depend_on"],
    T.RUNNING: ["cancel", *ALWAYS],
    T.NEEDS_INPUT: ["cancel", *ALWAYS],
    T.REVIEW: ["approve", "reject", "cancel", *ALWAYS],
    T.DONE: ALWAYS,
    T.FAILED: ["cancel", "retry", "edit", "edit_prompt", "depend_on"],
    T.CANCELLED: ["retry", "edit", "edit_prompt"],
    T.BLOCKED: ["cancel", "retry", "edit", "edit_prompt", "depend_on"],
}


def task(status: T, **values: object) -> Task:
    return Task(
        id="t1",
        title="x",
        prompt="x",
        status=status,
        instance_id="i1",
        **values,  # type: ignore[arg-type]
    )


def instance(status: S, mode: str = "interactive", **values: object) -> Instance:
    return Instance(
        id="i1",
        name="i1",
        agent="claude",
        mode=mode,
        status=status,
        session_name="cco-i1",
        **{"worktree_id": "w1", **values},  # type: ignore[arg-type]
    )


def test_every_task_status_has_its_actions() -> None:
    assert set(TASKS) == set(T)
    for status, wanted in TASKS.items():
        order = [a.value for a in TaskAction]
        assert task_actions(task(status)) == sorted(wanted, key=order.index), status


def test_a_task_being_approved_can_only_finish_its_approve() -> None:
    approving = task(T.REVIEW, approve_plan={"how": "merge"})
    assert "cancel" not in task_actions(approving) and "reject" not in task_actions(approving)
    assert "approve" in task_actions(approving)
    refusal = task_refusal(approving, TaskAction.CANCEL)
    assert refusal is not None and "being approved" in refusal.message
    assert refusal.hint == "finish it: cco tasks approve t1"


def test_a_review_without_its_agent_cannot_be_rejected() -> None:
    alone = Task(id="t1", title="x", prompt="x", status=T.REVIEW)
    assert "reject" not in task_actions(alone) and "approve" in task_actions(alone)


def test_refusals_say_why() -> None:
    pending = task(T.PENDING, status_reason="waiting for t0")
    refusal = task_refusal(pending, TaskAction.START)
    assert refusal is not None and refusal.message == "task t1 is waiting for t0"
    refusal = task_refusal(task(T.DONE), TaskAction.CANCEL)
    assert refusal is not None and refusal.message == "task t1 is already done"
    refusal = task_refusal(task(T.CANCELLED), TaskAction.DEPEND_ON)
    assert refusal is not None and "can never finish" in refusal.message


def asking(channel: str = "hook", answered: str | None = None) -> Question:
    return Question(id="1.2", tool="Bash", command="ls", channel=channel, answered=answered)


INSTANCES: dict[S, list[str]] = {
    S.STARTING: ["force_send", "stop", "restart"],
    S.IDLE: ["send", "force_send", "stop", "restart"],
    S.WORKING: ["force_send", "stop", "restart"],
    S.WAITING_INPUT: ["send", "force_send", "stop", "restart"],  # asks nothing cco read
    S.EXITED: ["stop", "restart"],
    S.FAILED: ["stop", "restart"],
    S.STOPPED: ["restart"],
}


def test_every_instance_status_has_its_actions() -> None:
    assert set(INSTANCES) == set(S)
    for status, wanted in INSTANCES.items():
        assert instance_actions(instance(status)) == wanted, status


def test_a_question_is_answered_not_typed_into() -> None:
    waiting = instance(S.WAITING_INPUT, question=asking())
    assert instance_actions(waiting) == ["force_send", "answer", "stop", "restart"]
    refusal = instance_refusal(waiting, InstanceAction.SEND)
    assert refusal is not None and "asking permission (Bash: ls)" in refusal.message
    answered = instance(S.WAITING_INPUT, question=asking(answered="Allow once (hook)"))
    assert instance_actions(answered) == ["send", "force_send", "stop", "restart"]
    unread = instance(S.WAITING_INPUT, question=asking(channel="none"))
    assert "answer" not in instance_actions(unread)
    assert "send" in instance_actions(unread)  # nothing read to pick from by mistake


def test_a_headless_agent_takes_a_prompt_whenever_it_lives() -> None:
    assert instance_actions(instance(S.WORKING, mode="headless")) == [
        "send",
        "force_send",
        "stop",
        "restart",
    ]


def test_a_restart_needs_its_worktree() -> None:
    assert "restart" not in instance_actions(instance(S.STOPPED), has_worktree=False)
    refusal = instance_refusal(instance(S.STOPPED, worktree_id=None), InstanceAction.RESTART)
    assert refusal is not None and refusal.message == "instance i1 has no worktree"
