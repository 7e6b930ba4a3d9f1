"""GitHub issues become tasks: `cco sync github` and the daemon's loop.

Issues matching a repository's filter (github.label / assignee / milestone) become tasks,
once each: the task and its issue link are written in one transaction (unique per issue), so
a sync killed at any point never makes one twice. The title and body (and, with
github.include_comments, the comments) are the task's title and prompt; labels map to
priority (github.priority_labels); "depends on #12" / "blocked by #12" in the body and
GitHub's sub-issues (a parent waits for its sub-issues) become dependencies. An edit to the
issue updates a task not yet started; closing the issue cancels its task (unless its work is
in a pull request, whose own end decides). One odd issue is skipped with the reason; the
others go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cc_orchestrator.config import GithubConfig
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.github import GhIssue, NotModified, RepoRef
from cc_orchestrator.domain.links import IssueLink, PullState
from cc_orchestrator.domain.models import TaskStatus
from cc_orchestrator.domain.text import printable
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.services.github_repos import GitHubRepos
from cc_orchestrator.services.tasks import MAX_TITLE, TaskService

log = get_logger("cco.github")
T = TaskStatus
TRACKER = "github"
NOT_STARTED = frozenset({T.PENDING, T.READY, T.BLOCKED})
ENDED = frozenset({T.DONE, T.CANCELLED, T.FAILED})
MAX_PROMPT_CHARS = 60_000
_DEPS = re.compile(
    r"(?im)\b(?:depends\s+on|depends-on:|blocked\s+by|requires)\s*:?\s*"
    r"((?:#\d+(?:\s*(?:,|and|&)\s*)?)+)"
)


def dependencies_in(body: str) -> list[int]:
    """Issue numbers named by "depends on #12", "blocked by #3, #4" and the like."""
    found: list[int] = []
    for m in _DEPS.finditer(body or ""):
        found += [int(n) for n in re.findall(r"#(\d+)", m.group(1))]
    return sorted(set(found))


@dataclass
class SyncReport:
    repo: str
    created: list[tuple[int, str]] = field(default_factory=list)  # (issue, task)
    updated: list[tuple[int, str]] = field(default_factory=list)
    cancelled: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (issue, why)
    unchanged: int = 0
    not_modified: bool = False
    dry_run: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "repo": self.repo,
            "dry_run": self.dry_run,
            "not_modified": self.not_modified,
            "created": [{"issue": n, "task": t} for n, t in self.created],
            "updated": [{"issue": n, "task": t} for n, t in self.updated],
            "cancelled": [{"issue": n, "task": t} for n, t in self.cancelled],
            "skipped": [{"issue": n, "why": w} for n, w in self.skipped],
            "unchanged": self.unchanged,
        }


class GitHubSync:
    def __init__(self, store: Store, tasks: TaskService, repos: GitHubRepos) -> None:
        self.store = store
        self.tasks = tasks
        self.repos = repos

    def synced_repos(self) -> list[Path]:
        """The registered repositories (any that cco worked in, or `cco sync github` ran in)
        whose settings say github.sync."""
        with self.store.read() as tx:
            roots = [r.path for r in tx.repos()]
        return [r for r in roots if r.is_dir() and self.repos.settings(r).sync]

    def sync(self, root: Path, *, dry_run: bool = False, force: bool = False) -> SyncReport:
        root = self.tasks.worktrees.check(repo=root, base=None)
        ref = self.repos.need_ref(root)
        cfg = self.repos.settings(root)
        report = SyncReport(ref.full_name, dry_run=dry_run)
        if not dry_run:  # from now on the daemon syncs it too (with github.sync)
            with self.store.write() as tx:
                tx.ensure_repo(root)
        api = self.repos.api()
        with self.store.read() as tx:
            state = tx.sync_state(TRACKER, ref.full_name)
        etag = None if (force or dry_run or state is None) else state.etag
        try:
            got = api.issues(
                ref, label=cfg.label, assignee=cfg.assignee, milestone=cfg.milestone, etag=etag
            )
        except CcoError as exc:
            if not dry_run:
                self._record(ref, error=str(exc))
            raise
        if isinstance(got, NotModified):
            report.not_modified = True
            self._record(ref, etag=got.etag)
            return report
        issues, new_etag = got
        by_number = {i.number: i for i in issues if not i.is_pull_request}
        done: set[int] = set()
        for number in sorted(by_number):
            self._apply(root, ref, cfg, by_number, number, report, done, set())
        if not dry_run:
            self._record(ref, etag=new_etag)
        log.info(
            "github.synced",
            repo=ref.full_name,
            created=len(report.created),
            updated=len(report.updated),
            cancelled=len(report.cancelled),
            skipped=len(report.skipped),
        )
        return report

    # ------------------------------------------------------------------ one issue
    def _apply(
        self,
        root: Path,
        ref: RepoRef,
        cfg: GithubConfig,
        issues: dict[int, GhIssue],
        number: int,
        report: SyncReport,
        done: set[int],
        visiting: set[int],
    ) -> str | None:
        """The task of issue `number` (made first if new, its dependencies before it)."""
        with self.store.read() as tx:
            link = tx.issue_link_for(TRACKER, ref.full_name, str(number))
        if number in done:
            return link.task_id if link else None
        issue = issues[number]
        try:
            if link is None:
                if issue.state != "open":
                    return None
                visiting.add(number)
                task_id = self._create(root, ref, cfg, issues, issue, report, done, visiting)
            else:
                task_id = link.task_id
                self._follow(ref, issue, link, report)
        except CcoError as exc:  # this issue alone
            report.skipped.append((number, str(exc)))
            log.warning("github.issue_skipped", repo=ref.full_name, issue=number, why=str(exc))
            task_id = None
        done.add(number)
        return task_id

    def _create(
        self,
        root: Path,
        ref: RepoRef,
        cfg: GithubConfig,
        issues: dict[int, GhIssue],
        issue: GhIssue,
        report: SyncReport,
        done: set[int],
        visiting: set[int],
    ) -> str | None:
        api = self.repos.api()
        wanted = dependencies_in(issue.body)
        wanted += api.sub_issues(ref, issue.number)  # a parent waits for its sub-issues
        deps: list[str] = []
        for n in sorted(set(wanted) - {issue.number}):
            if n in visiting:
                report.skipped.append((issue.number, f"its dependency on #{n} is a cycle"))
                continue
            with self.store.read() as tx:
                known = tx.issue_link_for(TRACKER, ref.full_name, str(n))
            if known is None and n in issues:
                made = self._apply(root, ref, cfg, issues, n, report, done, visiting)
                if made:
                    deps.append(made)
            elif known is not None:
                deps.append(known.task_id)
        if report.dry_run:
            report.created.append((issue.number, "(new)"))
            return None
        prompt = self._prompt(ref, cfg, issue)
        priority = max((cfg.priority_labels.get(lb, 0) for lb in issue.labels), default=0)
        labels = [printable(lb)[:50] for lb in issue.labels if printable(lb).strip()]
        title = printable(issue.title).strip()[:MAX_TITLE] or f"Issue #{issue.number}"
        task = self.tasks.add(
            title=title,
            prompt=prompt,
            repo=root,
            priority=priority,
            labels=labels,
            depends_on=deps,
            link=IssueLink(
                task_id="",
                tracker=TRACKER,
                project=ref.full_name,
                key=str(issue.number),
                url=issue.url,
                state=issue.state,
                updated_at=issue.updated_at,
            ),
        )
        report.created.append((issue.number, task.id))
        return task.id

    def _prompt(self, ref: RepoRef, cfg: GithubConfig, issue: GhIssue) -> str:
        parts = [printable(issue.body or "", multiline=True).strip() or printable(issue.title)]
        if cfg.include_comments:
            comments = self.repos.api().comments(ref, issue.number)
            said = [
                f"- {printable(c.user)}: {printable(c.body, multiline=True).strip()}"
                for c in comments
                if "<!-- cco:task:" not in c.body  # not cco's own status comment
            ]
            if said:
                parts += ["", "Comments on the issue:", *said]
        parts += ["", f"(GitHub issue {ref.full_name}#{issue.number}: {issue.url})"]
        text = "\n".join(parts)
        return text if len(text) <= MAX_PROMPT_CHARS else text[:MAX_PROMPT_CHARS] + "\n…"

    def _follow(self, ref: RepoRef, issue: GhIssue, link: IssueLink, report: SyncReport) -> None:
        task = self.tasks.get(link.task_id)
        changed = issue.updated_at is not None and (
            link.updated_at is None or issue.updated_at >= link.updated_at  # GitHub: whole seconds
        )
        if issue.state == "closed" and link.state != "closed":
            with self.store.read() as tx:
                pr = tx.pull_request(task.id)
            landing = pr is not None and pr.state in (
                PullState.OPENING,
                PullState.OPEN,
                PullState.MERGED,
            )
            if task.status not in ENDED and not landing:
                if not report.dry_run:
                    self.tasks.cancel(task.id, reason=f"issue #{issue.number} was closed")
                report.cancelled.append((issue.number, task.id))
        elif changed and task.status in NOT_STARTED and issue.state == "open":
            cfg = self.repos.settings(task.repo_path)
            prompt = self._prompt(ref, cfg, issue)
            title = printable(issue.title).strip()[:MAX_TITLE] or task.title
            priority = max((cfg.priority_labels.get(lb, 0) for lb in issue.labels), default=0)
            if (title, prompt, priority) != (task.title, task.prompt, task.priority):
                if not report.dry_run:
                    self.tasks.edit(task.id, title=title, prompt=prompt, priority=priority)
                report.updated.append((issue.number, task.id))
            else:
                report.unchanged += 1
        else:
            report.unchanged += 1
        if not report.dry_run and (changed or issue.state != link.state):
            with self.store.write() as tx:
                tx.update_issue_link(task.id, state=issue.state, updated_at=issue.updated_at)

    def _record(self, ref: RepoRef, *, etag: str | None = None, error: str | None = None) -> None:
        values: dict[str, object] = {"last_sync_at": datetime.now(UTC), "last_error": error}
        if etag is not None:
            values["etag"] = etag
        try:
            rate = self.repos.api().rate_limit()
            values.update(
                rate_limit=rate.limit, rate_remaining=rate.remaining, rate_reset_at=rate.reset_at
            )
        except CcoError:
            pass
        with self.store.write() as tx:
            tx.put_sync_state(TRACKER, ref.full_name, **values)
