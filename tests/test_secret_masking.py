"""Secrets are masked by name and by value in `config show/get`, GET /api/config and the logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.config import user_config_file
from cc_orchestrator.logs import redact_text
from cc_orchestrator.web.app import create_app
from tests.conftest import Cco

OPENAI = "openai-secret-value-81f3"  # no known shape: only its name says it is secret
AIDER = "aider-secret-value-77c2"
DB_PASSWORD = "db-pass-value-5a5a"
WEB_TOKEN = "web-token-value-3e3e"
SECRETS = (OPENAI, AIDER, DB_PASSWORD, WEB_TOKEN)


@pytest.fixture
def configured() -> Path:
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(
            {
                "instances": {
                    "env": {
                        "OPENAI_KEY": OPENAI,
                        "DATABASE_URL": f"postgresql://app:{DB_PASSWORD}@db/app",
                        "PLAIN_SETTING": "visible-value",
                    }
                },
                "agents": {
                    # the secret again, under a name that says nothing: masked by value
                    "aider": {"command": ["aider", "--api", OPENAI], "env": {"AIDER_TOKEN": AIDER}}
                },
                "web": {"token": WEB_TOKEN},
            }
        )
    )
    return path


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} shown in:\n{text}"


def test_config_show_and_get_mask_every_secret(cco: Cco, configured: Path) -> None:
    shown = cco("config", "show").output
    _clean(shown)
    data = yaml.safe_load(shown)
    assert data["instances"]["env"]["PLAIN_SETTING"] == "visible-value"
    assert data["instances"]["env"]["OPENAI_KEY"] != OPENAI
    assert data["agents"]["aider"]["command"][:2] == ["aider", "--api"]
    _clean(cco("config", "show", "--json").output)
    for key in ("instances.env", "instances.env.OPENAI_KEY", "agents.aider", "web.token"):
        _clean(cco("config", "get", key).output)


def test_api_config_masks_every_secret(configured: Path) -> None:
    services = build_app(log_to_file=False)
    try:
        client = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
        answer = client.get("/api/config", headers={"authorization": f"Bearer {WEB_TOKEN}"})
        assert answer.status_code == 200
        _clean(answer.text)
        assert json.loads(answer.text)["instances"]["env"]["PLAIN_SETTING"] == "visible-value"
    finally:
        services.close()


def test_logs_redact_bare_key_names_and_configured_values(
    cco: Cco, configured: Path, repo: Path, data_dir: Path
) -> None:
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump({"worktrees": {"setup": f"OPENAI_KEY=x{AIDER}x true --token-file {OPENAI}"}})
    )
    result = cco("-vv", "worktrees", "create", "--repo", str(repo), "masked", "--base", "main")
    logged = (data_dir / "logs" / "cco.log").read_text()
    assert "setup.start" in logged
    _clean(logged + result.output + result.stderr)
    assert "OPENAI_KEY=***" in logged


def test_redact_text_by_name_shape() -> None:
    assert redact_text("exec OPENAI_KEY=abc123 ok") == "exec OPENAI_KEY=*** ok"
    assert redact_text("AWS_SECRET_ACCESS_KEY=zz KEY=v x") == "AWS_SECRET_ACCESS_KEY=*** KEY=*** x"
    assert redact_text("sort key=value stays") == "sort key=value stays"
    assert redact_text("sk-proj-abcdefghijklmnopqrstuvwx") == "sk-***"
