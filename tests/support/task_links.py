"""A task's issue and pull request written straight into the store, as the GitHub services
record them (no GitHub needed): for the tests of what the CLI, the API and the dashboard show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import PROJECT_FILE_NAME
from cc_orchestrator.domain.events_links import pr_checks, pr_opened, task_linked
from cc_orchestrator.domain.links import IssueLink, PullRequest, PullState
from tests.conftest import git

OWNER_REPO = "acme/widgets"
ISSUES = f"https://github.com/{OWNER_REPO}/issues"
PULLS = f"https://github.com/{OWNER_REPO}/pull"


def github_settings(repo: Path, **github: Any) -> None:
    """The repository's own github settings, committed in its project file as a team would."""
    (repo / PROJECT_FILE_NAME).write_text(json.dumps({"github": github}))
    git(repo, "add", PROJECT_FILE_NAME)
    git(repo, "commit", "-q", "-m", "cco settings")


def link_issue(
    app: App, task_id: str, number: int, *, url: str | None = None, state: str = "open"
) -> IssueLink:
    """The task came from issue `number` (and its task.linked event)."""
    with app.store.write() as tx:
        link = tx.add_issue_link(
            IssueLink(
                task_id=task_id,
                tracker="github",
                project=OWNER_REPO,
                key=str(number),
                url=f"{ISSUES}/{number}" if url is None else url,
                state=state,
            )
        )
        tx.append_event(task_linked(link))
    return link


def open_pull(
    app: App,
    task_id: str,
    number: int,
    *,
    url: str | None = None,
    head: str = "cco/fix",
    base: str = "main",
    **values: Any,
) -> PullRequest:
    """The task's pull request is open (its task.pr_opened event); values: checks, ci_rounds..."""
    with app.store.write() as tx:
        tx.add_pull_request(PullRequest(task_id=task_id, repo=OWNER_REPO, head=head, base=base))
        pr = tx.update_pull_request(
            task_id,
            state=PullState.OPEN,
            number=number,
            url=f"{PULLS}/{number}" if url is None else url,
            head_sha="a" * 40,
            **values,
        )
        tx.append_event(pr_opened(pr))
    return pr


def set_checks(app: App, task_id: str, checks: str, *, failing: list[str] | None = None) -> None:
    """The checks of its head commit changed, as the PR watch records it (task.pr_checks)."""
    with app.store.write() as tx:
        pr = tx.update_pull_request(task_id, checks=checks)
        tx.append_event(pr_checks(pr, checks, failing or []))
