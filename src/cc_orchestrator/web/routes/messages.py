"""Messages to and from a task's agent (services/coordination.py): what agents sent each
other through the MCP server, and a person's own, queued until the agent's turn ends."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from cc_orchestrator.domain.models import Message, MessageStatus
from cc_orchestrator.services.coordination import Caller
from cc_orchestrator.web.bodies import MessageBody
from cc_orchestrator.web.deps import Services

router = APIRouter(prefix="/api/tasks")


class MessageOut(BaseModel):
    id: int
    to_task_id: str
    from_task_id: str | None  # the sending task (null: a person, or cco's own news)
    sender: str  # "task:ID", "user" or "cco"
    kind: str  # message | wake (cco telling a waiting agent its subtasks are finished)
    text: str
    status: MessageStatus  # pending (queued) | delivered | dropped (its task ended first)
    created_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def from_domain(cls, m: Message) -> MessageOut:
        return cls(
            id=m.id,
            to_task_id=m.to_task_id,
            from_task_id=m.from_task_id,
            sender=m.sender,
            kind=m.kind,
            text=m.text,
            status=m.status,
            created_at=m.created_at,
            delivered_at=m.delivered_at,
        )


@router.get("/{task_id}/messages", response_model=list[MessageOut])
def messages(task_id: str, services: Services) -> list[MessageOut]:
    """Messages to or from the task's agent, oldest first (the newest 200)."""
    found = services.coordination.messages(Caller.user(), task_id)
    return [MessageOut.from_domain(m) for m in found]


@router.post("/{task_id}/messages", response_model=MessageOut, status_code=201)
def send(task_id: str, body: MessageBody, services: Services) -> MessageOut:
    """A person's message to the task's agent: queued, typed into its conversation as a user
    turn when its current turn ends. 409: the task is in review, done, failed or cancelled."""
    msg = services.coordination.send_message(Caller.user(), task_id, body.text)
    return MessageOut.from_domain(msg)
