"""GET /api/github/status against the fake GitHub: connected, GitHub down, the token refused,
no credentials; always 200 with the error in the answer (the dashboard shows it), never a
token; the API's token required as on every route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.web.app import create_app
from tests.support.fake_github import FakeGitHub
from tests.support.github_status import connect, seed
from tests.web.conftest import api_client


@pytest.fixture
def app(tmp_path: Path, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    connect(monkeypatch, fake_github, token=fake_github.token)
    built = build_app(log_to_file=False)
    seed(built, tmp_path, fake_github)
    yield built
    built.close()


def test_connected(app: App, fake_github: FakeGitHub) -> None:
    r = api_client(app).get("/api/github/status")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["connected"] is True and body["login"] == "cco-bot"
    assert body["credentials"] == "GITHUB_TOKEN" and body["error"] is None
    assert body["rate_limit"]["limit"] == 5000 and body["rate_limit"]["reset_at"]
    repos = {repo["name"]: repo for repo in body["repositories"]}
    assert repos["named"]["repository"] == "acme/widgets"
    assert repos["named"]["open_pull_requests"] == 2 and repos["named"]["sync"] is True
    assert repos["named"]["last_sync_at"] is not None
    assert repos["fromremote"]["repository"] == "acme/gadgets"
    assert repos["elsewhere"]["repository"] is None and repos["elsewhere"]["error"]
    assert fake_github.token not in r.text


def test_down_refused_and_none_are_answers_not_failures(
    app: App, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = api_client(app)
    fake_github.down()
    down = client.get("/api/github/status").json()
    assert down["connected"] is False and down["unavailable"] is True
    assert down["error"].startswith("connection refused by 127.0.0.1")
    assert len(down["repositories"]) == 3
    fake_github.up()

    stale = "ghp_" + "Y" * 36
    monkeypatch.setenv("GITHUB_TOKEN", stale)
    refused_app = build_app(log_to_file=False)
    try:
        r = api_client(refused_app).get("/api/github/status")
        assert r.status_code == 200
        refused = r.json()
        assert refused["error"] == "GitHub refused the credentials (401): Bad credentials"
        assert "GITHUB_TOKEN" in refused["hint"] and stale not in r.text
    finally:
        refused_app.close()

    monkeypatch.delenv("GITHUB_TOKEN")
    bare_app = build_app(log_to_file=False)
    try:
        none = api_client(bare_app).get("/api/github/status").json()
        assert none["credentials"] is None and none["error"] == "no GitHub credentials"
        assert "gh auth login" in none["hint"]
    finally:
        bare_app.close()


def test_the_api_token_is_required(app: App, fake_github: FakeGitHub) -> None:
    before = len(fake_github.requests)
    bare = TestClient(create_app(app), base_url="http://127.0.0.1:8080")
    r = bare.get("/api/github/status")
    assert r.status_code == 401, r.text
    assert len(fake_github.requests) == before  # nothing asked of GitHub for it
