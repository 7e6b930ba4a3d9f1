"""Claude Code's first-run dialogs, read on the screen before answering (never a blind Enter)."""

from __future__ import annotations

# First-run dialogs of Claude Code (2.1.x), read on screen before answering, never a blind
# Enter: (what identifies the dialog, the option to choose, what choosing it means).
# The cursor is moved one step per look and Enter is pressed only once the cursor is on the
# chosen option, so a dropped keystroke can never confirm the wrong answer.
_CONFIRM = "Enter to confirm"
_CLAUDE_DIALOGS: list[tuple[str, str, str]] = [
    ("Yes, I trust this folder", "Yes, I trust this folder", "trusted the repository folder"),
    ("Do you want to use this API key?", "Yes", "approved the ANTHROPIC_API_KEY it was given"),
]
_CLAUDE_BYPASS = (
    "Bypass Permissions mode",
    "Yes, I accept",
    "accepted bypass-permissions mode as configured",
)


def _option(line: str) -> str:
    return line.replace("❯", " ").strip()


def dialog_keys(screen: str, marker: str, target: str) -> list[str] | None:
    """The next key that moves a select-dialog's cursor toward target, or Enter when on it."""
    if marker not in screen or _CONFIRM not in screen:
        return None
    lines = screen.splitlines()
    selected = [n for n, line in enumerate(lines) if "❯" in line]
    wanted = [n for n, line in enumerate(lines) if _option(line) == target]
    if not selected or not wanted:
        return None
    here, there = selected[-1], wanted[-1]
    if here == there:
        return ["Enter"]
    return ["Down"] if there > here else ["Up"]


def startup_answer(screen: str, *, bypass: bool) -> tuple[list[str], str] | None:
    """The next key for a first-run dialog on the screen, and what it does (None: no dialog).

    bypass: the user chose bypass-permissions mode in their configuration, so accepting its
    warning is their decision."""
    dialogs = list(_CLAUDE_DIALOGS)
    if bypass:
        dialogs.append(_CLAUDE_BYPASS)
    for marker, target, what in dialogs:
        keys = dialog_keys(screen, marker, target)
        if keys is not None:
            return keys, what if keys == ["Enter"] else f"moving to {target!r}"
    return None
