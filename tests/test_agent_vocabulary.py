"""No service speaks an agent's own dialect: Claude Code's hook names, payload keys, stream-json
fields and files belong in its adapter (adapters/claude/), never in services/."""

from __future__ import annotations

import re
from pathlib import Path

import cc_orchestrator

SERVICES = Path(cc_orchestrator.__file__).parent / "services"
WORDS = (
    "hook_event_name",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "SessionStart",
    "transcript_path",
    "total_cost_usd",
    "cache_creation_input_tokens",
    "stream-json",
    "cost-state",
    "CLAUDE_CONFIG_DIR",
    "uses_hooks",
)


def offences(folder: Path, words: tuple[str, ...]) -> set[tuple[str, str]]:
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return {
        (path.name, hit)
        for path in sorted(folder.rglob("*.py"))
        for hit in pattern.findall(path.read_text(encoding="utf-8"))
    }


def test_no_service_mentions_an_agent_word() -> None:
    assert offences(SERVICES, WORDS) == set()


def test_the_check_finds_a_planted_word(tmp_path: Path) -> None:
    (tmp_path / "planted.py").write_text('KIND = "UserPromptSubmit"\n')
    assert offences(tmp_path, WORDS) == {("planted.py", "UserPromptSubmit")}
