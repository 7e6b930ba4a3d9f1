"""The fake Jira's JQL subset (tests/support/fake_jira_jql.py), each form through the real
search endpoint (``POST /rest/api/3/search/jql``), and what it refuses with Jira's 400."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.support.fake_jira import FakeJira
from tests.support.fake_jira_state import now

SEARCH = "/rest/api/3/search/jql"


@pytest.fixture
def keys(jira: FakeJira) -> httpx.Client:
    """WEB-1 (cco, High, To Do, 1 min ago), WEB-2 (cco ui, In Progress, 5 min), WEB-3 (Low,
    Done, 2 h), OPS-1 (ui, In Review, 3 days): a client on that site."""
    jira.add_issue("WEB", "Alpha", labels=["cco"], priority="High")
    jira.add_issue("WEB", "Beta", labels=["cco", "ui"], status="In Progress")
    jira.add_issue("WEB", "Gamma", priority="Low", status="Done")
    jira.add_issue("OPS", "Delta", labels=["ui"], status="In Review")
    at = now()
    for key, ago in (("WEB-1", 1), ("WEB-2", 5), ("WEB-3", 120), ("OPS-1", 3 * 24 * 60)):
        jira.issue(key).updated = at - timedelta(minutes=ago)
    return httpx.Client(base_url=jira.api_url, auth=(jira.email, jira.token), timeout=10)


def found(client: httpx.Client, jql: str) -> list[str]:
    answer = client.post(SEARCH, json={"jql": jql, "fields": ["key"], "maxResults": 100})
    assert answer.status_code == 200, answer.text
    return [i["key"] for i in answer.json()["issues"]]


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("project = WEB ORDER BY key", ["WEB-1", "WEB-2", "WEB-3"]),
        ("project = WEB", ["WEB-3", "WEB-2", "WEB-1"]),  # no ORDER BY: newest first
        ("project in (WEB, OPS) ORDER BY key ASC", ["OPS-1", "WEB-1", "WEB-2", "WEB-3"]),
        ("project not in (WEB)", ["OPS-1"]),
        ("labels = cco ORDER BY key", ["WEB-1", "WEB-2"]),
        ("labels in (ui) ORDER BY key DESC", ["WEB-2", "OPS-1"]),
        ('status = "In Progress"', ["WEB-2"]),
        ("status = 'in review'", ["OPS-1"]),
        ("status != Done AND project = WEB ORDER BY key", ["WEB-1", "WEB-2"]),
        ("statusCategory = Done", ["WEB-3"]),
        ("statusCategory != Done ORDER BY key", ["OPS-1", "WEB-1", "WEB-2"]),
        ('statusCategory = "In Progress" ORDER BY key', ["OPS-1", "WEB-2"]),
        ("statusCategory in (new, done) ORDER BY key", ["WEB-1", "WEB-3"]),
        ("key = WEB-1", ["WEB-1"]),
        ("issuekey in (WEB-1, OPS-1) ORDER BY key", ["OPS-1", "WEB-1"]),
        ("updated >= -15m ORDER BY key", ["WEB-1", "WEB-2"]),
        ("updated >= -3h ORDER BY key", ["WEB-1", "WEB-2", "WEB-3"]),
        ("updated > -1w AND updated < -1d", ["OPS-1"]),
        ("project = WEB ORDER BY updated ASC", ["WEB-3", "WEB-2", "WEB-1"]),
        ("project = WEB ORDER BY priority DESC, key", ["WEB-1", "WEB-2", "WEB-3"]),
        ("project = WEB AND labels = cco AND NOT status = 'In Progress'", ["WEB-1"]),
        ("(project = OPS OR labels = cco) AND statusCategory = new", ["WEB-1"]),
        ("project = OPS OR labels = cco AND statusCategory = new ORDER BY key", ["OPS-1", "WEB-1"]),
        ("NOT (project = WEB) ", ["OPS-1"]),
        ("project = web and LABELS = CCO order by KEY asc", ["WEB-1", "WEB-2"]),
        ("created >= -1h AND project = OPS", ["OPS-1"]),
        ('updated >= "2000-01-01 10:00" AND key = WEB-3', ["WEB-3"]),
        ("updated <= 2000/01/01", []),
    ],
)
def test_each_form(keys: httpx.Client, jql: str, expected: list[str]) -> None:
    assert found(keys, jql) == expected


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = WEB AND", "Error in the JQL Query: Expecting a field name but got 'EOF'."),
        ("project WEB", "Error in the JQL Query: Expecting operator but got 'WEB'."),
        ("project = WEB labels = x", "Expecting either 'OR' or 'AND' but got 'labels'."),
        ("project = WEB ORDER key", "Error in the JQL Query: Expecting 'by' but got 'key'."),
        ("project in WEB", "Error in the JQL Query: Expecting '(' but got 'WEB'."),
        ("project = (", "Expecting either a value, list or function but got '('."),
        ('project = "WEB', "The character '\"' is a reserved JQL character."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ('status = "Nope"', "The value 'Nope' does not exist for the field 'status'."),
        ("statusCategory = Maybe", "The value 'Maybe' does not exist for the field"),
        ("flavour = sweet", "Field 'flavour' does not exist or you do not have permission"),
        ("assignee = currentUser()", "the fake Jira does not support 'assignee'"),
        ("project > WEB", "The operator '>' is not supported by the 'project' field."),
        ("updated in (-1d)", "The operator 'in' is not supported by the 'updated' field."),
        ("updated >= yesterday", "Date value 'yesterday' for field 'updated' is invalid."),
        ("key = 12", "The issue key '12' for field 'key' is invalid."),
        ("project = WEB ORDER BY labels", "Field 'labels' does not support sorting."),
        ("", "Unbounded JQL queries are not allowed here."),
        ("ORDER BY key", "Unbounded JQL queries are not allowed here."),
    ],
)
def test_what_it_refuses(keys: httpx.Client, jql: str, message: str) -> None:
    answer = keys.post(SEARCH, json={"jql": jql})
    assert answer.status_code == 400
    body = answer.json()
    assert body["errors"] == {} and len(body["errorMessages"]) == 1
    assert message in body["errorMessages"][0], body
