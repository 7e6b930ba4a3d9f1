"""The payload of each kind of event, as a TypedDict (see domain/events.py).

`NotRequired` marks a field that may be absent; a status field is its enum's value (the
annotation names the enum, so the generated dashboard types and docs list its values).
"""

from typing import Annotated, Literal, NotRequired, Protocol, TypedDict

from cc_orchestrator.domain.links import InboxStatus
from cc_orchestrator.domain.models import InstanceStatus, TaskStatus
from cc_orchestrator.domain.questions import ChoiceKind

Entity = Literal[
    "task", "instance", "worktree", "repository", "daemon", "delivery", "webhook", "backup"
]

# A status as stored in an event: its enum's value (the annotation says which enum).
TaskStatusName = Annotated[str, TaskStatus]
InstanceStatusName = Annotated[str, InstanceStatus]
InboxStatusName = Annotated[str, InboxStatus]


# ---------------------------------------------------------------------------- repositories
class RepoAdded(TypedDict):
    """A repository was first used (by a worktree, an instance or a task)."""

    path: str


# ------------------------------------------------------------------------------- worktrees
class WorktreeCreated(TypedDict):
    """A worktree is ready: git made it, its merges and its setup command succeeded."""

    worktree_id: str
    path: str
    branch: str
    base: str
    repo: str


class WorktreeRemoved(TypedDict):
    """A worktree is gone: removed, undone after a failed creation, or cleaned up."""

    worktree_id: str
    path: str
    reason: str
    notes: list[str]


# ----------------------------------------------------------------------------------- tasks
class TaskData(TypedDict):
    task_id: str


class TaskCreated(TaskData):
    """A task was added."""

    status: TaskStatusName
    title: str
    depends_on: list[str]


class TaskEdited(TaskData):
    """A task's fields were changed (`fields` names them)."""

    fields: list[str]


class TaskStatusChanged(TaskData):
    """A task moved from one status to another, and why."""

    status: TaskStatusName
    previous: TaskStatusName
    reason: str


class PermissionDenial(TypedDict):
    tool: str
    detail: str


class TaskResult(TaskData):
    """A task's agent finished its turn: what its branch holds now."""

    committed_leftovers: bool
    commits_ahead: int
    files_changed: int
    cost_usd: float
    permission_denials: list[PermissionDenial]


class TaskRestartStart(TaskData):
    """A task is started again: its start before was interrupted before its agent ran."""

    reason: str


class TaskApproving(TaskData):
    """An approve was recorded before it merges: how, into which branch, which commit."""

    how: str
    into: str | None
    branch: str
    tip: str
    remove_worktree: bool
    reason: str | None


class TaskApproved(TaskData):
    """A task was approved: merged (or left for a pull request), its worktree removed."""

    merged_into: str | None
    branch: str | None
    notes: list[str]


class TaskOverBudget(TaskData):
    """The task's agent spent more than the task's budget: it is stopped and the task failed."""

    cost_usd: float
    max_cost_usd: float


class TaskApproveFailed(TaskData):
    """An approve gave up before merging anything: the task is in review as before."""


# ------------------------------------------------------------------------------- instances
class InstanceData(TypedDict):
    instance_id: str
    name: str
    task_id: NotRequired[str]  # when the instance runs a task


class InstanceCreated(InstanceData):
    """An instance was recorded, before its worktree and session exist."""

    status: InstanceStatusName
    agent: str
    mode: str


class InstanceStarted(InstanceData):
    """An instance's tmux session runs its agent in its worktree."""

    session: str
    worktree_id: str
    path: str


class InstanceStatusChanged(InstanceData):
    """An instance's status changed, and why (`restarts` when it was restarted)."""

    status: InstanceStatusName
    previous: NotRequired[InstanceStatusName]
    reason: str
    restarts: NotRequired[int]


class InstanceInput(InstanceData):
    """Text was typed into an instance (its length only, never the text)."""

    chars: int
    answered: bool


class InstanceResult(InstanceData):
    """A headless turn's result, as its agent reported it."""

    is_error: bool
    num_turns: int | None
    cost_usd: float | None
    subtype: str | None


class InstanceDialog(InstanceData):
    """cco answered one of the agent's own start-up dialogs (trust this folder, say)."""

    answered: str


class InstanceRestartFailed(InstanceData):
    """An automatic restart after a failure could not start the agent."""

    error: str


class InstanceAnswered(InstanceData):
    """A permission question was answered: which choice, through which channel, by whom."""

    question_id: str
    tool: str
    subject: str
    decision: Literal["allow", "deny", "choice"]
    choice: str
    label: str
    kind: ChoiceKind
    via: Literal["hook", "keys"]
    by: str
    message: bool


# ---------------------------------------------------------------------------- the daemon
class DaemonUnhealthy(TypedDict):
    """The daemon found it had died without stopping (what: crashed), or its passes keep
    failing (what: failing, with the error); entity_id is the daemon's host:pid."""

    what: Literal["crashed", "failing"]
    pid: int
    reason: str


# ---------------------------------------------------------------------------- deliveries
class DeliveryFailed(TypedDict):
    """A notification (or other outside delivery) was refused for good or not taken in
    time; `cco notifications retry` sends it again."""

    delivery_id: int
    subscriber: str
    channel: str
    kind: str
    error: str


# ------------------------------------------------------------------------------ webhooks
class WebhookReceived(TypedDict):
    """A webhook delivery was stored in the inbox (entity_id: its delivery id, as the sender
    gave it): pending, for the daemon to apply, or ignored (an event cco does not apply, such as
    ping). A redelivery of the same id stores nothing and records no event."""

    source: str
    event: str
    action: str | None
    status: InboxStatusName


class ToolDenial(Protocol):
    """A tool call the agent was refused (what task.result's denials are made from)."""

    @property
    def tool(self) -> str: ...
    @property
    def detail(self) -> str: ...
