"""Messages between tasks' agents, and the tree of tasks agents made (ports.MessageRows)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update

from cc_orchestrator.db.rows import OnSession
from cc_orchestrator.db.tables import InstanceRow, MessageRow, TaskRow
from cc_orchestrator.domain.models import Message, MessageStatus, TaskStatus

_ACTIVE = (TaskStatus.RUNNING.value, TaskStatus.NEEDS_INPUT.value)
_LIVE = ("starting", "idle", "working", "waiting_input")
_OVER = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value, TaskStatus.FAILED.value)


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        to_task_id=row.to_task_id,
        sender=row.sender,
        text=row.text,
        status=MessageStatus(row.status),
        kind=row.kind,
        from_task_id=row.from_task_id,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


class MessageTx(OnSession):
    def add_message(
        self,
        *,
        to_task_id: str,
        sender: str,
        text: str,
        from_task_id: str | None = None,
        kind: str = "message",
    ) -> Message:
        row = MessageRow(
            to_task_id=to_task_id,
            from_task_id=from_task_id,
            sender=sender,
            kind=kind,
            text=text,
            status=MessageStatus.PENDING.value,
        )
        self.session.add(row)
        self.session.flush()
        return _message(row)

    def messages(self, task_id: str, *, limit: int = 200) -> list[Message]:
        """The messages to or from a task, oldest first (the newest `limit`)."""
        query = (
            select(MessageRow)
            .where(or_(MessageRow.to_task_id == task_id, MessageRow.from_task_id == task_id))
            .order_by(MessageRow.id.desc())
            .limit(limit)
        )
        return [_message(r) for r in reversed(list(self.session.scalars(query)))]

    def pending_messages(self, task_id: str) -> list[Message]:
        query = (
            select(MessageRow)
            .where(
                MessageRow.to_task_id == task_id,
                MessageRow.status == MessageStatus.PENDING.value,
            )
            .order_by(MessageRow.id)
        )
        return [_message(r) for r in self.session.scalars(query)]

    def tasks_with_pending_messages(self, task_ids: Collection[str]) -> set[str]:
        if not task_ids:
            return set()
        query = (
            select(MessageRow.to_task_id)
            .where(
                MessageRow.to_task_id.in_(list(task_ids)),
                MessageRow.status == MessageStatus.PENDING.value,
            )
            .distinct()
        )
        return set(self.session.scalars(query))

    def settle_messages(self, ids: Collection[int], status: MessageStatus) -> int:
        """Mark pending messages delivered (or dropped); the count of those that were pending."""
        if not ids:
            return 0
        result = self.session.execute(
            update(MessageRow)
            .where(MessageRow.id.in_(list(ids)), MessageRow.status == MessageStatus.PENDING.value)
            .values(status=status.value, delivered_at=datetime.now(UTC))
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def count_children(self, parent_id: str) -> int:
        """Tasks an agent of this task created (its fan-out)."""
        query = select(func.count()).select_from(TaskRow).where(TaskRow.parent_id == parent_id)
        return int(self.session.scalar(query) or 0)

    def children(self, parent_id: str) -> list[str]:
        query = select(TaskRow.id).where(TaskRow.parent_id == parent_id).order_by(TaskRow.id)
        return list(self.session.scalars(query))

    def count_parked(self) -> int:
        """Live instances of running tasks whose agent waits for other tasks: they hold no
        slot of instances.max_running (else a coordinator would starve its own subtasks)."""
        query = (
            select(func.count())
            .select_from(TaskRow)
            .join(InstanceRow, InstanceRow.id == TaskRow.instance_id)
            .where(
                TaskRow.status.in_(_ACTIVE),
                TaskRow.parked.is_(True),
                InstanceRow.status.in_(_LIVE),
            )
        )
        return int(self.session.scalar(query) or 0)

    def count_messages_of_finished(self) -> int:
        over = select(TaskRow.id).where(TaskRow.status.in_(_OVER))
        query = (
            select(func.count())
            .select_from(MessageRow)
            .where(
                MessageRow.status == MessageStatus.PENDING.value,
                MessageRow.to_task_id.in_(over),
            )
        )
        return int(self.session.scalar(query) or 0)

    def drop_messages_of_finished(self) -> int:
        """Pending messages to tasks that are done, cancelled or failed: nobody will read them."""
        over = select(TaskRow.id).where(TaskRow.status.in_(_OVER))
        result = self.session.execute(
            update(MessageRow)
            .where(
                MessageRow.status == MessageStatus.PENDING.value,
                MessageRow.to_task_id.in_(over),
            )
            .values(status=MessageStatus.DROPPED.value, delivered_at=datetime.now(UTC))
        )
        return int(getattr(result, "rowcount", 0) or 0)
