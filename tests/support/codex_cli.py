"""Locate the pinned real OpenAI Codex CLI the tests drive.

The CLI is pinned by ``tests/support/codex/package.json`` and its ``package-lock.json``
(``@openai/codex@0.169.0`` from the npm registry; the native binary comes in the optional
platform package, nothing is downloaded at run time). ``scripts/install-codex`` (run by
``scripts/check``) installs it with ``npm ci`` into ``.cache/codex`` (ignored by git), or into
``$CCO_TEST_CODEX_NPM_PREFIX``. ``$CCO_TEST_CODEX_BIN`` may name a binary explicitly; it is still
checked against the pinned version. The user's own ``codex`` on PATH is deliberately not used.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]
_PIN_FILE = Path(__file__).resolve().parent / "codex" / "package.json"
PINNED_CODEX_VERSION: str = json.loads(_PIN_FILE.read_text())["dependencies"]["@openai/codex"]
CODEX_OVERRIDE_ENV = "CCO_TEST_CODEX_BIN"
NPM_PREFIX_ENV = "CCO_TEST_CODEX_NPM_PREFIX"
#: CI sets it: a missing CLI then fails the real-Codex tests instead of skipping them.
REQUIRE_ENV = "CCO_REQUIRE_REAL_CODEX"
#: The fake key the tests give Codex (its provider's env_key); the fake server checks it.
FAKE_OPENAI_KEY = "sk-fake-cco-codex-test-0123456789abcdef"


def codex_version(binary: str | os.PathLike[str]) -> str | None:
    """``codex --version`` as "0.169.0", or None when it cannot run."""
    try:
        out = subprocess.run(
            [os.fspath(binary), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = out.stdout.split()
    if out.returncode != 0 or len(words) < 2 or words[0] != "codex-cli":
        return None
    return words[1]


def _candidates() -> Iterator[Path]:
    override = os.environ.get(CODEX_OVERRIDE_ENV)
    if override:
        yield Path(override)
    # the install's prefix: the one named (also by scripts/install-codex), else .cache/codex
    prefix = os.environ.get(NPM_PREFIX_ENV) or str(_REPO_ROOT / ".cache" / "codex")
    yield Path(prefix) / "node_modules" / ".bin" / "codex"


def find_real_codex(version: str = PINNED_CODEX_VERSION) -> str | None:
    """Path to an installed real Codex CLI of the pinned ``version``, or None."""
    for candidate in _candidates():
        usable = candidate.is_file() and os.access(candidate, os.X_OK)
        if usable and codex_version(candidate) == version:
            return str(candidate)
    return None


def codex_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def cco_codex_env(binary: str, base_url: str) -> dict[str, str]:
    """The environment that makes cco's codex agent the real CLI against a fake server."""
    return {
        "CC_ORCH_INSTANCES__CODEX_PATH": binary,
        "CC_ORCH_INSTANCES__CODEX_BASE_URL": base_url,
        "OPENAI_API_KEY": FAKE_OPENAI_KEY,
    }
