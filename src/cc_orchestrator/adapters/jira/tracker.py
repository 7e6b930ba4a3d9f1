"""Jira issues behind the tracker port (ports_trackers.IssueTracker).

Jira's dialect: a repository's issues are its `jira.jql`; after the first search, each asks
only for what changed since (`updated >= -Nm`, a watermark kept as the sync state's etag);
descriptions and comments are ADF (adf.py converts both ways); "is blocked by" links are
dependencies; the priority's name maps to a task priority (jira.priorities); a task's state
moves the issue through its workflow by the transition jira.transitions names (found by the
transition's name or the status it leads to), and its one comment, edited in place, carries a
marker it is found again by. The task's pull request becomes a remote link on the issue.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.adapters.jira.adf import adf_to_markdown, markdown_to_adf
from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.domain.jira import FIELDS, JiraError, JiraIssue, JiraTransition, sync_project
from cc_orchestrator.domain.links import IssueLink, PullRequest
from cc_orchestrator.domain.text import printable
from cc_orchestrator.domain.trackers import (
    IssueTask,
    NotModified,
    PartlyReported,
    TrackerError,
    TrackerIssue,
    task_marker,
)
from cc_orchestrator.ports_jira import JiraApi

#: cco's states in the order a task goes through them, for workflows walked step by step
LADDER = ("running", "review", "done")
MARGIN_MIN = 2  # minutes searched again before the watermark (clocks differ)
_ORDER = re.compile(r"\border\s+by\b", re.IGNORECASE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def split_order(jql: str) -> tuple[str, str]:
    """(the query's condition, its ORDER BY clause or ""), so conditions can be added."""
    found = [m for m in _ORDER.finditer(jql) if jql[: m.start()].count('"') % 2 == 0]
    if not found:
        return jql.strip(), ""
    at = found[-1].start()
    return jql[:at].strip(), jql[at:].strip()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _issue(issue: JiraIssue) -> TrackerIssue:
    return TrackerIssue(
        ref=issue.key,
        project=issue.project,
        title=issue.summary,
        url=issue.url,
        state="closed" if issue.status_category == "done" else "open",
        updated_at=issue.updated_at,
        labels=issue.labels,
        data={"issue": issue},
    )


class JiraTracker:
    name = "jira"
    title = "Jira"

    def __init__(
        self,
        *,
        settings: Callable[[Path | None], JiraConfig],
        api: Callable[[], JiraApi],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.api = api
        self.clock = clock

    def scope(self, root: Path) -> str | None:
        jql = self.settings(root).jql
        return sync_project(jql) if jql and jql.strip() else None

    def syncs(self, root: Path) -> bool:
        return self.settings(root).sync

    def search(
        self, root: Path, *, etag: str | None
    ) -> tuple[list[TrackerIssue], str | None] | NotModified:
        cfg = self.settings(root)
        where, order = split_order(cfg.jql or "")
        started = self.clock()
        query = f"({where})" if where else ""
        since = _watermark(etag)
        if since is not None:  # only what changed since the last search
            minutes = max(1, math.ceil((started - since) / 60)) + MARGIN_MIN
            query = f"{query} AND updated >= -{minutes}m" if query else f"updated >= -{minutes}m"
        fields = (*FIELDS, "comment") if cfg.include_comments else FIELDS
        found = self.api().search(f"{query} {order}".strip(), fields=fields)
        mark = datetime.fromtimestamp(started, UTC).isoformat()
        return [_issue(i) for i in found], mark

    def to_task(self, root: Path, issue: TrackerIssue, *, dependencies: bool) -> IssueTask:
        cfg = self.settings(root)
        jira: JiraIssue = issue.data["issue"]
        allowed = cfg.projects
        if allowed is not None and jira.project.upper() not in {p.upper() for p in allowed}:
            raise TrackerError(
                f"{jira.key} is in the Jira project {jira.project}, which jira.projects in "
                "your settings does not allow",
                hint="add it to jira.projects in your user settings, or narrow the "
                "repository's jira.jql",
            )
        described = adf_to_markdown(jira.description).strip()
        parts = [described or printable(jira.summary)]
        if cfg.include_comments:
            said = [
                f"- {printable(c.author)}: {adf_to_markdown(c.body).strip()}"
                for c in jira.comments
                if "cco:task:" not in json.dumps(c.body)  # not cco's own status comment
            ]
            if said:
                parts += ["", "Comments on the issue:", *said]
        parts += ["", f"(Jira issue {jira.key}: {jira.url})"]
        return IssueTask(
            title=jira.summary,
            prompt="\n".join(parts),
            priority=cfg.priorities.get(jira.priority or "", 0),
            labels=jira.labels,
            depends_on=tuple(k for k in jira.blocked_by if k != jira.key) if dependencies else (),
        )

    def sync_values(self) -> Mapping[str, Any]:
        return {}

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
        """The comment in place and the pull request linked first, then the transition: a
        workflow without it still gets the rest (PartlyReported, with the data to keep)."""
        cfg = self.settings(root)
        api = self.api()
        issue = api.issue(link.key, fields=("summary", "status", "project"))
        if issue is None:
            raise JiraError(
                f"Jira issue {link.key} is gone (deleted, or this account cannot see it)",
                status=404,
            )
        data: dict[str, Any] = dict(link.data)
        if comment is not None and cfg.comment and data.get("comment_sha") != _sha(comment):
            data.update(self._comment(link, data, comment))
        linked = pull is not None and pull.url and data.get("pr_linked") != pull.url
        if linked and pull is not None and pull.url and cfg.link_pull_requests:
            title = f"Pull request #{pull.number}" if pull.number else "Pull request"
            api.link_url(link.key, url=pull.url, title=title, global_id=f"cco-pr={pull.url}")
            data["pr_linked"] = pull.url
        if state:
            self._move(cfg, issue, state, data)
        return data

    def _move(self, cfg: JiraConfig, issue: JiraIssue, state: str, data: dict[str, Any]) -> None:
        """Move the issue to the status `state` maps to. A workflow that gets there only step
        by step (To Do -> In Progress -> In Review) is walked through cco's own earlier states
        when the target is not offered yet: a task that reached review before its `running`
        was said still lands its issue in review."""
        name = cfg.transition_for(issue.project, state)
        if not name or _same(name, issue.status):
            return
        api = self.api()
        status = issue.status
        ladder = list(LADDER[: LADDER.index(state)]) if state in LADDER else []
        while True:
            offered = api.transitions(issue.key)
            match = _find(offered, name)
            if match is not None:
                if not _same(match.to_status, status):
                    api.transition(issue.key, match.id)
                return
            step = None
            while ladder and step is None:  # the earliest of cco's earlier states offered
                wanted = cfg.transition_for(issue.project, ladder.pop(0))
                step = _find(offered, wanted) if wanted else None
                if step is not None and _same(step.to_status, status):
                    step = None
            if step is None:
                names = ", ".join(f"'{t.name}' (to {t.to_status})" for t in offered)
                raise PartlyReported(
                    f"Jira issue {issue.key} cannot move to '{name}' from its status "
                    f"'{status}': its workflow offers {names or 'no transition'} from there",
                    data=data,
                    hint=f"set jira.transitions.{state} (or jira.project_transitions."
                    f"{issue.project}.{state}) to one of those, or to '' to move nothing",
                )
            api.transition(issue.key, step.id)
            status = step.to_status

    def _comment(self, link: IssueLink, data: Mapping[str, Any], text: str) -> dict[str, Any]:
        api = self.api()
        mark = task_marker(link.task_id)
        body = markdown_to_adf(_HTML_COMMENT.sub("", text).strip())
        body["content"].append({"type": "paragraph", "content": [{"type": "text", "text": mark}]})
        comment_id = data.get("comment_id")
        if comment_id is None:  # recorded yet? a kill after posting it leaves it unrecorded
            found = [c.id for c in api.comments(link.key) if mark in json.dumps(c.body)]
            comment_id = found[0] if found else None
        if comment_id is not None:
            try:
                api.edit_comment(link.key, str(comment_id), body)
            except JiraError as exc:
                if exc.status != 404:
                    raise
                comment_id = None  # deleted by someone: say it again
        if comment_id is None:
            comment_id = api.add_comment(link.key, body)
        return {"comment_id": str(comment_id), "comment_sha": _sha(text)}


def _find(offered: list[JiraTransition], name: str) -> JiraTransition | None:
    """The transition called `name`, or leading to the status `name`."""
    by_name = [t for t in offered if _same(t.name, name)]
    found = by_name or [t for t in offered if _same(t.to_status, name)]
    return found[0] if found else None


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _watermark(etag: str | None) -> float | None:
    if not etag:
        return None
    try:
        return datetime.fromisoformat(etag).timestamp()
    except ValueError:
        return None
