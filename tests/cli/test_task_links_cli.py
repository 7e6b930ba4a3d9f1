"""`cco tasks show` and `cco tasks list` name a task's issue and pull request (the CI round of
the most its repository's github settings allow); --json has them as objects, null when none;
the list's column is there only when a listed task has one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App, build_app
from tests.conftest import Cco
from tests.support.task_links import ISSUES, PULLS, github_settings, link_issue, open_pull


@pytest.fixture
def app(fake_claude: Path, repo: Path) -> Iterator[App]:
    github_settings(repo, repository="acme/widgets", ci_rounds=2, review_rounds=4)
    app = build_app(log_to_file=False)
    yield app
    app.close()


def add(app: App, repo: Path, title: str) -> str:
    return app.tasks.add(title=title, prompt=f"{title}: write x.txt x", repo=repo).id


def row_of(output: str, task_id: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith(task_id)]
    return line


def test_show_names_the_issue_and_the_pull_request(cco: Cco, app: App, repo: Path) -> None:
    linked = add(app, repo, "Fix login")
    link_issue(app, linked, 12)
    open_pull(app, linked, 3, checks="failure", ci_rounds=1)
    plain = add(app, repo, "Nothing outside")

    out = cco("tasks", "show", linked).output
    lines = out.splitlines()
    assert f"issue:        acme/widgets#12  {ISSUES}/12" in lines, out
    assert f"pull request: #3 open, checks failure, CI round 1 of 2  {PULLS}/3" in lines, (
        out
    )  # the most from the repository's settings (github.ci_rounds: 2), not the default 3
    assert "status:       ready" in out  # every key aligned with the longest
    shown = json.loads(cco("tasks", "show", linked, "--json").output)
    assert shown["issue"] == {
        "tracker": "github",
        "project": "acme/widgets",
        "key": "12",
        "url": f"{ISSUES}/12",
        "state": "open",
    }
    assert shown["pull_request"] == {
        "number": 3,
        "url": f"{PULLS}/3",
        "state": "open",
        "checks": "failure",
        "ci_rounds": 1,
        "ci_rounds_max": 2,
        "review_rounds": 0,
        "review_rounds_max": 4,
        "head": "cco/fix",
        "base": "main",
    }
    assert "head_sha" not in shown["pull_request"] and "etag" not in shown["pull_request"]

    out = cco("tasks", "show", plain).output
    assert "issue:" not in out and "pull request:" not in out
    assert "status:     ready" in out  # the usual alignment: nothing longer to fit
    shown = json.loads(cco("tasks", "show", plain, "--json").output)
    assert shown["issue"] is None and shown["pull_request"] is None


def test_show_a_closed_issue_a_merged_pr_and_one_opening(cco: Cco, app: App, repo: Path) -> None:
    merged = add(app, repo, "Merged work")
    link_issue(app, merged, 7, state="closed")
    open_pull(app, merged, 9, checks="success", ci_rounds=2, review_rounds=1)
    with app.store.write() as tx:
        tx.update_pull_request(merged, state="merged")
    out = cco("tasks", "show", merged).output
    assert f"acme/widgets#7 (closed)  {ISSUES}/7" in out
    assert f"#9 merged, checks success, CI round 2 of 2, review round 1 of 4  {PULLS}/9" in out, out

    opening = add(app, repo, "Opening")
    from cc_orchestrator.domain.links import PullRequest

    with app.store.write() as tx:
        tx.add_pull_request(
            PullRequest(task_id=opening, repo="acme/widgets", head="cco/opening", base="")
        )
    out = cco("tasks", "show", opening).output
    assert "pull request: opening: cco/opening\n" in out, out
    shown = json.loads(cco("tasks", "show", opening, "--json").output)["pull_request"]
    assert shown["state"] == "opening" and shown["number"] is None and shown["url"] is None


def test_list_has_the_column_only_when_a_task_has_one(cco: Cco, app: App, repo: Path) -> None:
    first = add(app, repo, "First")
    second = add(app, repo, "Second")
    out = cco("tasks", "list").output
    assert "ISSUE/PR" not in out.splitlines()[0]
    assert all(t["issue"] is None and t["pull_request"] is None for t in listed(cco))

    link_issue(app, first, 12)
    out = cco("tasks", "list").output
    assert "ISSUE/PR" in out.splitlines()[0]
    assert "  #12  " in row_of(out, first)
    assert "  -  " in row_of(out, second)

    open_pull(app, first, 3, checks="failure")
    assert "  #12 PR #3 ✗  " in row_of(cco("tasks", "list").output, first)
    open_pull(app, second, 4)
    out = cco("tasks", "list").output
    assert "  PR #4  " in row_of(out, second)  # no checks reported yet: no mark
    for checks, mark in (("pending", "…"), ("success", "✓")):
        with app.store.write() as tx:
            tx.update_pull_request(second, checks=checks)
        assert f"  PR #4 {mark}  " in row_of(cco("tasks", "list").output, second)

    by_id = {t["id"]: t for t in listed(cco)}
    assert by_id[first]["issue"]["key"] == "12"
    assert by_id[first]["pull_request"]["checks"] == "failure"
    assert by_id[second]["issue"] is None
    assert by_id[second]["pull_request"]["number"] == 4


def listed(cco: Cco) -> list[dict[str, object]]:
    data = json.loads(cco("tasks", "list", "--json").output)
    assert isinstance(data, list)
    return data  # type: ignore[return-value]


def test_control_characters_in_a_stored_link_never_reach_the_terminal(
    cco: Cco, app: App, repo: Path
) -> None:
    task = add(app, repo, "Odd")
    link_issue(app, task, 5, url="https://github.com/acme/widgets/issues/5\x1b]0;owned\x07")
    out = cco("tasks", "show", task).output
    assert "\x1b" not in out and "\x07" not in out
    assert "acme/widgets#5" in out
    assert "\x1b" not in cco("tasks", "list").output
