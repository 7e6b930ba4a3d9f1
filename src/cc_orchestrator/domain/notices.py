"""What is worth a notification, said in no service's dialect.

A notice kind is what a channel subscribes to (`notifications.channels[].events`); a `Message`
is one notice, or a digest of several, as a channel's sender receives it. Each sender
(adapters/notify) renders a Message in its service's own format (Slack blocks, Discord embeds,
a signed JSON body, ntfy, e-mail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NEEDS_INPUT = "needs_input"
FAILED = "failed"
REVIEW = "review"
OVER_BUDGET = "over_budget"
CHAIN_DONE = "chain_done"
DAEMON_UNHEALTHY = "daemon_unhealthy"
TEST = "test"
DIGEST = "digest"

#: what a channel's `events:` may list, with what each means (docs and `config validate`)
NOTICE_KINDS: dict[str, str] = {
    NEEDS_INPUT: "an agent asks something (with the question)",
    FAILED: "a task or a task-less instance failed (with the reason)",
    REVIEW: "a task is ready for review (with its diff stat and cost)",
    OVER_BUDGET: "a task went over its budget and was stopped",
    CHAIN_DONE: "every task of a dependency chain is done",
    DAEMON_UNHEALTHY: "the daemon restarted after a crash, or keeps failing its passes",
}

TITLE_MAX = 150
TEXT_MAX = 2000


def clip(text: str, limit: int) -> str:
    """text cut to at most limit characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


@dataclass(frozen=True)
class Message:
    """One notice (or, kind "digest", several in items) as every channel receives it."""

    kind: str
    title: str
    text: str
    at: str  # ISO 8601, UTC, of the event behind it
    task_id: str | None = None
    task_title: str | None = None
    repo: str | None = None
    instance_id: str | None = None
    link: str | None = None  # the task's page on the dashboard, when web.public_url is set
    fields: tuple[tuple[str, str], ...] = ()
    items: tuple[Message, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "at": self.at,
            "task_id": self.task_id,
            "task_title": self.task_title,
            "repo": self.repo,
            "instance_id": self.instance_id,
            "link": self.link,
            "fields": [[k, v] for k, v in self.fields],
            "items": [m.to_json() for m in self.items],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Message:
        return cls(
            kind=str(data["kind"]),
            title=str(data["title"]),
            text=str(data.get("text", "")),
            at=str(data.get("at", "")),
            task_id=data.get("task_id"),
            task_title=data.get("task_title"),
            repo=data.get("repo"),
            instance_id=data.get("instance_id"),
            link=data.get("link"),
            fields=tuple((str(k), str(v)) for k, v in data.get("fields", ())),
            items=tuple(cls.from_json(m) for m in data.get("items", ())),
        )
