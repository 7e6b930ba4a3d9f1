"""What the API takes: request bodies, strict (unknown fields are refused) and bounded."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Mode = Literal["interactive", "headless"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskCreate(_Body):
    title: str = Field(min_length=1, max_length=200)
    prompt: str | None = Field(default=None, max_length=100_000)
    repo: str = Field(min_length=1, max_length=4096)
    base: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=0, ge=-1000, le=1000)
    labels: list[str] = Field(default_factory=list, max_length=20)
    notify: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Notification channels to tell about it (names in notifications.channels).",
    )
    depends_on: list[str] = Field(default_factory=list, max_length=100)
    agent: str | None = Field(default=None, max_length=64)
    mode: Mode | None = None
    max_turns: int | None = Field(default=None, gt=0, le=10_000)
    max_cost_usd: float | None = Field(default=None, gt=0, le=100_000)


class TaskEdit(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    prompt: str | None = Field(default=None, max_length=100_000)
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    labels: list[str] | None = Field(default=None, max_length=20)
    notify: list[str] | None = Field(
        default=None, max_length=20, description="Replace the channels it names ([] = none)."
    )
    base: str | None = Field(default=None, max_length=200)
    add_deps: list[str] = Field(default_factory=list, max_length=100)
    remove_deps: list[str] = Field(default_factory=list, max_length=100)


class Feedback(_Body):
    feedback: str = Field(min_length=1, max_length=100_000)


class InstanceSpawn(_Body):
    repo: str | None = Field(default=None, max_length=4096)
    worktree_id: str | None = Field(default=None, max_length=32)
    prompt: str | None = Field(default=None, max_length=100_000)
    agent: str | None = Field(default=None, max_length=64)
    mode: Mode | None = None
    name: str | None = Field(default=None, max_length=64)
    base: str | None = Field(default=None, max_length=200)


class SendText(_Body):
    text: str = Field(min_length=1, max_length=100_000)
    force: bool = False


class MessageBody(_Body):
    text: str = Field(min_length=1, max_length=100_000)


class AnswerBody(_Body):
    """allow (once) / deny (message: what the agent is told) / choice (a key it offers)."""

    decision: Literal["allow", "deny", "choice"]
    choice: str | None = Field(default=None, min_length=1, max_length=8)
    message: str | None = Field(default=None, min_length=1, max_length=2000)
    question_id: str | None = Field(default=None, min_length=1, max_length=64)


class StopOptions(_Body):
    remove_worktree: bool = False
    force: bool = False


class WorktreeCreate(_Body):
    repo: str = Field(min_length=1, max_length=4096)
    name: str | None = Field(default=None, max_length=64)
    base: str | None = Field(default=None, max_length=200)
    branch: str | None = Field(default=None, max_length=200)


class SyncBody(_Body):
    repo: str = Field(
        min_length=1,
        max_length=4096,
        description="The repository's path (absolute; one cco knows: it has tasks or worktrees).",
    )
    dry_run: bool = Field(default=False, description="Say what would change; change nothing.")
