"""The fake Responses API: OpenAI's description catches a wrong request or event, and the real
Codex CLI (pinned) plays a scripted turn against it headless, every request within the spec."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.support import openai_spec
from tests.support.codex_cli import FAKE_OPENAI_KEY, codex_required, find_real_codex
from tests.support.fake_openai import Command, FakeOpenAI, Text

CODEX = find_real_codex()
needs_codex = pytest.mark.skipif(
    CODEX is None and not codex_required(),
    reason="the pinned Codex CLI is not installed (bash scripts/install-codex)",
)

GOOD_BODY = {
    "model": "gpt-5.5",
    "stream": True,
    "store": False,
    "include": ["reasoning.encrypted_content"],
    "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ],
    "tools": [{"type": "custom", "name": "apply_patch", "description": "edit files"}],
}


def test_the_description_is_openais_and_knows_create_response() -> None:
    schemas = openai_spec.spec()["components"]["schemas"]
    assert openai_spec.spec()["openapi"].startswith("3.1")
    assert "CreateResponse" in schemas and "ResponseCompletedEvent" in schemas
    assert openai_spec.spec_version()


def test_a_wrong_request_body_is_caught() -> None:
    assert openai_spec.request_errors(GOOD_BODY) == []
    assert openai_spec.request_errors({**GOOD_BODY, "stream": "yes"})
    assert openai_spec.request_errors({**GOOD_BODY, "tools": [{"type": "no-such-tool"}]})
    bad_item = {"type": "function_call_output", "output": "x"}  # no call_id
    assert openai_spec.request_errors({**GOOD_BODY, "input": [bad_item]})


def _post(url: str, body: dict[str, object], headers: dict[str, str]) -> list[dict[str, object]]:
    request = urllib.request.Request(
        f"{url}/responses",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        text = answer.read().decode()
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def test_the_stream_is_the_full_sequence_and_within_the_spec() -> None:
    with FakeOpenAI() as fake:
        fake.script(Command("echo hi > x.txt", escalate=True, justification="needs it"))
        events = _post(fake.url, GOOD_BODY, {})
        kinds = [e["type"] for e in events]
        assert kinds[:3] == [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
        ]
        assert "response.function_call_arguments.done" in kinds
        assert kinds[-1] == "response.completed"
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        done = events[-1]["response"]
        assert isinstance(done, dict) and done["usage"]["total_tokens"] > 0
        item = done["output"][0]
        assert item["name"] == "exec_command"
        assert json.loads(item["arguments"])["sandbox_permissions"] == "require_escalated"
        # the tool's output continues the turn with its closing text
        follow = {
            **GOOD_BODY,
            "input": [{"type": "function_call_output", "call_id": item["call_id"], "output": "ok"}],
        }
        closing = _post(fake.url, follow, {})[-1]["response"]
        assert isinstance(closing, dict)
        assert closing["output"][0]["content"][0]["text"] == "done"
        # a title request gets a JSON title, a guardian review a verdict
        meta = {"x-codex-turn-metadata": json.dumps({"thread_source": "thread_title"})}
        title = _post(fake.url, GOOD_BODY, meta)[-1]["response"]
        assert isinstance(title, dict)
        assert json.loads(title["output"][0]["content"][0]["text"]) == {"title": fake.title}
        assert fake.spec_errors == []
        # and a wrong body is recorded as such
        _post(fake.url, {**GOOD_BODY, "stream": "yes"}, {})
        assert fake.spec_errors and "stream" in fake.spec_errors[0]


@needs_codex
def test_real_codex_exec_plays_a_scripted_turn(tmp_path: Path, repo: Path) -> None:
    assert CODEX is not None, "CCO_REQUIRE_REAL_CODEX=1 but the pinned Codex CLI is missing"
    home = tmp_path / "codex-home"
    home.mkdir()
    with FakeOpenAI(api_key=FAKE_OPENAI_KEY) as fake:
        fake.define("write", Text("writing"))
        fake.script_patch("patched.txt", "from the fake model\n", final="exec done")
        (home / "config.toml").write_text(
            'model = "gpt-5.5"\nmodel_provider = "fake"\ncheck_for_update_on_startup = false\n'
            f'[model_providers.fake]\nname = "Fake"\nbase_url = "{fake.url}"\n'
            'wire_api = "responses"\nenv_key = "OPENAI_API_KEY"\nrequest_max_retries = 0\n'
            "stream_max_retries = 0\n[features]\nplugins = false\ndaemon_auto_start = false\n"
        )
        env = {**os.environ, "CODEX_HOME": str(home), "OPENAI_API_KEY": FAKE_OPENAI_KEY}
        run = subprocess.run(
            [CODEX, "exec", "--json", "-s", "workspace-write", "please patch"],
            cwd=repo,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
        assert lines[-1]["type"] == "turn.completed" and lines[-1]["usage"]["output_tokens"] > 0
        assert (repo / "patched.txt").read_text() == "from the fake model\n"
        assert len(fake.main_requests()) == 2
        assert fake.main_requests()[0].metadata["history_initialization"] == "new"
        assert fake.spec_errors == []
