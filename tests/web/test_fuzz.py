"""Fuzz the API from its own OpenAPI schema (schemathesis): no input may cause a 500."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.web.app import create_app

EXAMPLES = 25


def test_no_input_causes_a_server_error(fake_claude: Path, repo: Path) -> None:
    services = build_app(log_to_file=False)
    # something to find, so ids in paths can hit real rows too
    services.tasks.add(title="seed", prompt="x", repo=repo)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    failures: list[str] = []
    tested = 0
    calls = {"n": 0}
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            calls["n"] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} "
                    f"{response.text[:300]}"
                )
            elif response.status_code >= 400:
                assert "error" in response.json(), response.text[:300]

        run()
    services.close()
    assert tested >= 20 and calls["n"] >= tested * 5, calls
    assert failures == []
