"""The payloads of what agents do to each other through the fleet's MCP server: subtasks,
messages, progress lines, waits and review requests (see domain/events.py)."""

from typing import NotRequired

from cc_orchestrator.domain.event_payloads import TaskData


class TaskSubtask(TaskData):
    """This task's agent created a subtask (create_task)."""

    subtask_id: str
    title: str
    depth: int
    waits: bool  # this task waits for it at the end of its turn


class TaskMessage(TaskData):
    """A message for this task's agent was queued (send_message, a person, or cco's wake)."""

    message_id: int
    sender: str  # "task:ID" or "user" or "cco"
    kind: str  # message | wake
    chars: int
    from_task_id: NotRequired[str]


class TaskMessageSent(TaskData):
    """This task's agent sent a message to another task's agent."""

    to_task_id: str
    message_id: int
    chars: int


class TaskMessagesDelivered(TaskData):
    """Queued messages were typed into this task's agent as one user turn."""

    message_ids: list[int]


class TaskProgress(TaskData):
    """This task's agent reported its progress (report_progress)."""

    text: str


class TaskWaiting(TaskData):
    """This task's agent waits for other tasks (empty: it stopped waiting)."""

    waiting_for: list[str]
    reason: str


class TaskReviewRequested(TaskData):
    """This task's agent asked for review with a summary (its turn's end moves it there)."""

    summary: str
