"""GitHub issues behind the tracker port (ports_trackers.IssueTracker).

GitHub's dialect: issues matching github.label / assignee / milestone; "depends on #12" /
"blocked by #3, #4" in the body and sub-issues (a parent waits for its sub-issues) are
dependencies; labels map to a priority (github.priority_labels); a task's state is a label
(cco:running, cco:review ...), its comment Markdown with an HTML-comment marker.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cc_orchestrator import faults
from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.github import GhIssue, GitHubError, NotModified, RepoRef
from cc_orchestrator.domain.links import IssueLink, PullRequest
from cc_orchestrator.domain.text import printable
from cc_orchestrator.domain.trackers import IssueTask, TrackerError, TrackerIssue, task_marker
from cc_orchestrator.ports_github import GitHubApi

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


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _issue(ref: RepoRef, issue: GhIssue) -> TrackerIssue:
    return TrackerIssue(
        ref=issue.number,
        project=ref.full_name,
        title=issue.title,
        url=issue.url,
        state=issue.state,
        updated_at=issue.updated_at,
        labels=issue.labels,
        data={"body": issue.body},
    )


class GitHubTracker:
    name = "github"
    title = "GitHub"

    def __init__(
        self,
        *,
        settings: Callable[[Path | None], GithubConfig],
        ref: Callable[[Path], RepoRef | None],
        api: Callable[[], GitHubApi],
    ) -> None:
        self.settings = settings
        self.ref = ref
        self.api = api

    def _need_ref(self, root: Path) -> RepoRef:
        ref = self.ref(root)
        if ref is None:
            raise TrackerError(
                f"{root} is not a GitHub repository that cco can tell",
                hint="set github.repository: owner/name in its .cc-orchestrator.yaml "
                "(or github.remote to the remote that is on GitHub)",
            )
        return ref

    def scope(self, root: Path) -> str | None:
        ref = self.ref(root)
        return ref.full_name if ref else None

    def syncs(self, root: Path) -> bool:
        return self.settings(root).sync

    def search(
        self, root: Path, *, etag: str | None
    ) -> tuple[list[TrackerIssue], str | None] | NotModified:
        ref, cfg = self._need_ref(root), self.settings(root)
        got = self.api().issues(
            ref, label=cfg.label, assignee=cfg.assignee, milestone=cfg.milestone, etag=etag
        )
        if isinstance(got, NotModified):
            return got
        issues, new_etag = got
        return [_issue(ref, i) for i in issues if not i.is_pull_request], new_etag

    def to_task(self, root: Path, issue: TrackerIssue, *, dependencies: bool) -> IssueTask:
        ref, cfg = self._need_ref(root), self.settings(root)
        number = int(issue.key)
        body = str(issue.data.get("body") or "")
        deps: list[int] = []
        if dependencies:
            deps = dependencies_in(body) + self.api().sub_issues(ref, number)
        parts = [printable(body, multiline=True).strip() or printable(issue.title)]
        if cfg.include_comments:
            said = [
                f"- {printable(c.user)}: {printable(c.body, multiline=True).strip()}"
                for c in self.api().comments(ref, number)
                if "<!-- cco:task:" not in c.body  # not cco's own status comment
            ]
            if said:
                parts += ["", "Comments on the issue:", *said]
        parts += ["", f"(GitHub issue {ref.full_name}#{number}: {issue.url})"]
        return IssueTask(
            title=issue.title,
            prompt="\n".join(parts),
            priority=max((cfg.priority_labels.get(lb, 0) for lb in issue.labels), default=0),
            labels=issue.labels,
            depends_on=tuple(str(n) for n in sorted(set(deps)) if n != number),
        )

    def sync_values(self) -> Mapping[str, Any]:
        try:
            rate = self.api().rate_limit()
        except CcoError:
            return {}
        return {
            "rate_limit": rate.limit,
            "rate_remaining": rate.remaining,
            "rate_reset_at": rate.reset_at,
        }

    # ------------------------------------------------------------------ status back
    def report(
        self,
        root: Path | None,
        link: IssueLink,
        *,
        state: str | None,
        comment: str | None,
        pull: PullRequest | None,
    ) -> dict[str, Any]:
        """The state as a label (the other state labels removed), the comment in place."""
        cfg = self.settings(root)
        api = self.api()
        repo, number = RepoRef.parse(link.project), int(link.key)
        issue = api.issue(repo, number)
        if issue is None:
            raise GitHubError(
                f"issue {link.project}#{number} is gone (deleted or transferred)", status=404
            )
        ours = {name for name in cfg.status_labels.values() if name}
        want = cfg.state_label(state) if state else None
        for label in issue.labels:
            if label in ours and label != want:
                api.remove_label(repo, number, label)
        if want and want not in issue.labels:
            api.add_labels(repo, number, [want])
        data: dict[str, Any] = dict(link.data)
        if comment is not None and cfg.comment and data.get("comment_sha") != _sha(comment):
            data.update(self._comment(link, data, repo, number, comment))
        return data

    def _comment(
        self, link: IssueLink, data: Mapping[str, Any], repo: RepoRef, number: int, body: str
    ) -> dict[str, Any]:
        api = self.api()
        comment_id = data.get("comment_id")
        if comment_id is None:  # recorded yet? a kill after posting it leaves it unrecorded
            mark = f"<!-- {task_marker(link.task_id)} -->"
            found = [c.id for c in api.comments(repo, number) if mark in c.body]
            comment_id = found[0] if found else None
        if comment_id is not None:
            try:
                api.edit_comment(repo, int(comment_id), body)
            except GitHubError as exc:
                if exc.status != 404:
                    raise
                comment_id = None  # deleted by someone: say it again
        if comment_id is None:
            comment_id = api.add_comment(repo, number, body)
            faults.point("github.after_comment")
        return {"comment_id": int(comment_id), "comment_sha": _sha(body)}
