"""GitHub's description (tests/support/github_spec.py) catches what disagrees with it: each check
is shown a known-good request or answer, and a wrong one that must be caught, so none can pass by
not looking."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from tests.support import github_spec

pytestmark = pytest.mark.skipif(
    github_spec.missing() is not None and not github_spec.required(),
    reason=str(github_spec.missing()),
)

REPO = "/repos/acme/widgets"
PR_BODY = {"title": "Add x", "head": "feature", "base": "main", "body": "Closes #1", "draft": False}


def _keys_named(name: str, node: Any) -> int:
    if isinstance(node, dict):
        return (name in node) + sum(_keys_named(name, v) for v in node.values())
    if isinstance(node, list):
        return sum(_keys_named(name, v) for v in node)
    return 0


def _documented_example(template: str, method: str, status: str) -> Any:
    """The description's own example answer (known good for these operations)."""
    spec = github_spec.spec()
    content = spec["paths"][template][method]["responses"][status]["content"]["application/json"]
    example = next(iter(content["examples"].values()))
    if "$ref" in example:
        example = spec["components"]["examples"][example["$ref"].rsplit("/", 1)[-1]]
    return copy.deepcopy(example["value"])


def test_the_description_is_octokits_pinned_one_loaded_once_a_process() -> None:
    started = time.perf_counter()
    first = github_spec.spec()
    assert github_spec.spec() is first  # cached: the second call costs nothing
    assert time.perf_counter() - started < 5
    assert first["openapi"].startswith("3.0") and github_spec.spec_version() == "23.0.2"
    assert "/repos/{owner}/{repo}/pulls" in first["paths"]
    assert not _keys_named("nullable", first["components"]["schemas"]["issue"])
    assert "null" in first["components"]["schemas"]["issue"]["properties"]["closed_at"]["type"]


def test_find_operation_matches_templates_and_the_ghes_prefix() -> None:
    op = github_spec.find_operation("GET", f"{REPO}/issues/42")
    assert op is not None and op.template == "/repos/{owner}/{repo}/issues/{issue_number}"
    assert op.path_params == {"owner": "acme", "repo": "widgets", "issue_number": "42"}
    ghes = github_spec.find_operation("get", f"/api/v3{REPO}/issues/42")
    assert ghes is not None and ghes.template == op.template
    literal = github_spec.find_operation("PATCH", f"{REPO}/issues/comments/7")
    assert literal is not None and literal.template.endswith("/issues/comments/{comment_id}")
    label = github_spec.find_operation("DELETE", f"{REPO}/issues/3/labels/needs%20review")
    assert label is not None and label.path_params["name"] == "needs review"
    multi = github_spec.find_operation("GET", f"{REPO}/branches/feature/x")  # x-multi-segment
    assert multi is not None and multi.path_params["branch"] == "feature/x"
    assert github_spec.find_operation("GET", f"{REPO}/no-such-thing") is None
    assert github_spec.find_operation("PATCH", "/rate_limit") is None


def test_a_known_good_request_passes() -> None:
    query = {"state": "all", "labels": "bug,ui", "per_page": "50", "page": "2", "sort": "updated"}
    assert github_spec.check_request("GET", f"{REPO}/issues", query) == []
    assert github_spec.check_request("GET", f"/api/v3{REPO}/issues", {"state": ["open"]}) == []
    headers = {"Content-Type": "application/json"}
    assert github_spec.check_request("POST", f"{REPO}/pulls", {}, headers, PR_BODY) == []
    raw = b'{"labels": ["bug", "cco:running"]}'
    assert github_spec.check_request("POST", f"{REPO}/issues/3/labels", None, headers, raw) == []
    assert github_spec.check_request("DELETE", f"{REPO}/issues/3/labels/bug") == []


def test_an_unknown_operation_is_caught() -> None:
    assert github_spec.check_request("GET", f"{REPO}/issuez")
    assert github_spec.check_request("DELETE", "/rate_limit")


def test_a_wrong_body_is_caught() -> None:
    no_head = {k: v for k, v in PR_BODY.items() if k != "head"}
    assert any(
        "'head' is a required" in p
        for p in github_spec.check_request("POST", f"{REPO}/pulls", body=no_head)
    )
    assert github_spec.check_request("POST", f"{REPO}/pulls", body={**PR_BODY, "draft": "yes"})
    assert github_spec.check_request("POST", f"{REPO}/pulls", body={**PR_BODY, "heads": "x"})
    assert github_spec.check_request("POST", f"{REPO}/pulls", body=b"{not json")
    assert github_spec.check_request("POST", f"{REPO}/pulls")  # the body is required
    assert github_spec.check_request("GET", f"{REPO}/issues", body={"state": "open"})
    sent_as_form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert github_spec.check_request("POST", f"{REPO}/pulls", None, sent_as_form, PR_BODY)


def test_a_bad_query_or_path_parameter_is_caught() -> None:
    for query in ({"state": "opened"}, {"per_page": "many"}, {"colour": "red"}):
        assert github_spec.check_request("GET", f"{REPO}/issues", query), query
    assert github_spec.check_request("GET", f"{REPO}/issues", {"since": "yesterday"})
    assert github_spec.check_request("GET", f"{REPO}/issues", {"state": ["open", "closed"]})
    assert github_spec.check_request("GET", f"{REPO}/issues/forty-two")


def test_a_good_answer_passes_and_a_bad_one_is_caught() -> None:
    template = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
    good = _documented_example(template, "get", "200")
    assert github_spec.check_response("GET", f"{REPO}/issues/1/comments", 200, good) == []
    broken = copy.deepcopy(good)
    del broken[0]["id"]
    assert github_spec.check_response("GET", f"{REPO}/issues/1/comments", 200, broken)
    wrong_type = copy.deepcopy(good)
    wrong_type[0]["created_at"] = "last tuesday"
    assert github_spec.check_response("GET", f"{REPO}/issues/1/comments", 200, wrong_type)
    assert github_spec.check_response("GET", f"{REPO}/issues/1/comments", 200, {"a": 1})
    assert github_spec.check_response("GET", f"{REPO}/issues/1/comments", 418, None)
    assert github_spec.check_response("GET", f"{REPO}/issues/1/comments", 200, None)


def test_nullable_fields_take_null_and_nothing_else() -> None:
    issue = _documented_example("/repos/{owner}/{repo}/issues", "get", "200")[0]
    issue.update(closed_at=None, milestone=None, assignee=None, body=None)
    assert github_spec.check_response("GET", f"{REPO}/issues", 200, [issue]) == []
    assert github_spec.check_response("GET", f"{REPO}/issues", 200, [{**issue, "closed_at": 3}])
    assert github_spec.check_response("GET", f"{REPO}/issues", 200, [{**issue, "number": None}])


def test_answers_any_operation_may_give() -> None:
    error = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
    for status in (401, 403, 429, 500):
        assert github_spec.check_response("GET", f"{REPO}/issues", status, error) == []
    assert github_spec.check_response("GET", f"{REPO}/issues", 401, {"message": 3})
    assert github_spec.check_response("GET", f"{REPO}/issues", 304, None) == []
    assert github_spec.check_response("GET", f"{REPO}/issues", 304, b'{"a": 1}')
    assert github_spec.check_response("DELETE", f"{REPO}/issues/1/labels/x", 304, None)
    logs = f"{REPO}/actions/jobs/5/logs"
    assert github_spec.check_response("GET", logs, 302, None) == []
    assert github_spec.check_response("GET", logs, 302, {"url": "x"})


def test_webhook_examples_for_each_event_and_the_payload_check() -> None:
    examples = github_spec.webhook_examples()
    for event in github_spec.EVENTS:
        assert [e for e in examples if e[0] == event], event
    opened = next(p for e, a, p in examples if (e, a) == ("issues", "opened"))
    assert github_spec.check_webhook("issues", opened) == []
    assert github_spec.check_webhook("issues", {**opened, "issue": {"number": "1"}})
    assert github_spec.check_webhook("issues", {**opened, "action": "exploded"})
    assert github_spec.webhook_examples(["issues"])[0][2] is not examples[0][2]  # fresh copies


def test_api_version_2026_03_10_has_its_breaking_changes() -> None:
    v2026 = {"X-GitHub-Api-Version": "2026-03-10"}
    body = {"title": "x", "assignee": "mona"}
    assert github_spec.check_request("POST", f"{REPO}/issues", None, {}, body) == []
    assert github_spec.check_request("POST", f"{REPO}/issues", None, v2026, body)  # removed
    assert github_spec.check_request("GET", "/rate_limit", None, {"X-GitHub-Api-Version": "1"})
    assert {"assignee", "merge_commit_sha"} <= github_spec.removed_fields(
        "2026-03-10", "pull-request"
    )
    issue = _documented_example("/repos/{owner}/{repo}/issues", "get", "200")[0]
    del issue["assignee"]
    assert github_spec.check_response("GET", f"{REPO}/issues", 200, [issue])  # required here
    assert github_spec.check_response("GET", f"{REPO}/issues", 200, [issue], "2026-03-10") == []
