"""The events cco records, as a vocabulary: one definition per kind, one constructor per kind.

An event is `kind` (like `task.status`), the entity it is about (`entity_type`, `entity_id`)
and a payload (`data`): its fields and types are a TypedDict in event_payloads*.py
(`NotRequired`: may be absent), its `Kind` is in the registry `KINDS` (event_kinds.py, which
also checks an event against it), and its one constructor is here, the only place an event of
that kind is built. Subscribers read the registry; web/src/api/events.ts and docs/events.md
are generated from it (`python -m cc_orchestrator.web.eventgen`).
Adding a kind: payload, `Kind` in `KINDS`, constructor here. A shipped one only gains fields.
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, cast

from cc_orchestrator.domain import event_payloads_backup as backup
from cc_orchestrator.domain.event_kinds import (
    BACKUP_FAILED,
    BACKUP_MADE,
    BACKUP_RESTORED,
    DAEMON_UNHEALTHY,
    DELIVERY_FAILED,
    INSTANCE_ANSWERED,
    INSTANCE_CREATED,
    INSTANCE_DIALOG,
    INSTANCE_INPUT,
    INSTANCE_RESTART_FAILED,
    INSTANCE_RESULT,
    INSTANCE_STARTED,
    INSTANCE_STATUS,
    KINDS,
    REPO_ADDED,
    TASK_APPROVE_FAILED,
    TASK_APPROVED,
    TASK_APPROVING,
    TASK_CREATED,
    TASK_EDITED,
    TASK_LINKED,
    TASK_MESSAGE,
    TASK_MESSAGE_SENT,
    TASK_MESSAGES_DELIVERED,
    TASK_OVER_BUDGET,
    TASK_PR_CHECKS,
    TASK_PR_CLOSED,
    TASK_PR_FEEDBACK,
    TASK_PR_OPENED,
    TASK_PR_PUSHED,
    TASK_PR_REQUESTED,
    TASK_PR_UPDATED,
    TASK_PROGRESS,
    TASK_RESTART_START,
    TASK_RESULT,
    TASK_REVIEW_REQUESTED,
    TASK_STATUS,
    TASK_SUBTASK,
    TASK_WAITING,
    WEBHOOK_RECEIVED,
    WORKTREE_CREATED,
    WORKTREE_REMOVED,
    Field,
    Kind,
    kinds_of,
    problems,
    type_text,
)
from cc_orchestrator.domain.event_payloads import (
    DaemonUnhealthy,
    DeliveryFailed,
    Entity,
    InstanceAnswered,
    InstanceCreated,
    InstanceData,
    InstanceDialog,
    InstanceInput,
    InstanceRestartFailed,
    InstanceResult,
    InstanceStarted,
    InstanceStatusChanged,
    PermissionDenial,
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
    ToolDenial,
    WebhookReceived,
    WorktreeCreated,
    WorktreeRemoved,
)
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
from cc_orchestrator.domain.links import InboxItem, IssueLink, PullRequest
from cc_orchestrator.domain.models import (
    Instance,
    InstanceStatus,
    Message,
    NewEvent,
    Task,
    TaskStatus,
    Worktree,
)
from cc_orchestrator.domain.questions import Answer, Choice, ChoiceKind, Question

__all__ = ["KINDS", "Entity", "Field", "Kind", "kinds_of", "problems", "type_text"]


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


def task_over_budget(task: Task, *, cost_usd: float, max_cost_usd: float) -> NewEvent:
    data = TaskOverBudget(task_id=task.id, cost_usd=cost_usd, max_cost_usd=max_cost_usd)
    return _new(TASK_OVER_BUDGET, task.id, data)


def task_linked(link: IssueLink) -> NewEvent:
    data = TaskLinked(
        task_id=link.task_id, tracker=link.tracker, project=link.project, key=link.key, url=link.url
    )
    return _new(TASK_LINKED, link.task_id, data)


# ------------------------------------------------------------- coordination (MCP server)
def task_subtask(parent: Task, sub: Task, *, waits: bool) -> NewEvent:
    data = TaskSubtask(
        task_id=parent.id, subtask_id=sub.id, title=sub.title, depth=sub.depth, waits=waits
    )
    return _new(TASK_SUBTASK, parent.id, data)


def task_message(msg: Message) -> NewEvent:
    data = TaskMessage(
        task_id=msg.to_task_id,
        message_id=msg.id,
        sender=msg.sender,
        kind=msg.kind,
        chars=len(msg.text),
    )
    if msg.from_task_id:
        data["from_task_id"] = msg.from_task_id
    return _new(TASK_MESSAGE, msg.to_task_id, data)


def task_message_sent(msg: Message) -> NewEvent:
    sender = msg.from_task_id or ""
    data = TaskMessageSent(
        task_id=sender, to_task_id=msg.to_task_id, message_id=msg.id, chars=len(msg.text)
    )
    return _new(TASK_MESSAGE_SENT, sender, data)


def task_messages_delivered(task_id: str, ids: Sequence[int]) -> NewEvent:
    data = TaskMessagesDelivered(task_id=task_id, message_ids=list(ids))
    return _new(TASK_MESSAGES_DELIVERED, task_id, data)


def task_progress(task: Task, text: str) -> NewEvent:
    return _new(TASK_PROGRESS, task.id, TaskProgress(task_id=task.id, text=text))


def task_waiting(task: Task, waiting_for: Sequence[str], reason: str) -> NewEvent:
    data = TaskWaiting(task_id=task.id, waiting_for=list(waiting_for), reason=reason)
    return _new(TASK_WAITING, task.id, data)


def task_review_requested(task: Task, summary: str) -> NewEvent:
    data = TaskReviewRequested(task_id=task.id, summary=summary)
    return _new(TASK_REVIEW_REQUESTED, task.id, data)


def task_pr_requested(pr: PullRequest) -> NewEvent:
    data = TaskPrRequested(task_id=pr.task_id, repo=pr.repo, head=pr.head, base=pr.base)
    return _new(TASK_PR_REQUESTED, pr.task_id, data)


def task_pr_opened(pr: PullRequest) -> NewEvent:
    assert pr.number is not None and pr.url is not None
    data = TaskPrOpened(
        task_id=pr.task_id, repo=pr.repo, number=pr.number, url=pr.url, head=pr.head, base=pr.base
    )
    return _new(TASK_PR_OPENED, pr.task_id, data)


def task_pr_pushed(pr: PullRequest, sha: str) -> NewEvent:
    return _new(
        TASK_PR_PUSHED, pr.task_id, TaskPrPushed(task_id=pr.task_id, number=pr.number or 0, sha=sha)
    )


def task_pr_updated(pr: PullRequest, base: str, sha: str) -> NewEvent:
    data = TaskPrUpdated(task_id=pr.task_id, number=pr.number or 0, base=base, sha=sha)
    return _new(TASK_PR_UPDATED, pr.task_id, data)


def task_pr_checks(
    pr: PullRequest, checks: Literal["pending", "success", "failure"], failing: Sequence[str]
) -> NewEvent:
    data = TaskPrChecks(
        task_id=pr.task_id, number=pr.number or 0, checks=checks, failing=list(failing)
    )
    return _new(TASK_PR_CHECKS, pr.task_id, data)


def task_pr_feedback(
    pr: PullRequest,
    source: Literal["ci", "review"],
    round_: int,
    rounds: int,
    detail: str,
) -> NewEvent:
    data = TaskPrFeedback(
        task_id=pr.task_id,
        number=pr.number or 0,
        source=source,
        round=round_,
        rounds=rounds,
        detail=detail,
    )
    return _new(TASK_PR_FEEDBACK, pr.task_id, data)


def task_pr_closed(pr: PullRequest, *, merged: bool) -> NewEvent:
    data = TaskPrClosed(task_id=pr.task_id, number=pr.number or 0, merged=merged)
    return _new(TASK_PR_CLOSED, pr.task_id, data)


def task_approve_failed(task: Task) -> NewEvent:
    return _new(TASK_APPROVE_FAILED, task.id, TaskApproveFailed(task_id=task.id))


def _instance(kind: Kind, inst: Instance, data: InstanceData) -> NewEvent:
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
        kind=cast(ChoiceKind, picked.kind),
        via=via,
        by=answer.by,
        message=bool(answer.message),
    )
    return _instance(INSTANCE_ANSWERED, inst, data)


def daemon_unhealthy(
    daemon: str, *, what: Literal["crashed", "failing"], pid: int, reason: str
) -> NewEvent:
    """daemon: its host:pid."""
    return _new(DAEMON_UNHEALTHY, daemon, DaemonUnhealthy(what=what, pid=pid, reason=reason))


def delivery_failed(
    delivery_id: int, *, subscriber: str, channel: str, kind: str, error: str
) -> NewEvent:
    data = DeliveryFailed(
        delivery_id=delivery_id, subscriber=subscriber, channel=channel, kind=kind, error=error
    )
    return _new(DELIVERY_FAILED, str(delivery_id), data)


def webhook_received(item: InboxItem) -> NewEvent:
    """`item` as just stored in the inbox (a new delivery, never a redelivery)."""
    data = WebhookReceived(
        source=item.source, event=item.event, action=item.action, status=item.status.value
    )
    return _new(WEBHOOK_RECEIVED, item.delivery_id, data)


def backup_made(path: str, *, size: int, tasks: int, events: int, scheduled: bool) -> NewEvent:
    data = backup.BackupMade(path=path, size=size, tasks=tasks, events=events, scheduled=scheduled)
    return _new(BACKUP_MADE, Path(path).name[:64], data)


def backup_failed(path: str, *, error: str, scheduled: bool) -> NewEvent:
    data = backup.BackupFailed(path=path, error=error, scheduled=scheduled)
    return _new(BACKUP_FAILED, Path(path).name[:64], data)


def backup_restored(
    path: str, *, made_at: str, schema_revision: str, set_aside: str | None
) -> NewEvent:
    data = backup.BackupRestored(
        path=path, made_at=made_at, schema_revision=schema_revision, set_aside=set_aside
    )
    return _new(BACKUP_RESTORED, Path(path).name[:64], data)
