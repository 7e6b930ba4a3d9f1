"""Codex's approval questions: from its PermissionRequest hook, its choices read on its screen.

Codex (0.169.0) draws one of two dialogs when a command or an edit needs approval::

      Would you like to run the following command?        (or: ... make the following edits?)
      Reason: <the model's justification>
      $ <the command>
    › 1. Yes, proceed (y)
      2. Yes, and don't ask again for commands that start with `...` (p)
      3. No, and tell Codex what to do differently (esc)
      Press enter to confirm or esc to cancel

Each option names its shortcut key in parentheses: those keys are what cco types (`esc` as the
Escape key, see `choice_keys`), and only when the dialog on screen is about the question asked.
The PermissionRequest hook only reports: Codex reads no decision from it, so every answer goes
through these keys.
"""

from __future__ import annotations

import re
from typing import Any

from cc_orchestrator.domain.questions import MAX_SHOWN, Choice, Question

ASKS = (
    "Would you like to run the following command?",
    "Would you like to make the following edits?",
)
_OPTION = re.compile(r"^\s*(?:›\s*)?(\d+)\.\s+(.+?)\s+\(([a-z]+)\)\s*$")
_FOOTER = "Press enter to confirm or esc to cancel"
# tmux's names of the shortcuts that are not one literal character
_NAMED_KEYS = {"esc": "Escape"}


def _kind(label: str, shortcut: str) -> str:
    if shortcut == "esc" or label.startswith("No"):
        return "deny"
    if label.startswith("Yes, proceed"):
        return "allow_once"
    if label.startswith("Yes, and don't ask again"):
        return "allow_always"
    return "other"


def question_from_hook(record: dict[str, Any]) -> Question | None:
    """The question a PermissionRequest hook line announces (its cco_ts is its id)."""
    payload = record.get("event")
    if not isinstance(payload, dict) or payload.get("hook_event_name") != "PermissionRequest":
        return None
    data = payload.get("tool_input")
    data = data if isinstance(data, dict) else {}
    tool = str(payload.get("tool_name") or "?")
    command = data.get("command")
    text = str(command)[:MAX_SHOWN] if command else None
    return Question(
        id=str(record.get("cco_ts") or ""),
        tool=tool,
        command=text if tool != "apply_patch" else None,
        edit=text if tool == "apply_patch" else None,
        description=str(data["description"]) if data.get("description") else None,
        channel="keys",
        reason="its choices are read from the screen once the dialog is drawn",
    )


def _compact(text: str) -> str:
    return " ".join(text.split())


def read_choices(screen: str, question: Question) -> tuple[tuple[Choice, ...], str | None]:
    """The dialog's options, when the dialog on screen is the one about this question."""
    lines = screen.rstrip().splitlines()
    starts = [n for n, line in enumerate(lines) if line.strip() in ASKS]
    if not starts:
        return (), "the approval dialog is not on screen yet"
    body = lines[starts[-1] :]
    if not any(_FOOTER in line for line in body):
        return (), "the approval dialog is not fully drawn yet"
    subject = question.command or question.edit or ""
    first = _compact(subject.splitlines()[0] if subject else "")
    shown = _compact(" ".join(body))
    if question.command and f"$ {first[:60]}" not in shown:
        return (), "the dialog on screen is about another command"
    options = [m.groups() for line in body if (m := _OPTION.match(line))]
    choices = tuple(
        Choice(key=key, label=label, kind=_kind(label, key)) for _, label, key in options
    )
    kinds = [c.kind for c in choices]
    if kinds.count("deny") != 1 or kinds.count("allow_once") != 1:
        return (), "the dialog's options could not be read with certainty"
    return choices, None


def choice_keys(choice: Choice) -> list[str]:
    """The tmux send-keys arguments that pick a choice read from the dialog."""
    named = _NAMED_KEYS.get(choice.key)
    return [named] if named else ["-l", choice.key]
