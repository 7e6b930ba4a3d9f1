"""`cco github status` as a user runs it against the fake GitHub: connected (who, the rate
limit, each repository's GitHub side), GitHub down, the token refused, no credentials at all.

It always prints the whole status, the error being one of its lines with what to do, and exits
1 when GitHub cannot be used (0 when it can): a person reads why, a script tests the exit code.
Never a token on the screen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from tests.conftest import Cco
from tests.support.fake_github import FakeGitHub
from tests.support.github_status import Seeded, connect, seed


@pytest.fixture
def seeded(tmp_path: Path, fake_github: FakeGitHub) -> Iterator[Seeded]:
    app: App = build_app(log_to_file=False)
    yield seed(app, tmp_path, fake_github)
    app.close()


def status_json(cco: Cco, *, ok: bool = True) -> dict[str, object]:
    result = cco("github", "status", "--json", ok=ok)
    assert result.exit_code == (0 if ok else 1), result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def test_connected(
    cco: Cco, fake_github: FakeGitHub, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, fake_github, token=fake_github.token)
    out = cco("github", "status").output
    lines = out.splitlines()
    assert lines[0] == f"GitHub: {fake_github.url}"
    assert lines[1] == "credentials: GITHUB_TOKEN"
    assert lines[2] == "signed in as: cco-bot"
    assert lines[3].startswith("rate limit: ") and "/5000 requests left, full again at" in lines[3]
    assert lines[4] == "repositories:"
    by_name = {line.split()[0]: line for line in lines[5:]}
    assert set(by_name) == {"named", "fromremote", "elsewhere"}
    assert "acme/widgets (from settings), sync on, last sync 3 min ago" in by_name["named"]
    assert "2 open pull requests" in by_name["named"]
    assert (
        "acme/gadgets (from remote origin), sync off, 0 open pull requests"
        in (by_name["fromremote"])
    )
    assert "its remote 'origin' is not a repository on 127.0.0.1" in by_name["elsewhere"]
    assert fake_github.token not in out

    data = status_json(cco)
    assert data["connected"] is True and data["login"] == "cco-bot" and data["error"] is None
    assert data["credentials"] == "GITHUB_TOKEN" and data["api_url"] == fake_github.url
    limit = data["rate_limit"]
    assert isinstance(limit, dict) and limit["limit"] == 5000 and limit["reset_at"]
    repos = {r["name"]: r for r in data["repositories"]}  # type: ignore[attr-defined]
    assert repos["named"]["repository"] == "acme/widgets" and repos["named"]["sync"] is True
    assert repos["named"]["pull_requests"] is True and repos["named"]["open_pull_requests"] == 2
    assert repos["named"]["last_sync_at"] and repos["named"]["error"] is None
    assert repos["fromremote"]["resolved_from"] == "remote origin"
    assert repos["elsewhere"]["repository"] is None and repos["elsewhere"]["error"]
    assert fake_github.token not in json.dumps(data)


def test_github_down(
    cco: Cco, fake_github: FakeGitHub, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, fake_github, token=fake_github.token)
    fake_github.down()
    result = cco("github", "status", ok=False)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1] == "credentials: GITHUB_TOKEN"
    assert lines[2] == f"error: connection refused by 127.0.0.1:{fake_github.port}"
    assert not any(line.startswith("hint:") for line in lines)  # nothing to fix but wait
    assert any("acme/widgets (from settings)" in line for line in lines)  # the rest still shows
    data = status_json(cco, ok=False)
    assert data["connected"] is False and data["unavailable"] is True
    assert len(data["repositories"]) == 3  # type: ignore[arg-type]


def test_token_refused(
    cco: Cco, fake_github: FakeGitHub, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = "ghp_" + "Z" * 36
    connect(monkeypatch, fake_github, token=stale)
    result = cco("github", "status", ok=False)
    assert result.exit_code == 1
    assert "error: GitHub refused the credentials (401): Bad credentials" in result.output
    assert "hint: they came from GITHUB_TOKEN; set GITHUB_TOKEN, run `gh auth login`" in (
        result.output
    )
    assert stale not in result.output
    data = status_json(cco, ok=False)
    assert data["unavailable"] is False and stale not in json.dumps(data)


def test_no_credentials(
    cco: Cco, fake_github: FakeGitHub, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, fake_github, token=None)
    result = cco("github", "status", ok=False)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1:4] == [
        "credentials: none found",
        "error: no GitHub credentials",
        "hint: set GITHUB_TOKEN, run `gh auth login`, or set github.token in your user settings",
    ]
    assert "repositories:" in lines
    assert fake_github.requests == []  # nothing was sent without credentials


def test_nothing_registered(
    cco: Cco, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, fake_github, token=fake_github.token)
    out = cco("github", "status").output
    assert out.splitlines()[-1] == "repositories: none registered yet"
