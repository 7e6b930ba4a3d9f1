"""GitHub's example webhook payloads, from npm's @octokit/webhooks-examples 7.6.1 (what the
Octokit libraries test against), for the tests of POST /api/webhooks/github.

The package is installed by hand for now (tests/support/github/package.json and
scripts/install-github-specs will pin and install it with @octokit/openapi; the lead reconciles
this loader with tests/support/github_spec.py then):

    mkdir -p .cache/github-specs && cd .cache/github-specs && npm init -y >/dev/null &&
    npm install --no-audit --no-fund @octokit/webhooks-examples@7.6.1

Its layout: `api.github.com/index.json` is a list of one definition per event, each
`{"name": <X-GitHub-Event>, "actions": [...], "examples": [<payload>, ...], ...}`.
A missing or other version of the package is an error (MissingExamples), never a skip.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

VERSION = "7.6.1"
PREFIX_ENV = "CCO_TEST_GITHUB_SPECS_PREFIX"  # the same variable github_spec.py reads
ROOT = Path(__file__).resolve().parents[2]
INSTALL = (
    "mkdir -p .cache/github-specs && cd .cache/github-specs && npm init -y >/dev/null && "
    f"npm install --no-audit --no-fund @octokit/webhooks-examples@{VERSION}"
)


class MissingExamples(RuntimeError):
    pass


def package_dir() -> Path:
    prefix = Path(os.environ.get(PREFIX_ENV) or ROOT / ".cache" / "github-specs")
    return prefix / "node_modules" / "@octokit" / "webhooks-examples"


@functools.cache
def _definitions() -> list[dict[str, Any]]:
    package = package_dir()
    index = package / "api.github.com" / "index.json"
    if not index.is_file():
        raise MissingExamples(
            f"@octokit/webhooks-examples is not installed ({index} is missing): "
            f"from the repository's root, run: {INSTALL}"
        )
    version = json.loads((package / "package.json").read_text()).get("version")
    if version != VERSION:
        raise MissingExamples(
            f"@octokit/webhooks-examples is {version}, the tests pin {VERSION}: run: {INSTALL}"
        )
    loaded: list[dict[str, Any]] = json.loads(index.read_bytes())
    return loaded


def webhook_examples(events: Iterable[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """(event, action, payload) of every example of these events, in the package's order
    (fresh copies; action "" when the payload has none)."""
    wanted = set(events)
    found = []
    for definition in _definitions():
        if definition["name"] in wanted:
            for payload in definition["examples"]:
                copy: dict[str, Any] = json.loads(json.dumps(payload))
                found.append((str(definition["name"]), str(copy.get("action", "")), copy))
    return found
