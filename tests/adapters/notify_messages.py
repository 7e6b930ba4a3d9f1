"""Messages for the senders' tests: a plain one, one past every limit, a 60-item digest."""

from __future__ import annotations

from cc_orchestrator.domain.notices import DIGEST, NEEDS_INPUT, REVIEW, Message

KEY = "cco-notifications-team-42-needs_input"
AT = "2026-12-02T06:00:00+00:00"
LINK = "http://cco.example:8080/#/tasks/t-1a2b"


def plain() -> Message:
    return Message(
        kind=NEEDS_INPUT,
        title="Fix login (t-1a2b) needs your input",
        text="May I run `rm -rf build`? <!channel> & friends",
        at=AT,
        task_id="t-1a2b",
        task_title="Fix login",
        repo="webapp",
        link=LINK,
        fields=(("Cost", "$0.12"), ("Branch", "cco/fix-login")),
    )


def huge() -> Message:
    """Past every service's limits: a 300-character title, a 5000-character question (with
    characters that escape longer), 40 fields of 3000 characters."""
    return Message(
        kind=NEEDS_INPUT,
        title="T" * 299 + "é",
        text=("Q<&> " * 1000)[:5000],
        at=AT,
        task_id="t-1a2b",
        repo="webapp",
        link=LINK,
        fields=tuple((f"field {i} " + "n" * 300, "v&" * 1500) for i in range(40)),
    )


def digest(n: int = 60) -> Message:
    items = tuple(
        Message(
            kind=REVIEW,
            title=f"Task {i} (t-{i:04x}) is ready for review " + "x" * 200,
            text="3 files changed, +120 -4 · $0.40 " + "y" * 3000,
            at=AT,
            task_id=f"t-{i:04x}",
            link=f"{LINK}{i}",
        )
        for i in range(n)
    )
    return Message(kind=DIGEST, title=f"{n} updates", text="", at=AT, items=items)


def many_fields(n: int = 40) -> Message:
    """Short fields, more than any service shows (Slack 10 a section, Discord 25 an embed)."""
    return Message(
        kind=REVIEW,
        title="Many fields",
        text="",
        at=AT,
        fields=tuple((f"name {i}", f"value {i}") for i in range(n)),
    )
