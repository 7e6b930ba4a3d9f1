"""The events cco records, as a vocabulary: one definition per kind, one constructor per kind.

An event is `kind` (like `task.status`), the entity it is about (`entity_type`, `entity_id`)
and a payload (`data`). Each kind below says its entity and its payload's fields with their
types (a TypedDict: `NotRequired` marks a field that may be absent). The constructors are the
only place an event of a kind is built, so its payload is the same wherever it is appended,
and `KINDS` lists them all: whatever subscribes to events (the dashboard, notifications,
GitHub, Jira) reads this module, and web/src/api/events.ts and docs/events.md are generated
from it (`python -m cc_orchestrator.web.eventgen`).

Adding a kind: its payload TypedDict, its `Kind` in `KINDS`, its constructor. Changing one
after it has shipped: add fields (optional ones if old rows lack them), never rename.
"""

import dataclasses
import enum
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, Protocol, TypedDict

from cc_orchestrator.domain.models import (
    Instance,
    InstanceStatus,
    NewEvent,
    Task,
    TaskStatus,
    Worktree,
)
from cc_orchestrator.domain.questions import Answer, Choice, ChoiceKind, Question

Entity = Literal["task", "instance", "worktree", "repository"]

# A status as stored in an event: its enum's value (the annotation says which enum).
TaskStatusName = Annotated[str, TaskStatus]
InstanceStatusName = Annotated[str, InstanceStatus]


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
class _TaskData(TypedDict):
    task_id: str


class TaskCreated(_TaskData):
    """A task was added."""

    status: TaskStatusName
    title: str
    depends_on: list[str]


class TaskEdited(_TaskData):
    """A task's fields were changed (`fields` names them)."""

    fields: list[str]


class TaskStatusChanged(_TaskData):
    """A task moved from one status to another, and why."""

    status: TaskStatusName
    previous: TaskStatusName
    reason: str


class PermissionDenial(TypedDict):
    tool: str
    detail: str


class TaskResult(_TaskData):
    """A task's agent finished its turn: what its branch holds now."""

    committed_leftovers: bool
    commits_ahead: int
    files_changed: int
    cost_usd: float
    permission_denials: list[PermissionDenial]


class TaskRestartStart(_TaskData):
    """A task's agent is started again from scratch (the task was rejected or retried)."""

    reason: str


class TaskApproving(_TaskData):
    """An approve was recorded before it merges: how, into which branch, which commit."""

    how: str
    into: str | None
    branch: str
    tip: str
    remove_worktree: bool
    reason: str | None


class TaskApproved(_TaskData):
    """A task was approved: merged (or left for a pull request), its worktree removed."""

    merged_into: str | None
    branch: str | None
    notes: list[str]


class TaskApproveFailed(_TaskData):
    """An approve gave up before merging anything: the task is in review as before."""


# ------------------------------------------------------------------------------- instances
class _InstanceData(TypedDict):
    instance_id: str
    name: str
    task_id: NotRequired[str]  # when the instance runs a task


class InstanceCreated(_InstanceData):
    """An instance was recorded, before its worktree and session exist."""

    status: InstanceStatusName
    agent: str
    mode: str


class InstanceStarted(_InstanceData):
    """An instance's tmux session runs its agent in its worktree."""

    session: str
    worktree_id: str
    path: str


class InstanceStatusChanged(_InstanceData):
    """An instance's status changed, and why (`restarts` when it was restarted)."""

    status: InstanceStatusName
    previous: NotRequired[InstanceStatusName]
    reason: str
    restarts: NotRequired[int]


class InstanceInput(_InstanceData):
    """Text was typed into an instance (its length only, never the text)."""

    chars: int
    answered: bool


class InstanceResult(_InstanceData):
    """A headless turn's result, as its agent reported it."""

    is_error: bool
    num_turns: int | None
    cost_usd: float | None
    subtype: str | None


class InstanceDialog(_InstanceData):
    """cco answered one of the agent's own start-up dialogs (trust this folder, say)."""

    answered: str


class InstanceRestartFailed(_InstanceData):
    """An automatic restart after a failure could not start the agent."""

    error: str


class InstanceAnswered(_InstanceData):
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


# -------------------------------------------------------------------------------- registry
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
            INSTANCE_CREATED,
            INSTANCE_STARTED,
            INSTANCE_STATUS,
            INSTANCE_INPUT,
            INSTANCE_RESULT,
            INSTANCE_DIALOG,
            INSTANCE_RESTART_FAILED,
            INSTANCE_ANSWERED,
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


# ---------------------------------------------------------------------------- constructors
def _new(kind: Kind, entity_id: str, data: Mapping[str, Any]) -> NewEvent:
    return NewEvent(kind.name, kind.entity, entity_id, dict(data))


def repo_added(repo_id: int, path: Path) -> NewEvent:
    return _new(REPO_ADDED, str(repo_id), RepoAdded(path=str(path)))


def worktree_created(wt: Worktree, *, base: str) -> NewEvent:
    data = WorktreeCreated(
        worktree_id=wt.id,
        path=str(wt.path),
        branch=wt.branch,
        base=base,
        repo=str(wt.repo_path),
    )
    return _new(WORKTREE_CREATED, wt.id, data)


def worktree_removed(wt: Worktree, *, reason: str, notes: Sequence[str] = ()) -> NewEvent:
    data = WorktreeRemoved(worktree_id=wt.id, path=str(wt.path), reason=reason, notes=list(notes))
    return _new(WORKTREE_REMOVED, wt.id, data)


def task_created(task: Task) -> NewEvent:
    data = TaskCreated(
        task_id=task.id,
        status=task.status.value,
        title=task.title,
        depends_on=list(task.depends_on),
    )
    return _new(TASK_CREATED, task.id, data)


def task_edited(task: Task, fields: Iterable[str]) -> NewEvent:
    return _new(TASK_EDITED, task.id, TaskEdited(task_id=task.id, fields=sorted(fields)))


def task_status(task: Task, previous: TaskStatus) -> NewEvent:
    """`task` as it is now (its status and reason), `previous` the status it left."""
    data = TaskStatusChanged(
        task_id=task.id,
        status=task.status.value,
        previous=previous.value,
        reason=task.status_reason or "",
    )
    return _new(TASK_STATUS, task.id, data)


class ToolDenial(Protocol):
    @property
    def tool(self) -> str: ...
    @property
    def detail(self) -> str: ...


def task_result(
    task: Task,
    *,
    committed_leftovers: bool,
    commits_ahead: int,
    files_changed: int,
    cost_usd: float,
    permission_denials: Iterable[ToolDenial] = (),
) -> NewEvent:
    data = TaskResult(
        task_id=task.id,
        committed_leftovers=committed_leftovers,
        commits_ahead=commits_ahead,
        files_changed=files_changed,
        cost_usd=cost_usd,
        permission_denials=[
            PermissionDenial(tool=d.tool, detail=d.detail) for d in permission_denials
        ],
    )
    return _new(TASK_RESULT, task.id, data)


def task_restart_start(task: Task, reason: str) -> NewEvent:
    return _new(TASK_RESTART_START, task.id, TaskRestartStart(task_id=task.id, reason=reason))


def task_approving(
    task: Task,
    *,
    how: str,
    into: str | None,
    branch: str,
    tip: str,
    remove_worktree: bool,
    reason: str | None,
) -> NewEvent:
    data = TaskApproving(
        task_id=task.id,
        how=how,
        into=into,
        branch=branch,
        tip=tip,
        remove_worktree=remove_worktree,
        reason=reason,
    )
    return _new(TASK_APPROVING, task.id, data)


def task_approved(task: Task, *, merged_into: str | None, notes: Sequence[str]) -> NewEvent:
    data = TaskApproved(
        task_id=task.id, merged_into=merged_into, branch=task.branch, notes=list(notes)
    )
    return _new(TASK_APPROVED, task.id, data)


def task_approve_failed(task: Task) -> NewEvent:
    return _new(TASK_APPROVE_FAILED, task.id, TaskApproveFailed(task_id=task.id))


def _instance(kind: Kind, inst: Instance, data: _InstanceData) -> NewEvent:
    if inst.task_id:
        data["task_id"] = inst.task_id
    return _new(kind, inst.id, data)


def instance_created(inst: Instance) -> NewEvent:
    """`inst` as just recorded: its status, agent and mode."""
    data = InstanceCreated(
        instance_id=inst.id,
        name=inst.name,
        status=inst.status.value,
        agent=inst.agent,
        mode=inst.mode,
    )
    return _instance(INSTANCE_CREATED, inst, data)


def instance_started(inst: Instance, wt: Worktree) -> NewEvent:
    data = InstanceStarted(
        instance_id=inst.id,
        name=inst.name,
        session=inst.session_name,
        worktree_id=wt.id,
        path=str(wt.path),
    )
    return _instance(INSTANCE_STARTED, inst, data)


def instance_status(
    inst: Instance,
    status: InstanceStatus,
    reason: str,
    *,
    previous: InstanceStatus | None = None,
    restarts: int | None = None,
) -> NewEvent:
    """`status` is the new one (`inst` may be as it was before or after the change)."""
    data = InstanceStatusChanged(
        instance_id=inst.id, name=inst.name, status=status.value, reason=reason
    )
    if previous is not None:
        data["previous"] = previous.value
    if restarts is not None:
        data["restarts"] = restarts
    return _instance(INSTANCE_STATUS, inst, data)


def instance_input(inst: Instance, *, chars: int, answered: bool) -> NewEvent:
    data = InstanceInput(instance_id=inst.id, name=inst.name, chars=chars, answered=answered)
    return _instance(INSTANCE_INPUT, inst, data)


def instance_result(
    inst: Instance,
    *,
    is_error: bool,
    num_turns: int | None,
    cost_usd: float | None,
    subtype: str | None,
) -> NewEvent:
    data = InstanceResult(
        instance_id=inst.id,
        name=inst.name,
        is_error=is_error,
        num_turns=num_turns,
        cost_usd=cost_usd,
        subtype=subtype,
    )
    return _instance(INSTANCE_RESULT, inst, data)


def instance_dialog(inst: Instance, answered: str) -> NewEvent:
    data = InstanceDialog(instance_id=inst.id, name=inst.name, answered=answered)
    return _instance(INSTANCE_DIALOG, inst, data)


def instance_restart_failed(inst: Instance, error: str) -> NewEvent:
    data = InstanceRestartFailed(instance_id=inst.id, name=inst.name, error=error)
    return _instance(INSTANCE_RESTART_FAILED, inst, data)


def instance_answered(
    inst: Instance,
    *,
    question: Question,
    answer: Answer,
    picked: Choice,
    via: Literal["hook", "keys"],
) -> NewEvent:
    data = InstanceAnswered(
        instance_id=inst.id,
        name=inst.name,
        question_id=question.id,
        tool=question.tool,
        subject=question.subject,
        decision=answer.decision,
        choice=picked.key,
        label=picked.label,
        kind=typing.cast(ChoiceKind, picked.kind),
        via=via,
        by=answer.by,
        message=bool(answer.message),
    )
    return _instance(INSTANCE_ANSWERED, inst, data)
