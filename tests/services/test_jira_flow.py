"""Jira's whole loop through the services, in-process: real git (the remote a bare repository
the fake GitHub serves), real tmux, the fake claude CLI, and the fake Jira and fake GitHub that
check every request against Atlassian's and GitHub's own API descriptions.

Jira issue -> task -> agent -> review -> GitHub PR -> the Jira issue In Review, its one comment
(ADF) naming the PR, the PR a remote link -> merged -> task done -> the issue Done.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.jira import JiraError
from cc_orchestrator.domain.links import PullState
from cc_orchestrator.domain.models import TaskStatus
from cc_orchestrator.domain.outbox import DeliveryStatus
from cc_orchestrator.services.tracker_loop import TrackerPoll
from tests.conftest import wait_for
from tests.support.fake_github import FakeGitHub
from tests.support.fake_jira import FakeJira
from tests.support.fake_jira_control import signature
from tests.support.github_flow import drain, pull_of, until
from tests.support.jira_flow import configure_jira, jira_app

T = TaskStatus


def text_of(adf: object) -> str:
    return json.dumps(adf)


def failed(app: App) -> list[str]:
    with app.store.read() as tx:
        return [d.last_error or "" for d in tx.deliveries(statuses=[DeliveryStatus.FAILED])]


def test_jira_issue_to_merged_github_pull_request(
    apps: list[App], jira: FakeJira, github: FakeGitHub, repo: Path
) -> None:
    app = jira_app(apps, jira, repo, github, gh={"pull_requests": True, "open_pr_at": "review"})
    key = jira.add_issue("WEB", "Add the fix", "write fix.txt v1", labels=["cco"], priority="High")
    jira.add_issue("WEB", "Not for cco", "write other.txt x")  # no label: not a task

    report = app.tracker_sync.sync(repo, "jira")
    [(ref, task_id)] = report.created
    assert ref == key
    task = app.tasks.get(task_id)
    assert task.title == "Add the fix" and task.priority == 10
    assert "write fix.txt v1" in task.prompt and f"Jira issue {key}" in task.prompt
    assert app.tracker_sync.sync(repo, "jira").created == []  # once each

    until(app, task_id, T.REVIEW)
    pr = wait_for(
        lambda: (p := pull_of(app, task_id)) and p.state is PullState.OPEN and p, what="PR"
    )
    assert pr.number is not None and pr.url
    assert f"[{key}]" in (github.pr(pr.number).body or "")  # the PR names the Jira issue
    drain(app)
    issue = jira.issue(key)
    assert issue.status == "In Review"
    [said] = jira.comments(key)  # one comment, with the PR's link, found by its marker
    assert pr.url in text_of(said.body) and f"cco:task:{task_id}" in text_of(said.body)
    assert [link.object["url"] for link in jira.remote_links(key)] == [pr.url]

    github.set_check(pr.head_sha, "tests", "completed", "success")
    github.merge(pr.number)
    app.github_pulls.watch()
    assert app.tasks.get(task_id).status == T.DONE
    drain(app)
    assert jira.issue(key).status == "Done"
    [said] = jira.comments(key)  # still one, edited in place
    assert "done" in text_of(said.body)
    assert len(jira.remote_links(key)) == 1
    assert failed(app) == []


def test_blocked_by_links_become_dependencies_and_edits_follow(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo)
    base = jira.add_issue("WEB", "Base", "write a.txt one", labels=["cco"])
    top = jira.add_issue("WEB", "Top", "write b.txt two", labels=["cco"], blocked_by=[base])
    made = dict(app.tracker_sync.sync(repo, "jira").created)
    assert app.tasks.get(made[top]).depends_on == (made[base],)

    jira.edit_issue(top, summary="Top, renamed")
    report = app.tracker_sync.sync(repo, "jira")
    assert report.updated == [(top, made[top])]
    assert app.tasks.get(made[top]).title == "Top, renamed"

    jira.move(top, "Done")
    report = app.tracker_sync.sync(repo, "jira")
    assert report.cancelled == [(top, made[top])]
    assert app.tasks.get(made[top]).status == T.CANCELLED


def test_later_searches_ask_only_for_what_changed(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo)
    jira.add_issue("WEB", "One", "write a.txt one", labels=["cco"])
    app.tracker_sync.sync(repo, "jira", force=False)
    app.tracker_sync.sync(repo, "jira", force=False)
    asked = [r.json["jql"] for r in jira.requests if r.path.endswith("/search/jql")]
    assert "updated" not in asked[0] and asked[0].endswith("ORDER BY key ASC")
    assert "AND updated >= -" in asked[1] and asked[1].endswith("ORDER BY key ASC")


def test_a_workflow_without_the_transition_fails_that_delivery_alone(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo)
    jira.add_workflow("WEB", [("Open", "new"), ("Closed", "done")], [("Close", None, "Closed")])
    key = jira.add_issue("WEB", "Work", "write a.txt one", labels=["cco"])
    other = jira.add_issue("OPS", "Other", "write b.txt two", labels=["cco"])
    configure_jira(jira, repo, jql="labels = cco ORDER BY key")
    made = dict(app.tracker_sync.sync(repo, "jira").created)
    until(app, made[key], T.REVIEW)
    until(app, made[other], T.REVIEW)
    drain(app)
    errors = failed(app)
    assert any(f"Jira issue {key} cannot move to 'In Progress'" in e for e in errors), errors
    assert all(other not in e for e in errors)
    assert jira.issue(key).status == "Open"  # unmoved, and the comment said all the same
    assert len(jira.comments(key)) == 1
    assert jira.issue(other).status == "In Review"  # the rest of the fleet unaffected
    assert app.tasks.get(made[key]).status == T.REVIEW


def test_a_deleted_issue_fails_its_delivery_with_the_reason(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo)
    key = jira.add_issue("WEB", "Work", "write a.txt one", labels=["cco"])
    [(_, task_id)] = app.tracker_sync.sync(repo, "jira").created
    jira.delete_issue(key)
    until(app, task_id, T.REVIEW)
    drain(app)
    assert any(f"Jira issue {key} is gone" in e for e in failed(app)), failed(app)
    assert app.tasks.get(task_id).status == T.REVIEW


def test_a_jql_syntax_error_and_an_expired_token_say_what_to_do(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo, jql="project = = WEB")
    with pytest.raises(JiraError, match=r"JQL|jql") as bad:
        app.tracker_sync.sync(repo, "jira")
    assert bad.value.status == 400
    with app.store.read() as tx:
        assert tx.tasks() == []
        [state] = tx.sync_states("jira")
    assert state.last_error and "JQL" in state.last_error
    jira.take_violations()  # the JQL error is Jira's documented 400: nothing else disagreed

    configure_jira(jira, repo, jql="project = WEB")
    jira.add_issue("WEB", "Work", "write a.txt one")
    jira.expire_token()
    with pytest.raises(JiraError) as expired:
        app.tracker_sync.sync(repo, "jira")
    assert expired.value.status == 401
    assert "expired" in str(expired.value) + (expired.value.hint or "")
    assert jira.token not in str(expired.value) + (expired.value.hint or "")


def test_a_signed_webhook_wakes_the_poll_long_before_it_is_due(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo, user={"webhook_secret": "hook-secret"})
    first = jira.add_issue("WEB", "First", "write a.txt one", labels=["cco"])
    app.tracker_sync.sync(repo, "jira", force=False)  # registered, watermark kept
    poll = TrackerPoll(app.store, app.tracker_sync, "jira", poll_s=lambda: 3600.0)
    poll.pass_once()  # the first pass; the next is an hour away
    key = jira.add_issue("WEB", "Second", "write b.txt two", labels=["cco"])

    def deliver(event: str) -> None:
        if event.startswith("jira:issue_"):
            payload = jira.webhook_payload(event, key)
        else:  # an event about something else than issues
            payload = {"webhookEvent": event, "timestamp": 1, "version": {"id": "1"}}
        raw = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Atlassian-Webhook-Identifier": f"{event}-1",
            "X-Hub-Signature": signature("hook-secret", raw),
        }
        app.webhooks.receive("jira", headers, raw, "hook-secret")

    deliver("jira:version_created")  # nothing cco follows: settled, no search
    searches = len([r for r in jira.requests if r.path.endswith("/search/jql")])
    poll.pass_once()
    assert len([r for r in jira.requests if r.path.endswith("/search/jql")]) == searches
    deliver("jira:issue_created")
    poll.pass_once()
    with app.store.read() as tx:
        keys = sorted(link.key for link in tx.issue_links(tracker="jira"))
        statuses = sorted(i.status.value for i in tx.inbox_items(source="jira"))
    assert keys == [first, key]
    assert statuses == ["done", "ignored"]


def test_the_comment_is_found_again_after_a_kill_before_its_id_was_kept(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo)
    key = jira.add_issue("WEB", "Work", "write a.txt one", labels=["cco"])
    [(_, task_id)] = app.tracker_sync.sync(repo, "jira").created
    until(app, task_id, T.REVIEW)
    drain(app)
    assert len(jira.comments(key)) == 1
    with app.store.write() as tx:  # as if killed between posting and recording
        tx.update_issue_link(task_id, data={})
    app.tracker_status.status(task_id)
    assert len(jira.comments(key)) == 1
    jira.delete_comment(key, jira.comments(key)[0].id)  # someone deleted it: said again
    with app.store.write() as tx:
        tx.update_issue_link(task_id, data={"comment_id": "999999"})
    app.tracker_status.status(task_id)
    [again] = jira.comments(key)
    assert f"cco:task:{task_id}" in text_of(again.body)


def test_a_repository_s_jql_cannot_reach_past_the_user_s_projects(
    apps: list[App], jira: FakeJira, repo: Path
) -> None:
    app = jira_app(apps, jira, repo, user={"projects": ["WEB"]}, jql="labels = cco ORDER BY key")
    ours = jira.add_issue("WEB", "Ours", "write a.txt one", labels=["cco"])
    secret = jira.add_issue("HR", "Salaries", "write b.txt two", labels=["cco"])
    report = app.tracker_sync.sync(repo, "jira")
    assert [ref for ref, _ in report.created] == [ours]
    [(ref, why)] = report.skipped
    assert ref == secret and "jira.projects" in why
    with app.store.read() as tx:
        assert len(tx.tasks()) == 1
