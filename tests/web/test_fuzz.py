"""Fuzz the API from its own OpenAPI schema (schemathesis): no input may cause a 500, and what
the server answers (statuses, 429's Retry-After, 405's Allow) is what the schema documents.
Twice: with the token (to reach every route), and with the credentials themselves fuzzed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    allow_header_conformance,
    not_a_server_error,
    response_headers_conformance,
    status_code_conformance,
)

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.web.app import create_app
from tests.web.conftest import auth_headers

EXAMPLES = 25
HOST = {"host": "127.0.0.1:8080"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_headers_conformance,
    allow_header_conformance,
]


def fuzz(app: Any, headers: dict[str, str] | None, examples: int) -> tuple[int, int, list[str]]:
    # the ASGI transport's Host is "testserver": say the name this server answers for
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, headers={**HOST, **auth_headers_of(app)}
    )
    headers = {**HOST, **(headers or {})}
    failures: list[str] = []
    tested = 0
    calls = {"n": 0}
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            calls["n"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:  # every failure is reported, not only the first
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} "
                    f"{response.text[:200]} {str(exc)[:300]}"
                )
            if response.status_code >= 400 and response.status_code != 405:
                assert "error" in response.json(), response.text[:300]

        run()
    return tested, calls["n"], failures


def auth_headers_of(app: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {app.state.policy.token}"}


def test_no_input_causes_a_server_error(fake_claude: Path, repo: Path) -> None:
    services = build_app(log_to_file=False)
    try:
        # something to find, so ids in paths can hit real rows too
        services.tasks.add(title="seed", prompt="x", repo=repo)
        tested, calls, failures = fuzz(create_app(services), auth_headers(services), EXAMPLES)
        assert tested >= 20 and calls >= tested * 5, calls
        assert failures == []
    finally:
        services.close()


def test_fuzzed_credentials_never_cause_a_server_error(fake_claude: Path) -> None:
    """Authorization and the cookie as schemathesis makes them (non-ASCII included)."""
    services = build_app(log_to_file=False)
    try:
        tested, calls, failures = fuzz(create_app(services), None, 10)
        assert tested >= 20 and calls >= tested * 3, calls
        assert failures == []
    finally:
        services.close()
