"""A task's outside side as the CLI and the API show it: the tracker issue it came from and the
pull request its work became, with the CI and review rounds it had of the most its repository
allows.

One read transaction and two queries for any number of tasks (`links_for`), so a list of a
thousand tasks costs what one does; never a query per task.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from cc_orchestrator.config import GithubConfig
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.links import IssueLink, PullRequest, PullState
from cc_orchestrator.domain.models import Task
from cc_orchestrator.ports import Store

#: more ids than this are matched in memory against the whole (small) link tables, not by an
#: IN list: SQLite bounds a statement's parameters, and the CLI lists every task
IN_LIST_MAX = 500


@dataclass(frozen=True)
class IssueInfo:
    tracker: str  # github | jira
    project: str  # owner/name on GitHub
    key: str  # "12" on GitHub
    url: str  # as the tracker gave it: only an http(s) one is ever a link
    state: str  # open | closed, as last seen

    @property
    def ref(self) -> str:
        """acme/widgets#12 on GitHub; the key itself elsewhere (WEB-3)."""
        return f"{self.project}#{self.key}" if self.tracker == "github" else self.key

    @classmethod
    def of(cls, link: IssueLink) -> IssueInfo:
        return cls(link.tracker, link.project, link.key, link.url, link.state)


@dataclass(frozen=True)
class PullInfo:
    number: int | None  # None while it opens
    url: str | None
    state: PullState
    checks: str | None  # pending | success | failure, of its head commit; None: none yet
    ci_rounds: int  # failing CI sent back to the agent
    review_rounds: int  # changes requested sent back to the agent
    head: str
    base: str  # "" until it opens: the repository's default branch
    ci_rounds_max: int | None = None  # its repository's github.ci_rounds
    review_rounds_max: int | None = None  # github.review_rounds

    @classmethod
    def of(cls, pr: PullRequest) -> PullInfo:
        return cls(
            number=pr.number,
            url=pr.url,
            state=pr.state,
            checks=pr.checks,
            ci_rounds=pr.ci_rounds,
            review_rounds=pr.review_rounds,
            head=pr.head,
            base=pr.base,
        )


@dataclass(frozen=True)
class TaskLinks:
    issue: IssueInfo | None = None
    pull_request: PullInfo | None = None

    @property
    def any(self) -> bool:
        return self.issue is not None or self.pull_request is not None


NONE = TaskLinks()


def links_for(store: Store, task_ids: Iterable[str]) -> dict[str, TaskLinks]:
    """Every asked task's issue and pull request (TaskLinks() when it has neither)."""
    ids = list(dict.fromkeys(task_ids))
    if not ids:
        return {}
    wanted: Collection[str] | None = ids if len(ids) <= IN_LIST_MAX else None
    with store.read() as tx:
        issues = {i.task_id: i for i in tx.issue_links(task_ids=wanted)}
        pulls = {p.task_id: p for p in tx.pull_requests(task_ids=wanted)}
    found: dict[str, TaskLinks] = {}
    for task_id in ids:
        issue, pr = issues.get(task_id), pulls.get(task_id)
        found[task_id] = TaskLinks(
            IssueInfo.of(issue) if issue else None, PullInfo.of(pr) if pr else None
        )
    return found


class TaskLinkService:
    """links_for, with each pull request's most rounds from its repository's settings (read
    once per repository, and only for tasks that have a pull request)."""

    def __init__(
        self,
        store: Store,
        *,
        settings_for: Callable[[Path], GithubConfig],
        defaults: GithubConfig,
    ) -> None:
        self.store = store
        self.settings_for = settings_for
        self.defaults = defaults  # the user's own: a repository gone, or its project file bad

    def of(self, tasks: Iterable[Task]) -> dict[str, TaskLinks]:
        tasks = list(tasks)
        found = links_for(self.store, [t.id for t in tasks])
        settings: dict[Path | None, GithubConfig] = {}
        for task in tasks:
            links = found[task.id]
            if links.pull_request is None:
                continue
            if task.repo_path not in settings:
                settings[task.repo_path] = self._settings(task.repo_path)
            cfg = settings[task.repo_path]
            pr = replace(
                links.pull_request,
                ci_rounds_max=cfg.ci_rounds,
                review_rounds_max=cfg.review_rounds,
            )
            found[task.id] = replace(links, pull_request=pr)
        return found

    def one(self, task: Task) -> TaskLinks:
        return self.of([task])[task.id]

    def _settings(self, root: Path | None) -> GithubConfig:
        if root is None or not root.is_dir():
            return self.defaults
        try:
            return self.settings_for(root)
        except CcoError:  # a project file gone bad: its own commands say why
            return self.defaults
