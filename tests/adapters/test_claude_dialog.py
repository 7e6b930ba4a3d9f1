"""Claude Code's permission dialog as the real CLI 2.1.330 drew it (captured with tmux
capture-pane, in dialogs/), read into choices only when it can be read with certainty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_orchestrator.adapters.claude.dialog import hook_answer, question_from_hook, read_choices
from cc_orchestrator.domain.questions import Question

DIALOGS = Path(__file__).parent / "dialogs"
OUTSIDE = "/tmp/exp-ans/cap/outside"
LONG = "python3 -c 'print(1)' && sh -c 'echo a very long command line " + "x" * 150 + "'"


def screen(name: str) -> str:
    return (DIALOGS / f"{name}.txt").read_text()


def kinds(choices: tuple[object, ...]) -> list[tuple[str, str, str]]:
    return [(c.key, c.kind, c.label) for c in choices]  # type: ignore[attr-defined]


def test_bash_dialog_with_a_wrapped_command_reads_four_choices() -> None:
    q = Question(id="1", tool="Bash", command=LONG)
    choices, why = read_choices(screen("bash_long"), q)
    assert why is None
    assert kinds(choices) == [
        ("1", "allow_once", "Yes"),
        ("2", "allow_always", "Yes, and don’t ask again for: python3 *"),
        (
            "3",
            "allow_auto",
            "Yes, and switch to auto mode · auto mode handles these prompts for you",
        ),
        ("4", "deny", "No"),
    ]


@pytest.mark.parametrize(
    ("name", "tool", "path", "always"),
    [
        ("write", "Write", f"{OUTSIDE}/new.txt", f"always allow access to {OUTSIDE}"),
        ("edit", "Edit", f"{OUTSIDE}/notes.txt", f"always allow access to {OUTSIDE}"),
        ("read", "Read", f"{OUTSIDE}/notes.txt", f"allow reading from {OUTSIDE}"),
    ],
)
def test_file_dialogs_read_three_choices(name: str, tool: str, path: str, always: str) -> None:
    choices, why = read_choices(screen(name), Question(id="1", tool=tool, file_path=path))
    assert why is None
    assert [(c.key, c.kind) for c in choices] == [
        ("1", "allow_once"),
        ("2", "allow_always"),
        ("3", "deny"),
    ]
    assert always in choices[1].label
    assert choices[2].label == "No"


def test_a_dialog_about_another_command_offers_nothing() -> None:
    q = Question(id="1", tool="Bash", command="rm -rf build")
    choices, why = read_choices(screen("bash_long"), q)
    assert choices == ()
    assert why == "the dialog on the screen is not about Bash: rm -rf build"


def test_a_dialog_about_another_file_offers_nothing() -> None:
    q = Question(id="1", tool="Write", file_path=f"{OUTSIDE}/other.txt")
    assert read_choices(screen("write"), q)[0] == ()


@pytest.mark.parametrize(
    ("mangle", "why"),
    [
        (lambda s: s.replace("Do you want to proceed?", "Working…"), "no permission dialog"),
        (lambda s: s.replace(" Esc to cancel · Tab to amend", ""), "does not end"),
        (lambda s: s + "\n ❯ typed something\n", "does not end"),
        (lambda s: s.replace("   4. No", "   5. No"), "not numbered 1..n"),
        (lambda s: s.replace("   4. No", "   4. Nope, never"), "no single 'No'"),
        (lambda s: s.replace("   2. Yes, and", "   2. No, and"), "no single 'No'"),
        (lambda s: s.replace("   3. Yes, and switch", "   3. Yes\n   ?? switch"), "unexpected"),
        (
            lambda s: s.replace("   2. Yes, and don’t ask again for: python3 *", "   2. Yes"),
            "more than",
        ),
    ],
)
def test_what_cannot_be_read_with_certainty_offers_no_choice(mangle, why) -> None:  # type: ignore[no-untyped-def]
    q = Question(id="1", tool="Bash", command=LONG)
    choices, reason = read_choices(mangle(screen("bash_long")), q)
    assert choices == ()
    assert reason is not None and why in reason


def test_a_screen_without_any_dialog_offers_nothing() -> None:
    assert read_choices("", Question(id="1", tool="Bash", command="ls"))[0] == ()


def test_the_hook_line_gives_the_question_and_its_id() -> None:
    line = {
        "cco_ts": "1795649461.636637323",
        "event": {
            "hook_event_name": "PermissionRequest",
            "tool_name": "Edit",
            "tool_input": {"file_path": "/r/a.py", "old_string": "x = 1", "new_string": "x = 2"},
            "permission_suggestions": [],
        },
    }
    q = question_from_hook(line, 300)
    assert q is not None
    assert (q.id, q.tool, q.file_path, q.command) == (
        "1795649461.636637323",
        "Edit",
        "/r/a.py",
        None,
    )
    assert q.edit == "- x = 1\n+ x = 2"
    assert q.channel == "hook" and q.hook_until == pytest.approx(1795649461.64 + 299, abs=0.01)
    assert q.subject == "Edit: /r/a.py"
    assert question_from_hook(line, 0) is not None
    assert question_from_hook(line, 0).channel == "keys"  # type: ignore[union-attr]
    for bad in ("inf", "1e5", "../../x", "", "nan"):
        assert question_from_hook({**line, "cco_ts": bad}, 300) is None
    other = {"cco_ts": "1.5", "event": {"hook_event_name": "PreToolUse"}}
    assert question_from_hook(other, 300) is None


def test_the_hook_answer_is_claude_codes_decision_schema() -> None:
    allow = json.loads(hook_answer(True, None))
    assert allow == {
        "hookSpecificOutput": {
            "hookEventName": "PermissionRequest",
            "decision": {"behavior": "allow"},
        }
    }
    deny = json.loads(hook_answer(False, "not in CI"))
    assert deny["hookSpecificOutput"]["decision"] == {"behavior": "deny", "message": "not in CI"}
