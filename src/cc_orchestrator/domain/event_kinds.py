"""The registry of event kinds (name, entity, payload) and the check of an event against it.

See domain/events.py for the vocabulary as a whole and the constructors.
"""

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal, NotRequired

from cc_orchestrator.domain.event_payloads import (
    DaemonUnhealthy,
    DeliveryFailed,
    Entity,
    InstanceAnswered,
    InstanceCreated,
    InstanceDialog,
    InstanceInput,
    InstanceRestartFailed,
    InstanceResult,
    InstanceStarted,
    InstanceStatusChanged,
    RepoAdded,
    TaskApproved,
    TaskApproveFailed,
    TaskApproving,
    TaskCreated,
    TaskEdited,
    TaskOverBudget,
    TaskRestartStart,
    TaskResult,
    TaskStatusChanged,
    WebhookReceived,
    WorktreeCreated,
    WorktreeRemoved,
)
from cc_orchestrator.domain.event_payloads_backup import BackupFailed, BackupMade, BackupRestored
from cc_orchestrator.domain.event_payloads_links import (
    TaskLinked,
    TaskPrChecks,
    TaskPrClosed,
    TaskPrFeedback,
    TaskPrOpened,
    TaskPrPushed,
    TaskPrRequested,
    TaskPrUpdated,
)
from cc_orchestrator.domain.event_payloads_mcp import (
    TaskMessage,
    TaskMessagesDelivered,
    TaskMessageSent,
    TaskProgress,
    TaskReviewRequested,
    TaskSubtask,
    TaskWaiting,
)


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: Any  # its annotation, as written in the payload
    required: bool


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    entity: Entity
    payload: type[Any]  # a TypedDict

    @property
    def doc(self) -> str:
        return " ".join((self.payload.__doc__ or "").split())

    @property
    def fields(self) -> tuple[Field, ...]:
        hints = typing.get_type_hints(self.payload, include_extras=True)
        required: frozenset[str] = self.payload.__required_keys__
        return tuple(
            Field(name, _strip_not_required(hint), name in required) for name, hint in hints.items()
        )


def _strip_not_required(hint: Any) -> Any:
    return typing.get_args(hint)[0] if typing.get_origin(hint) is NotRequired else hint


REPO_ADDED = Kind("repo.added", "repository", RepoAdded)
WORKTREE_CREATED = Kind("worktree.created", "worktree", WorktreeCreated)
WORKTREE_REMOVED = Kind("worktree.removed", "worktree", WorktreeRemoved)
TASK_CREATED = Kind("task.created", "task", TaskCreated)
TASK_EDITED = Kind("task.edited", "task", TaskEdited)
TASK_STATUS = Kind("task.status", "task", TaskStatusChanged)
TASK_RESULT = Kind("task.result", "task", TaskResult)
TASK_RESTART_START = Kind("task.restart_start", "task", TaskRestartStart)
TASK_APPROVING = Kind("task.approving", "task", TaskApproving)
TASK_APPROVED = Kind("task.approved", "task", TaskApproved)
TASK_APPROVE_FAILED = Kind("task.approve_failed", "task", TaskApproveFailed)
TASK_OVER_BUDGET = Kind("task.over_budget", "task", TaskOverBudget)
TASK_LINKED = Kind("task.linked", "task", TaskLinked)
TASK_PR_REQUESTED = Kind("task.pr_requested", "task", TaskPrRequested)
TASK_PR_OPENED = Kind("task.pr_opened", "task", TaskPrOpened)
TASK_PR_PUSHED = Kind("task.pr_pushed", "task", TaskPrPushed)
TASK_PR_UPDATED = Kind("task.pr_updated", "task", TaskPrUpdated)
TASK_PR_CHECKS = Kind("task.pr_checks", "task", TaskPrChecks)
TASK_PR_FEEDBACK = Kind("task.pr_feedback", "task", TaskPrFeedback)
TASK_PR_CLOSED = Kind("task.pr_closed", "task", TaskPrClosed)
TASK_SUBTASK = Kind("task.subtask", "task", TaskSubtask)
TASK_MESSAGE = Kind("task.message", "task", TaskMessage)
TASK_MESSAGE_SENT = Kind("task.message_sent", "task", TaskMessageSent)
TASK_MESSAGES_DELIVERED = Kind("task.messages_delivered", "task", TaskMessagesDelivered)
TASK_PROGRESS = Kind("task.progress", "task", TaskProgress)
TASK_WAITING = Kind("task.waiting", "task", TaskWaiting)
TASK_REVIEW_REQUESTED = Kind("task.review_requested", "task", TaskReviewRequested)
DAEMON_UNHEALTHY = Kind("daemon.unhealthy", "daemon", DaemonUnhealthy)
DELIVERY_FAILED = Kind("delivery.failed", "delivery", DeliveryFailed)
WEBHOOK_RECEIVED = Kind("webhook.received", "webhook", WebhookReceived)
BACKUP_MADE = Kind("backup.made", "backup", BackupMade)
BACKUP_FAILED = Kind("backup.failed", "backup", BackupFailed)
BACKUP_RESTORED = Kind("backup.restored", "backup", BackupRestored)
INSTANCE_CREATED = Kind("instance.created", "instance", InstanceCreated)
INSTANCE_STARTED = Kind("instance.started", "instance", InstanceStarted)
INSTANCE_STATUS = Kind("instance.status", "instance", InstanceStatusChanged)
INSTANCE_INPUT = Kind("instance.input", "instance", InstanceInput)
INSTANCE_RESULT = Kind("instance.result", "instance", InstanceResult)
INSTANCE_DIALOG = Kind("instance.dialog", "instance", InstanceDialog)
INSTANCE_RESTART_FAILED = Kind("instance.restart_failed", "instance", InstanceRestartFailed)
INSTANCE_ANSWERED = Kind("instance.answered", "instance", InstanceAnswered)

KINDS: Mapping[str, Kind] = types.MappingProxyType(
    {
        k.name: k
        for k in (
            REPO_ADDED,
            WORKTREE_CREATED,
            WORKTREE_REMOVED,
            TASK_CREATED,
            TASK_EDITED,
            TASK_STATUS,
            TASK_RESULT,
            TASK_RESTART_START,
            TASK_APPROVING,
            TASK_APPROVED,
            TASK_APPROVE_FAILED,
            TASK_OVER_BUDGET,
            TASK_LINKED,
            TASK_PR_REQUESTED,
            TASK_PR_OPENED,
            TASK_PR_PUSHED,
            TASK_PR_UPDATED,
            TASK_PR_CHECKS,
            TASK_PR_FEEDBACK,
            TASK_PR_CLOSED,
            TASK_SUBTASK,
            TASK_MESSAGE,
            TASK_MESSAGE_SENT,
            TASK_MESSAGES_DELIVERED,
            TASK_PROGRESS,
            TASK_WAITING,
            TASK_REVIEW_REQUESTED,
            INSTANCE_CREATED,
            INSTANCE_STARTED,
            INSTANCE_STATUS,
            INSTANCE_INPUT,
            INSTANCE_RESULT,
            INSTANCE_DIALOG,
            INSTANCE_RESTART_FAILED,
            INSTANCE_ANSWERED,
            DAEMON_UNHEALTHY,
            DELIVERY_FAILED,
            WEBHOOK_RECEIVED,
            BACKUP_MADE,
            BACKUP_FAILED,
            BACKUP_RESTORED,
        )
    }
)


def kinds_of(entity: Entity) -> list[Kind]:
    return [k for k in KINDS.values() if k.entity == entity]


# ------------------------------------------------------------------------------ validation
def problems(kind: str, entity_type: str, data: Mapping[str, Any]) -> list[str]:
    """What is wrong with an event against its kind's definition (nothing: an empty list)."""
    known = KINDS.get(kind)
    if known is None:
        return [f"unknown event kind {kind!r}"]
    found = []
    if entity_type != known.entity:
        found.append(f"{kind}: entity {entity_type!r}, not {known.entity!r}")
    fields = {f.name: f for f in known.fields}
    for name in sorted(set(data) - set(fields)):
        found.append(f"{kind}: field {name!r} is not in its definition")
    for f in known.fields:
        if f.name not in data:
            if f.required:
                found.append(f"{kind}: field {f.name!r} is missing")
        elif not fits(data[f.name], f.type):
            found.append(f"{kind}: field {f.name!r} = {data[f.name]!r} is not {type_text(f.type)}")
    return found


def fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value (as stored, or about to be) is of this annotation's type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        allowed = args[1]
        return fits(value, args[0]) and value in {m.value for m in allowed}
    if origin is Literal:
        return value in args
    if origin in (types.UnionType, typing.Union):
        return any(fits(value, a) for a in args)
    if origin is list:
        return isinstance(value, list) and all(fits(v, args[0]) for v in value)
    if hint is type(None):
        return value is None
    if typing.is_typeddict(hint):
        return isinstance(value, dict) and not problems_of_shape(value, hint)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    raise TypeError(f"no rule for {hint!r}")


def problems_of_shape(value: Mapping[str, Any], payload: type[Any]) -> list[str]:
    hints = typing.get_type_hints(payload, include_extras=True)
    required: frozenset[str] = payload.__required_keys__
    found = [f"{k!r} is not in its definition" for k in value if k not in hints]
    for name, hint in hints.items():
        if name not in value:
            if name in required:
                found.append(f"{name!r} is missing")
        elif not fits(value[name], _strip_not_required(hint)):
            found.append(f"{name!r} is not {type_text(hint)}")
    return found


def type_text(hint: Any) -> str:
    """An annotation in words a reader of docs/events.md knows (JSON's types)."""
    hint = _strip_not_required(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated and isinstance(args[1], type) and issubclass(args[1], enum.Enum):
        return " | ".join(f'"{m.value}"' for m in args[1])
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in args)
    if origin in (types.UnionType, typing.Union):
        return " | ".join(type_text(a) for a in args)
    if origin is list:
        return f"list of {type_text(args[0])}"
    if typing.is_typeddict(hint):
        inner = ", ".join(f"{n}: {type_text(h)}" for n, h in typing.get_type_hints(hint).items())
        return "{" + inner + "}"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
    return names[hint]
