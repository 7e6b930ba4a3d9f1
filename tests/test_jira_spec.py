"""Jira's description (tests/support/jira_spec.py) catches what disagrees with it: each check is
shown a known-good request or answer, and a wrong one that must be caught, so none can pass by
not looking. Also: where the description is read from, and that the vendored copy is the
shared one."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import jira_spec
from tests.support.jira_spec_load import SHARED

ISSUE = "/rest/api/3/issue/WEB-1"
GOOD_STATUS = {
    "self": "https://x/rest/api/3/status/1",
    "name": "To Do",
    "id": "1",
    "statusCategory": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
}


def _keys_named(name: str, node: Any) -> int:
    if isinstance(node, dict):
        return (name in node) + sum(_keys_named(name, v) for v in node.values())
    if isinstance(node, list):
        return sum(_keys_named(name, v) for v in node)
    return 0


def test_the_description_is_loaded_once_and_made_2020_12() -> None:
    first = jira_spec.spec()
    assert jira_spec.spec() is first
    assert first["openapi"] == "3.0.1" and jira_spec.spec_version().startswith("1001.0.0")
    assert "/rest/api/3/search/jql" in first["paths"]
    raw = json.loads(jira_spec.read_bytes(jira_spec.spec_path() or jira_spec.VENDORED))
    assert _keys_named("nullable", raw["components"]) == 90  # OpenAPI 3.0's, as published
    assert _keys_named("nullable", first["components"]) == 0
    approval = first["components"]["schemas"]["ApprovalConfiguration"]
    assert approval["type"] == ["object", "null"]
    assert approval["properties"]["exclude"]["items"]["type"] == ["string", "null"]
    assert jira_spec.errors_at("/components/schemas/ApprovalConfiguration", None, "x") == []


def test_the_vendored_copy_equals_the_shared_file() -> None:
    shared = jira_spec.shared_path()
    if shared is None:
        pytest.skip(f"no shared copy on this machine ({', '.join(map(str, SHARED))})")
    assert jira_spec.VENDORED.is_file(), f"restore {jira_spec.VENDORED} (gzip of {shared})"
    assert gzip.decompress(jira_spec.VENDORED.read_bytes()) == shared.read_bytes(), (
        f"the vendored copy is stale: gzip -9 -n -c {shared} > {jira_spec.VENDORED}"
    )


def test_the_env_variable_chooses_the_file_and_the_gz_copy_loads(tmp_path: Path) -> None:
    """In a fresh process (the description is cached per process): $CCO_TEST_JIRA_SPEC names
    the vendored gz copy, which loads the same description; a missing file is said."""
    probe = (
        "from tests.support import jira_spec as j; "
        "print(j.spec_path(), j.missing(), len(j.spec()['paths']))"
    )
    root = Path(__file__).resolve().parents[1]

    def run(value: str) -> str:
        env = {"PATH": "/usr/bin:/bin", jira_spec.SPEC_ENV: value}
        done = subprocess.run(
            [sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True
        )
        return done.stdout.strip() + done.stderr.strip()[-300:]

    paths = len(jira_spec.spec()["paths"])
    assert run(str(jira_spec.VENDORED)) == f"{jira_spec.VENDORED} None {paths}"
    absent = tmp_path / "nothing.json"
    assert f"{jira_spec.SPEC_ENV} names {absent}, which is not a file" in run(str(absent))


def test_find_operation_prefers_literal_paths() -> None:
    op = jira_spec.find_operation("GET", ISSUE)
    assert op is not None and op.template == "/rest/api/3/issue/{issueIdOrKey}"
    assert op.path_params == {"issueIdOrKey": "WEB-1"} and op.operation_id == "getIssue"
    picker = jira_spec.find_operation("GET", "/rest/api/3/issue/picker")
    assert picker is not None and picker.template == "/rest/api/3/issue/picker"
    comment = jira_spec.find_operation("PUT", f"{ISSUE}/comment/10001?x=1")
    assert comment is not None and comment.path_params["id"] == "10001"
    assert jira_spec.find_operation("PATCH", ISSUE) is None
    assert jira_spec.find_operation("GET", "/rest/api/3/nothing/here") is None


def test_a_known_good_request_passes() -> None:
    query = {"jql": "project = WEB", "maxResults": "10", "fields": ["summary,status", "labels"]}
    assert jira_spec.check_request("GET", "/rest/api/3/search/jql", query) == []
    body = {"jql": "project = WEB", "fields": ["summary"], "maxResults": 50, "nextPageToken": "t"}
    headers = {"Content-Type": "application/json"}
    assert jira_spec.check_request("POST", "/rest/api/3/search/jql", {}, headers, body) == []
    move = b'{"transition": {"id": "31"}}'
    assert jira_spec.check_request("POST", f"{ISSUE}/transitions", None, headers, move) == []
    link = {"globalId": "g", "object": {"url": "https://x", "title": "PR"}}
    assert jira_spec.check_request("POST", f"{ISSUE}/remotelink", None, headers, link) == []
    assert jira_spec.check_request("DELETE", f"{ISSUE}/comment/1") == []


def test_a_wrong_request_is_caught() -> None:
    assert jira_spec.check_request("GET", "/rest/api/3/nope") == [
        "GET /rest/api/3/nope: no such operation in Jira's API"
    ]
    bad_query = jira_spec.check_request(
        "GET", "/rest/api/3/search/jql", {"maxResults": "many", "startAt": "0"}
    )
    assert bad_query == [
        "GET /rest/api/3/search/jql query maxResults: (root): 'many' is not of type 'integer'",
        "GET /rest/api/3/search/jql: unknown query parameter 'startAt'",
    ]
    twice = jira_spec.check_request("GET", "/rest/api/3/search/jql", {"jql": ["a", "b"]})
    assert twice == ["GET /rest/api/3/search/jql: query parameter jql given 2 times"]
    body = jira_spec.check_request("POST", "/rest/api/3/search/jql", body={"jql": 5, "x": 1})
    assert any("'x' was unexpected" in p for p in body) and any(
        "5 is not of type" in p for p in body
    )
    required = jira_spec.check_request("POST", f"{ISSUE}/comment")
    assert required == [
        "POST /rest/api/3/issue/{issueIdOrKey}/comment: the request body is required"
    ]
    unwanted = jira_spec.check_request("GET", ISSUE, body=b"{}")
    assert unwanted == ["GET /rest/api/3/issue/{issueIdOrKey}: takes no request body"]
    form = jira_spec.check_request(
        "POST", f"{ISSUE}/comment", None, {"Content-Type": "text/plain"}, b'{"body": 1}'
    )
    assert form == [
        "POST /rest/api/3/issue/{issueIdOrKey}/comment: a JSON body sent as 'text/plain'"
    ]
    broken = jira_spec.check_request("POST", f"{ISSUE}/comment", body=b"{not json")
    assert broken[0].startswith("POST /rest/api/3/issue/{issueIdOrKey}/comment: the body is not")
    removed = jira_spec.check_request("POST", "/rest/api/3/search", body={"jql": "x"})
    assert removed == [
        "POST /rest/api/3/search: removed by Atlassian (CHANGE-2046), use /rest/api/3/search/jql"
    ]


def test_a_known_good_answer_passes() -> None:
    issue = {
        "id": "10000",
        "key": "WEB-1",
        "self": "https://x/rest/api/3/issue/10000",
        "fields": {"status": GOOD_STATUS, "updated": "2026-12-01T10:00:00.000+0000"},
    }
    assert jira_spec.check_response("GET", ISSUE, 200, issue) == []
    page = {"issues": [issue], "isLast": True}
    assert jira_spec.check_response("POST", "/rest/api/3/search/jql", 200, page) == []
    error = b'{"errorMessages": ["Issue does not exist"], "errors": {}}'
    assert jira_spec.check_response("GET", ISSUE, 404, error) == []
    assert jira_spec.check_response("POST", f"{ISSUE}/transitions", 204, b"") == []
    text = "text/plain; charset=utf-8"
    assert jira_spec.check_response("GET", ISSUE, 401, b"Client must be", text) == []
    assert jira_spec.check_response("GET", ISSUE, 429, {"errorMessages": [], "errors": {}}) == []
    assert jira_spec.check_response("GET", "/rest/api/3/search", 410, error) == []
    links = [{"id": 1, "object": {"url": "https://x", "title": "PR"}}]
    assert jira_spec.check_response("GET", f"{ISSUE}/remotelink", 200, links) == []  # ERRATA
    assert jira_spec.check_response("GET", f"{ISSUE}/remotelink", 200, links[0]) == []


def test_a_wrong_answer_is_caught() -> None:
    label = "GET /rest/api/3/issue/{issueIdOrKey}"
    assert jira_spec.check_response("GET", ISSUE, 418) == [
        f"{label} -> 418: status 418 is not documented for getIssue"
    ]
    assert jira_spec.check_response("GET", "/rest/api/3/myself", 410) == [
        "GET /rest/api/3/myself -> 410: status 410 is not documented for getCurrentUser"
    ]
    assert jira_spec.check_response("POST", f"{ISSUE}/transitions", 204, b"{}") == [
        "POST /rest/api/3/issue/{issueIdOrKey}/transitions -> 204: a 204 has no body"
    ]
    assert jira_spec.check_response("GET", ISSUE, 200) == [
        f"{label} -> 200: documented with a application/json body, none was sent"
    ]
    extra = jira_spec.check_response("GET", ISSUE, 200, {"id": "1", "summary": "not a field"})
    assert extra == [
        f"{label} -> 200 (root): Additional properties are not allowed ('summary' was unexpected)"
    ]
    error = jira_spec.check_response("GET", ISSUE, 404, {"message": "no"})
    assert error == [
        f"{label} -> 404 error body (root): Additional properties are not allowed "
        "('message' was unexpected)"
    ]
    html = jira_spec.check_response("GET", ISSUE, 200, b"<html/>", "text/html")
    assert html == [f"{label} -> 200: a 'text/html' body, Jira answers JSON"]


def test_an_issues_fields_are_checked_against_their_own_schemas() -> None:
    assert jira_spec.check_issue_fields({"status": GOOD_STATUS, "labels": ["a"]}) == []
    wrong = jira_spec.check_issue_fields(
        {
            "status": {"name": 5},
            "labels": "a",
            "updated": "yesterday",
            "issuelinks": [{"id": "1", "type": {"name": "Blocks"}}],
        },
        "WEB-1",
    )
    assert wrong[0] == "WEB-1 status name: 5 is not of type 'string'"
    assert "WEB-1 labels: 'a' is not of type 'array'" in wrong
    assert "WEB-1 updated: 'yesterday' is not a 'date-time'" in wrong
    assert any(w.startswith("WEB-1 issuelinks/0") for w in wrong), wrong
    both = {
        "id": "1",
        "type": {"name": "Blocks"},
        "inwardIssue": {"key": "A-1"},
        "outwardIssue": {"key": "A-2"},
    }
    assert jira_spec.check_issue_fields({"issuelinks": [both]}) != []  # one side only
