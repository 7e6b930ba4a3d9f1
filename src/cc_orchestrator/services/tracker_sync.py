"""Tracker issues become tasks: `cco sync github|jira` and the daemon's loops.

Any tracker behind ports_trackers.IssueTracker (GitHub issues, Jira): the issues a repository's
filter finds become tasks, once each: the task and its issue link are written in one
transaction (unique per tracker, project and key), so a sync killed at any point never makes
one twice. The tracker maps an issue to the task's title, prompt, priority, labels and
dependencies (an issue a task depends on is made first; a cycle is reported and skipped). An
edit updates a task not yet started; closing the issue cancels its task (unless its work is in
a pull request, whose own end decides). One odd issue is skipped with the reason; the others
go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cc_orchestrator.domain.errors import CcoError, InvalidInput, NotFound
from cc_orchestrator.domain.links import IssueLink, PullState
from cc_orchestrator.domain.models import TaskStatus
from cc_orchestrator.domain.text import printable
from cc_orchestrator.domain.trackers import NotModified, TrackerIssue
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.ports_trackers import IssueTracker
from cc_orchestrator.services.tasks import MAX_TITLE, TaskService

log = get_logger("cco.trackers")
T = TaskStatus
NOT_STARTED = frozenset({T.PENDING, T.READY, T.BLOCKED})
ENDED = frozenset({T.DONE, T.CANCELLED, T.FAILED})
MAX_PROMPT_CHARS = 60_000
Ref = int | str


@dataclass
class SyncReport:
    repo: str  # the tracker's name of what was synced (owner/name, a JQL)
    tracker: str = "github"
    created: list[tuple[Ref, str]] = field(default_factory=list)  # (issue, task)
    updated: list[tuple[Ref, str]] = field(default_factory=list)
    cancelled: list[tuple[Ref, str]] = field(default_factory=list)
    skipped: list[tuple[Ref, str]] = field(default_factory=list)  # (issue, why)
    unchanged: int = 0
    not_modified: bool = False
    dry_run: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "tracker": self.tracker,
            "repo": self.repo,
            "dry_run": self.dry_run,
            "not_modified": self.not_modified,
            "created": [{"issue": n, "task": t} for n, t in self.created],
            "updated": [{"issue": n, "task": t} for n, t in self.updated],
            "cancelled": [{"issue": n, "task": t} for n, t in self.cancelled],
            "skipped": [{"issue": n, "why": w} for n, w in self.skipped],
            "unchanged": self.unchanged,
        }


@dataclass
class _Run:
    root: Path
    tracker: IssueTracker
    issues: dict[str, TrackerIssue]
    report: SyncReport
    done: set[str] = field(default_factory=set)
    visiting: set[str] = field(default_factory=set)


class TrackerSync:
    def __init__(
        self, store: Store, tasks: TaskService, trackers: Mapping[str, IssueTracker]
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.trackers = dict(trackers)

    def tracker(self, name: str) -> IssueTracker:
        found = self.trackers.get(name)
        if found is None:
            raise NotFound(f"no issue tracker {name!r}", hint=f"one of {', '.join(self.trackers)}")
        return found

    def synced_repos(self, name: str) -> list[Path]:
        """The registered repositories (any that cco worked in, or `cco sync` ran in) whose
        settings say the tracker's `sync`."""
        tracker = self.tracker(name)
        with self.store.read() as tx:
            roots = [r.path for r in tx.repos()]
        return [r for r in roots if r.is_dir() and self._syncs(tracker, r)]

    @staticmethod
    def _syncs(tracker: IssueTracker, root: Path) -> bool:
        try:
            return tracker.syncs(root) and tracker.scope(root) is not None
        except CcoError:
            return False

    def sync(
        self, root: Path, name: str = "github", *, dry_run: bool = False, force: bool = False
    ) -> SyncReport:
        tracker = self.tracker(name)
        root = self.tasks.worktrees.check(repo=root, base=None)
        scope = tracker.scope(root)
        if scope is None:
            raise _unscoped(root, name)
        report = SyncReport(scope, tracker=name, dry_run=dry_run)
        if not dry_run:  # from now on the daemon syncs it too (with <tracker>.sync)
            with self.store.write() as tx:
                tx.ensure_repo(root)
        with self.store.read() as tx:
            state = tx.sync_state(name, scope)
        etag = None if (force or dry_run or state is None) else state.etag
        try:
            got = tracker.search(root, etag=etag)
        except CcoError as exc:
            if not dry_run:
                self._record(tracker, scope, error=str(exc))
            raise
        if isinstance(got, NotModified):
            report.not_modified = True
            if not dry_run:
                self._record(tracker, scope, etag=got.etag)
            return report
        issues, new_etag = got
        run = _Run(root, tracker, {i.key: i for i in issues}, report)
        for key in sorted(run.issues, key=_order):
            run.visiting = set()  # the chain of dependencies being made from this one
            self._apply(run, key)
        if not dry_run:
            self._record(tracker, scope, etag=new_etag)
        log.info(
            "tracker.synced",
            tracker=name,
            scope=scope,
            created=len(report.created),
            updated=len(report.updated),
            cancelled=len(report.cancelled),
            skipped=len(report.skipped),
        )
        return report

    # ------------------------------------------------------------------ one issue
    def _link(self, run: _Run, key: str, project: str) -> IssueLink | None:
        found = run.issues.get(key)
        if found is not None:
            project = found.project
        elif not key.isdigit() and "-" in key:  # a Jira key names its project: WEB-3
            project = key.rsplit("-", 1)[0]
        with self.store.read() as tx:
            return tx.issue_link_for(run.tracker.name, project, key)

    def _apply(self, run: _Run, key: str) -> str | None:
        """The task of issue `key` (made first if new, its dependencies before it)."""
        issue = run.issues[key]
        link = self._link(run, key, issue.project)
        if key in run.done:
            return link.task_id if link else None
        try:
            if link is None:
                if issue.state != "open":
                    return None
                run.visiting.add(key)
                task_id = self._create(run, issue)
            else:
                task_id = link.task_id
                self._follow(run, issue, link)
        except CcoError as exc:  # this issue alone
            run.report.skipped.append((issue.ref, str(exc)))
            log.warning("tracker.issue_skipped", tracker=run.tracker.name, issue=key, why=str(exc))
            task_id = None
        run.done.add(key)
        return task_id

    def _create(self, run: _Run, issue: TrackerIssue) -> str | None:
        mapped = run.tracker.to_task(run.root, issue, dependencies=True)
        deps: list[str] = []
        for dep in mapped.depends_on:
            if dep in run.visiting:
                run.report.skipped.append(
                    (issue.ref, f"its dependency on {_name(run, dep)} is a cycle")
                )
                continue
            known = self._link(run, dep, issue.project)
            if known is None and dep in run.issues:
                made = self._apply(run, dep)
                if made:
                    deps.append(made)
            elif known is not None:
                deps.append(known.task_id)
        if run.report.dry_run:
            run.report.created.append((issue.ref, "(new)"))
            return None
        title = printable(mapped.title).strip()[:MAX_TITLE] or f"Issue {_name(run, issue.key)}"
        task = self.tasks.add(
            title=title,
            prompt=_clip(mapped.prompt),
            repo=run.root,
            priority=mapped.priority,
            labels=_labels(mapped.labels),
            depends_on=deps,
            link=IssueLink(
                task_id="",
                tracker=run.tracker.name,
                project=issue.project,
                key=issue.key,
                url=issue.url,
                state=issue.state,
                updated_at=issue.updated_at,
            ),
        )
        run.report.created.append((issue.ref, task.id))
        return task.id

    def _follow(self, run: _Run, issue: TrackerIssue, link: IssueLink) -> None:
        report = run.report
        task = self.tasks.get(link.task_id)
        changed = issue.updated_at is not None and (
            link.updated_at is None or issue.updated_at >= link.updated_at  # whole seconds
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
                    why = f"issue {_name(run, issue.key)} was closed"
                    self.tasks.cancel(task.id, reason=why)
                report.cancelled.append((issue.ref, task.id))
        elif changed and task.status in NOT_STARTED and issue.state == "open":
            mapped = run.tracker.to_task(run.root, issue, dependencies=False)
            prompt = _clip(mapped.prompt)
            title = printable(mapped.title).strip()[:MAX_TITLE] or task.title
            if (title, prompt, mapped.priority) != (task.title, task.prompt, task.priority):
                if not report.dry_run:
                    self.tasks.edit(task.id, title=title, prompt=prompt, priority=mapped.priority)
                report.updated.append((issue.ref, task.id))
            else:
                report.unchanged += 1
        else:
            report.unchanged += 1
        if not report.dry_run and (changed or issue.state != link.state):
            with self.store.write() as tx:
                tx.update_issue_link(task.id, state=issue.state, updated_at=issue.updated_at)

    def _record(
        self,
        tracker: IssueTracker,
        scope: str,
        *,
        etag: str | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, object] = {"last_sync_at": datetime.now(UTC), "last_error": error}
        if etag is not None:
            values["etag"] = etag
        values.update(tracker.sync_values())
        with self.store.write() as tx:
            tx.put_sync_state(tracker.name, scope, **values)


def _order(key: str) -> tuple[int, str]:
    """Issues in the order they were made: #2 before #10, WEB-2 before WEB-10."""
    head, _, num = key.rpartition("-")
    digits = num if num.isdigit() else (key if key.isdigit() else "")
    return (int(digits) if digits else 0, head)


def _name(run: _Run, key: str) -> str:
    return f"#{key}" if run.tracker.name == "github" else key


def _clip(text: str) -> str:
    text = printable(text, multiline=True)
    return text if len(text) <= MAX_PROMPT_CHARS else text[:MAX_PROMPT_CHARS] + "\n…"


def _labels(labels: tuple[str, ...]) -> list[str]:
    return [printable(lb)[:50] for lb in labels if printable(lb).strip()]


def _unscoped(root: Path, tracker: str) -> InvalidInput:
    if tracker == "github":
        return InvalidInput(
            f"{root} is not a GitHub repository that cco can tell",
            hint="set github.repository: owner/name in its .cc-orchestrator.yaml "
            "(or github.remote to the remote that is on GitHub)",
        )
    return InvalidInput(
        f"{root} takes no issues from {tracker}",
        hint=f"set {tracker}.jql (the query of its issues) in its .cc-orchestrator.yaml",
    )
