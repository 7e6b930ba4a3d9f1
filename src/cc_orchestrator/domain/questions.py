"""What a waiting agent asks: the tool, its input, and the choices it offers, exactly.

An orchestrator must never type into a dialog it has not read. A question carries the choices
the agent itself offers (each with its own label and the key that picks it), read by the
agent's adapter; when they cannot be read with certainty there are none, and `reason` says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

ChoiceKind = Literal["allow_once", "allow_always", "allow_auto", "deny", "other"]
# what a question may show of the tool's input (an edit or a file's content is cut)
MAX_SHOWN = 2000


@dataclass(frozen=True)
class Choice:
    """One option of the agent's own dialog: the key that picks it and its label as drawn."""

    key: str
    label: str
    kind: str  # a ChoiceKind: allow_once, allow_always, allow_auto, deny or other


@dataclass(frozen=True)
class Question:
    """A permission question: one per request (its id changes with every new question)."""

    id: str
    tool: str
    command: str | None = None
    file_path: str | None = None
    description: str | None = None
    edit: str | None = None  # the edit or the new file's content, cut to MAX_SHOWN
    # hook: cco can answer allow/deny through the agent's hook until hook_until (epoch s);
    # keys: only by the keys read from the dialog; none: cco cannot answer, `reason` says why
    channel: str = "none"
    hook_until: float | None = None
    choices: tuple[Choice, ...] = ()
    reason: str | None = None
    answered: str | None = None  # what was answered, while the agent has not moved on yet

    @property
    def subject(self) -> str:
        """What is asked about, in one line: the command, else the file, else the tool."""
        what = self.command or self.file_path or ""
        return f"{self.tool}: {what}" if what else self.tool

    def choice(self, kind: str) -> Choice | None:
        found = [c for c in self.choices if c.kind == kind]
        return found[0] if len(found) == 1 else None

    def with_choices(self, choices: tuple[Choice, ...], reason: str | None) -> Question:
        return replace(self, choices=choices, reason=reason)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Question:
        values = dict(data)
        values["choices"] = tuple(Choice(**c) for c in values.get("choices") or ())
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in values.items() if k in known})


def cut(text: object, limit: int = MAX_SHOWN) -> str | None:
    if text is None:
        return None
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class Answer:
    """What the user decided: allow once, deny (with a message for the agent), or one choice."""

    decision: Literal["allow", "deny", "choice"]
    choice: str | None = None
    message: str | None = None
    question_id: str | None = None
    by: str = "cli"


# what an instance that waits says when no channel told cco what it asks (ID: its id)
NOT_SEEN = (
    "cco did not see what it asks (no hook told it): answer in the terminal"
    " (cco instances attach ID)"
)


def unseen_question(
    instance_id: str, asked_at: float, *, tool: str = "?", reason: str = NOT_SEEN
) -> Question:
    """The question recorded when the agent waits and nothing told cco what it asks."""
    return Question(
        id=f"{asked_at:.6f}", tool=tool, channel="none", reason=reason.replace("ID", instance_id)
    )
