"""Claude Code's permission questions: the PermissionRequest hook's payload, the dialog as drawn
on the screen, and the hook's structured answer (verified with 2.1.330, see
docs/claude-code-harness.md and docs/instances.md).

The dialog (Bash; Write/Edit/Read say `Do you want to create x?` / `... make this edit to x?`):

     Bash command
     sh -c 'echo ok > asked.txt'
     This command requires approval
     Do you want to proceed?
     ❯ 1. Yes
       2. Yes, and don’t ask again for: sh -c 'echo ok > asked.txt'
       3. Yes, and switch to auto mode · auto mode handles these prompts for you
       4. No
     Esc to cancel · Tab to amend

A digit acts at once, so a choice is only ever offered when the whole dialog was read: its
question line, options numbered 1..n without a gap, exactly one `No`, the footer, nothing
below it, and the tool's command (or file) drawn above it, matching the question answered.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from cc_orchestrator.domain.questions import Choice, Question, cut

_ASK = re.compile(r"^\s*Do you want to .+\?\s*$")
_OPTION = re.compile(r"^\s*(?:❯\s*)?(\d{1,2})\.\s+(\S.*?)\s*$")
_RULE = re.compile(r"^[─━]{20,}\s*$")
FOOTER = "Esc to cancel"
QUESTION_ID = re.compile(r"\d{1,12}\.\d{1,9}")
UNREAD = "cco could not read the dialog's choices on the screen"


def question_from_hook(record: dict[str, Any], wait_s: float) -> Question | None:
    """The question a PermissionRequest hook line asks; its id is the hook's own timestamp
    (the answer file it waits for is named after it)."""
    payload = record.get("event")
    if not isinstance(payload, dict) or payload.get("hook_event_name") != "PermissionRequest":
        return None
    ts = str(record.get("cco_ts") or "")
    if not QUESTION_ID.fullmatch(ts):  # `date +%s.%N`; it also names the answer file
        return None
    asked = float(ts)
    tool = str(payload.get("tool_name") or "?")
    data = payload.get("tool_input")
    data = data if isinstance(data, dict) else {}
    edit: str | None = None
    if "old_string" in data or "new_string" in data:
        edit = f"- {data.get('old_string', '')}\n+ {data.get('new_string', '')}"
    elif "content" in data:
        edit = str(data.get("content"))
    # the hook waits wait_s (at least: sleeps plus forks); answer a second before it gives up
    open_hook = wait_s >= 2
    return Question(
        id=ts,
        tool=tool,
        command=cut(data.get("command")),
        file_path=cut(data.get("file_path") or data.get("notebook_path") or data.get("path")),
        description=cut(data.get("description"), 300),
        edit=cut(edit),
        channel="hook" if open_hook else "keys",
        hook_until=asked + wait_s - 1 if open_hook else None,
        reason=f"{UNREAD} yet",
    )


def hook_answer(allow: bool, message: str | None) -> str:
    """What the waiting PermissionRequest hook prints for Claude Code."""
    decision: dict[str, Any] = {"behavior": "allow" if allow else "deny"}
    if not allow:
        decision["message"] = message or "The user denied this tool call (through cco)."
    out = {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": decision}}
    return json.dumps(out, ensure_ascii=False)


def kind_of(label: str) -> str:
    low = label.lower().replace("’", "'")
    if low == "yes":
        return "allow_once"
    if low == "no" or low.startswith("no,"):
        return "deny"
    if "auto mode" in low:
        return "allow_auto"
    always = ("yes, and don't ask again", "yes, allow ", "yes, and always allow")
    if low.startswith(always) or " during this session" in low or "for this session" in low:
        return "allow_always"
    return "other"


def _compact(text: str) -> str:
    return "".join(text.replace("│", " ").split())


def read_choices(screen: str, question: Question) -> tuple[tuple[Choice, ...], str | None]:
    """The dialog's own choices for this question, or none and why."""
    lines = screen.rstrip().splitlines()
    asks = [n for n, line in enumerate(lines) if _ASK.match(line)]
    if not asks:
        return (), "no permission dialog is on the screen"
    top = asks[-1]
    options: list[list[str]] = []
    footer = None
    for n in range(top + 1, len(lines)):
        line = lines[n]
        if FOOTER in line:
            footer = n
            break
        if not line.strip():
            continue
        found = _OPTION.match(line)
        if found:
            options.append([found.group(1), found.group(2)])
        elif options and line.startswith("     "):
            options[-1][1] += " " + line.strip()  # a long label wrapped
        else:
            return (), f"{UNREAD}: an unexpected line in it"
    if footer is None or any(line.strip() for line in lines[footer + 1 :]):
        return (), f"{UNREAD}: it does not end where a dialog ends"
    if [int(key) for key, _ in options] != list(range(1, len(options) + 1)) or len(options) < 2:
        return (), f"{UNREAD}: its options are not numbered 1..n"
    choices = tuple(Choice(key=key, label=label, kind=kind_of(label)) for key, label in options)
    if [c.kind for c in choices].count("deny") != 1:
        return (), f"{UNREAD}: it has no single 'No'"
    if [c.kind for c in choices].count("allow_once") > 1:
        return (), f"{UNREAD}: it has more than one 'Yes'"
    # What the dialog is about: from the rule above it down to its question.
    start = max((n for n in range(top) if _RULE.match(lines[n])), default=-1) + 1
    body = "\n".join(lines[start : top + 1])
    if not _about(body, question):
        return (), f"the dialog on the screen is not about {question.subject}"
    return choices, None


def _about(body: str, question: Question) -> bool:
    if question.command:
        return _compact(question.command) in _compact(body)
    if question.file_path:
        return PurePosixPath(question.file_path).name in body
    return question.tool in body
