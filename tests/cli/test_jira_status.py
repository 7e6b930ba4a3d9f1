"""`cco jira status` and GET /api/jira/status as a user meets them, against the fake Jira:
connected (the site, the credentials' source, the account, each repository with a jira.jql
and its last sync), Jira down, the token expired, no site set. The CLI always prints the
whole status, the error being one of its lines with what to do, and exits 1 when Jira cannot
be used; the API answers 200 with the same in its body. Never a token on the screen or in an
answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.config import PROJECT_FILE_NAME
from cc_orchestrator.domain.jira import sync_project
from tests.conftest import Cco, make_repo
from tests.support.fake_jira import FakeJira
from tests.web.conftest import api_client

JQL = "project = WEB AND labels = cco"


@dataclass(frozen=True)
class Seeded:
    synced: Path  # jira.jql and sync on, synced 3 min ago with an error
    quiet: Path  # jira.jql, sync off, never synced
    untracked: Path  # no jira settings: not listed
    bad: Path  # its project file sets jira.api_token (the user's own key): listed with why


def connect(monkeypatch: pytest.MonkeyPatch, fake: FakeJira | None, *, token: str) -> None:
    for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_OAUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    if fake is not None:
        monkeypatch.setenv("CC_ORCH_JIRA__SITE_URL", fake.url)
        monkeypatch.setenv("CC_ORCH_JIRA__EMAIL", fake.email)
    monkeypatch.setenv("CC_ORCH_JIRA__TIMEOUT_S", "5")
    monkeypatch.setenv("JIRA_API_TOKEN", token)


def seed(app: App, tmp_path: Path) -> Seeded:
    synced = make_repo(tmp_path / "synced")
    (synced / PROJECT_FILE_NAME).write_text(f"jira:\n  jql: {JQL}\n  sync: true\n")
    quiet = make_repo(tmp_path / "quiet")
    (quiet / PROJECT_FILE_NAME).write_text("jira:\n  jql: project = OPS\n")
    untracked = make_repo(tmp_path / "untracked")
    bad = make_repo(tmp_path / "bad")
    (bad / PROJECT_FILE_NAME).write_text("jira:\n  api_token: from-a-project-file\n")
    with app.store.write() as tx:
        for path in (synced, quiet, untracked, bad):
            tx.ensure_repo(path)
        tx.put_sync_state(
            "jira",
            sync_project(JQL),
            last_sync_at=datetime.now(UTC) - timedelta(minutes=3),
            last_error="Jira answered 503 to POST /rest/api/3/search/jql",
        )
    return Seeded(synced, quiet, untracked, bad)


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    app = build_app(log_to_file=False)
    yield seed(app, tmp_path)
    app.close()


def status_json(cco: Cco, *, ok: bool = True) -> dict[str, object]:
    result = cco("jira", "status", "--json", ok=ok)
    assert result.exit_code == (0 if ok else 1), result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def test_connected(
    cco: Cco, jira: FakeJira, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, jira, token=jira.token)
    out = cco("jira", "status").output
    lines = out.splitlines()
    assert lines[:4] == [
        f"Jira: {jira.url}",
        "credentials: jira.email + JIRA_API_TOKEN",
        "signed in as: cco bot",
        "repositories:",
    ]
    by_name = {line.split()[0]: line for line in lines[4:]}
    assert set(by_name) == {"synced", "quiet", "bad"}
    assert f"jql '{JQL}', sync on, last sync 3 min ago" in by_name["synced"]
    assert "last sync failed: Jira answered 503" in by_name["synced"]
    assert by_name["quiet"].endswith("jql 'project = OPS', sync off")
    assert "jira.api_token" in by_name["bad"] and "from-a-project-file" not in out
    assert jira.token not in out

    data = status_json(cco)
    assert data["connected"] is True and data["account"] == "cco bot" and data["error"] is None
    assert data["site_url"] == data["api_url"] == jira.url
    assert data["credentials"] == "jira.email + JIRA_API_TOKEN"
    repos = {r["name"]: r for r in data["repositories"]}  # type: ignore[attr-defined]
    assert repos["synced"]["jql"] == JQL and repos["synced"]["sync"] is True
    assert repos["synced"]["last_sync_at"] and repos["synced"]["last_sync_error"]
    assert repos["quiet"]["last_sync_at"] is None and repos["quiet"]["error"] is None
    assert repos["bad"]["jql"] is None and repos["bad"]["error"]
    assert jira.token not in json.dumps(data)


def test_down_expired_and_no_site_exit_1_with_what_to_do(
    cco: Cco, jira: FakeJira, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, jira, token=jira.token)
    jira.down()
    result = cco("jira", "status", ok=False)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[2].startswith("error: connection refused by 127.0.0.1")
    assert not any(line.startswith("hint:") for line in lines)  # "retried later": not here
    assert sum(1 for line in lines if line.startswith("  ")) == 3  # still listed
    data = status_json(cco, ok=False)
    assert data["connected"] is False and data["unavailable"] is True
    jira.up()

    jira.expire_token()
    lines = cco("jira", "status", ok=False).output.splitlines()
    assert lines[1] == "credentials: jira.email + JIRA_API_TOKEN"
    assert lines[2].startswith("error: Jira refused the credentials from jira.email + ")
    assert "may have expired" in lines[2]
    assert lines[3].startswith("hint: they came from jira.email + JIRA_API_TOKEN; make a new")
    assert "id.atlassian.com" in lines[3]

    connect(monkeypatch, None, token=jira.token)
    monkeypatch.delenv("CC_ORCH_JIRA__SITE_URL")
    result = cco("jira", "status", ok=False)
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        "Jira: no site set",
        "credentials: none found",
        "error: Jira has no site",
        "hint: set jira.site_url: https://your-domain.atlassian.net in your cco config",
    ]
    assert jira.token not in result.output


def test_the_api_answers_the_same_and_needs_its_token(
    jira: FakeJira, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, jira, token=jira.token)
    app = build_app(log_to_file=False)
    try:
        seed(app, tmp_path)
        client = api_client(app)
        r = client.get("/api/jira/status")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["connected"] is True and body["account"] == "cco bot"
        assert body["credentials"] == "jira.email + JIRA_API_TOKEN" and body["hint"] is None
        assert {repo["name"] for repo in body["repositories"]} == {"synced", "quiet", "bad"}
        jira.down()
        down = client.get("/api/jira/status").json()
        assert down["connected"] is False and down["unavailable"] is True
        assert down["error"].startswith("connection refused by 127.0.0.1")
        jira.up()
        jira.expire_token()
        refused = client.get("/api/jira/status")
        assert refused.status_code == 200 and refused.json()["hint"].startswith("they came from")
        assert jira.token not in refused.text
        anonymous = client.get("/api/jira/status", headers={"authorization": ""})
        assert anonymous.status_code == 401
    finally:
        app.close()
