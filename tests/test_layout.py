"""The house rules of src/, from each module's syntax tree (tests/support/layout.py).

Each rule runs on the real package, and on a small package planted under tmp_path with one
violation, so a rule that cannot fail is seen failing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cc_orchestrator
from tests.support import layout

PACKAGE = layout.Package(Path(cc_orchestrator.__file__).parent, "cc_orchestrator")
MAX_LINES = 500

# Words only an agent's own formats use (Claude Code's hooks, stream-json and transcript,
# its settings files and flags). A service sees observations, never these; they belong in
# the agent's adapter.
AGENT_VOCABULARY = (
    "hook_event_name",
    "UserPromptSubmit",
    "PreToolUse",
    "PostToolUse",
    "SessionStart",
    "PermissionRequest",
    "transcript_path",
    "total_cost_usd",
    "cache_creation_input_tokens",
    "stream-json",
    "--output-format",
    "--dangerously-skip-permissions",
    ".claude/",
    ".claude.json",
    "settings.local.json",
    "CLAUDE_CONFIG_DIR",
    "cost-state",
    "uses_hooks",
    # Codex's: its home folder, rollout records, exec stream and notify payloads
    "CODEX_HOME",
    "rollout",
    "token_count",
    "turn_aborted",
    "thread.started",
    "agent-turn-complete",
)

# Known offenders: none since issue 11 landed. An entry must still offend (the lists only
# shrink); a new offender fails the test instead of joining them.
OVERSIZED_TODAY: set[str] = set()
VOCABULARY_TODAY: set[str] = set()


def plant(tmp_path: Path, files: dict[str, str]) -> layout.Package:
    """A package `cc_orchestrator` under tmp_path made of `files` (path -> source)."""
    root = tmp_path / "cc_orchestrator"
    for rel in ["__init__.py", *files]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent != root and not (path.parent / "__init__.py").exists():
            (path.parent / "__init__.py").write_text("")
        path.write_text(files.get(rel, ""))
    return layout.Package(root, "cc_orchestrator")


def test_there_are_modules_to_check() -> None:
    layers = {m.layer for m in PACKAGE.modules.values()}
    assert {"domain", "services", "adapters", "db", "cli", "bootstrap", "ports", "web"} <= layers
    assert len(PACKAGE.modules) > 50


# --- the domain imports only the standard library and itself


def test_domain_imports_only_stdlib_and_domain() -> None:
    assert layout.foreign_imports_of_domain(PACKAGE) == []


@pytest.mark.parametrize(
    "source",
    [
        "from cc_orchestrator.config import Settings\n",
        "from cc_orchestrator import logs\n",
        "from ..services import tasks\n",
        "import yaml\n",
        "def f():\n    import pydantic\n",
    ],
)
def test_domain_rule_fails_on_a_planted_import(tmp_path: Path, source: str) -> None:
    planted = plant(tmp_path, {"domain/bad.py": source, "domain/ok.py": OK_DOMAIN})
    found = layout.foreign_imports_of_domain(planted)
    assert len(found) == 1 and found[0].startswith("cc_orchestrator.domain.bad:")


OK_DOMAIN = (
    "from __future__ import annotations\nimport re\nfrom dataclasses import dataclass\n"
    "from cc_orchestrator.domain.models import X\nfrom . import names\n"
)


# --- only bootstrap imports adapters and db; services never import cli, web, bootstrap


def test_dependency_rule() -> None:
    assert layout.layer_violations(PACKAGE) == []


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("services/s.py", "from cc_orchestrator.adapters.git import GitCli\n"),
        ("cli/c.py", "from cc_orchestrator.db import store\n"),
        ("web/w.py", "def f():\n    from ..db.store import SqlStore\n"),
        ("services/s.py", "import cc_orchestrator.cli.main\n"),
        ("ports.py", "from cc_orchestrator.bootstrap import App\n"),
    ],
)
def test_dependency_rule_fails_on_a_planted_import(tmp_path: Path, where: str, source: str) -> None:
    files = {where: source, "adapters/git.py": "", "db/store.py": "", "cli/main.py": ""}
    files |= {"bootstrap.py": "from cc_orchestrator.adapters.git import GitCli\n"}
    assert len(layout.layer_violations(plant(tmp_path, files))) == 1


# --- only adapters run programs


def test_only_adapters_run_subprocesses() -> None:
    assert layout.subprocess_outside_adapters(PACKAGE) == []


@pytest.mark.parametrize(
    "source",
    [
        "import subprocess\n",
        "from subprocess import run\n",
        "import os\nos.system('ls')\n",
        "import os\ndef f(a):\n    os.execvp(a[0], a)\n",
        "import os as o\no.spawnlp(0, 'ls')\n",
        "import os\nos.popen('ls')\n",
        "from os import execv\n",
        "import pty\n",
        "import asyncio\nasync def f():\n    await asyncio.create_subprocess_exec('ls')\n",
        "from asyncio import create_subprocess_shell\n",
        "import multiprocessing\n",
        "import os\npid = os.fork()\n",
        "import os\nos.posix_spawnp('ls', ['ls'], {})\n",
    ],
)
def test_subprocess_rule_fails_on_a_planted_call(tmp_path: Path, source: str) -> None:
    ok = "import os\nos.kill(1, 0)\nos.environ.get('X')\nimport asyncio\nasyncio.run(f())\n"
    planted = plant(tmp_path, {"cli/bad.py": source, "cli/ok.py": ok, "adapters/fine.py": source})
    found = layout.subprocess_outside_adapters(planted)
    assert found and all(f.startswith("cc_orchestrator.cli.bad:") for f in found)


# --- no import cycles (TYPE_CHECKING-only imports excluded: they never run)


def test_no_import_cycles() -> None:
    assert layout.cycles(layout.graph(PACKAGE)) == []


def test_cycle_rule_fails_on_a_planted_circle(tmp_path: Path) -> None:
    planted = plant(
        tmp_path,
        {
            "cli/main.py": "from cc_orchestrator.cli.tasks_cmd import tasks\n",
            "cli/tasks_cmd.py": "def f():\n    from .main import cli\n",
            "cli/output.py": "",
            "a.py": "from cc_orchestrator import b\n",
            "b.py": "import cc_orchestrator.c\n",
            "c.py": "from cc_orchestrator.a import x\n",
            "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .e import E\n",
            "e.py": "from cc_orchestrator.d import D\nfrom cc_orchestrator.cli import output\n",
        },
    )
    assert layout.cycles(layout.graph(planted)) == [
        ["cc_orchestrator.a", "cc_orchestrator.b", "cc_orchestrator.c"],
        ["cc_orchestrator.cli.main", "cc_orchestrator.cli.tasks_cmd"],
    ]


# --- rooms of one size


def test_no_module_over_500_lines() -> None:
    found = layout.oversized(PACKAGE, MAX_LINES)
    assert set(found) - OVERSIZED_TODAY == set(), f"over {MAX_LINES} lines: {found}"
    still = OVERSIZED_TODAY & set(found)
    assert still == OVERSIZED_TODAY, f"fits now, drop from the list: {OVERSIZED_TODAY - still}"


def test_size_rule_fails_on_a_planted_module(tmp_path: Path) -> None:
    planted = plant(tmp_path, {"big.py": "x = 1\n" * 501, "fits.py": "x = 1\n" * 500})
    assert layout.oversized(planted, MAX_LINES) == {"cc_orchestrator.big": 501}


# --- services never speak an agent's dialect


def test_no_service_mentions_an_agent_vocabulary() -> None:
    found = layout.vocabulary_in_services(PACKAGE, AGENT_VOCABULARY)
    assert set(found) - VOCABULARY_TODAY == set(), f"agent words in services: {found}"
    still = VOCABULARY_TODAY & set(found)
    assert still == VOCABULARY_TODAY, f"clean now, drop from the list: {VOCABULARY_TODAY - still}"


def test_vocabulary_rule_fails_on_a_planted_service(tmp_path: Path) -> None:
    planted = plant(
        tmp_path,
        {
            "services/bad.py": "def f(p):\n    return p['hook_event_name']\n",
            "services/comment.py": "# reads the stream-json result line\n",
            "adapters/claude.py": "X = 'hook_event_name'\n",
            "services/fine.py": "def f(obs):\n    return obs.status\n",
        },
    )
    assert layout.vocabulary_in_services(planted, AGENT_VOCABULARY) == {
        "cc_orchestrator.services.bad": ["hook_event_name"],
        "cc_orchestrator.services.comment": ["stream-json"],
    }
