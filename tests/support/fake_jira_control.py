"""The fake Jira's test-side control (no HTTP): projects and their workflows, issues, links,
comments, and Jira's admin webhooks sent on demand (``send_webhook``)."""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from tests.support import jira_spec
from tests.support.fake_jira_objects import comment, issue_json, user_details, wanted_fields
from tests.support.fake_jira_state import (
    DEFAULT_STATUSES,
    DEFAULT_TRANSITIONS,
    JSON,
    PRIORITIES,
    Comment,
    Issue,
    Link,
    RemoteLink,
    State,
    Workflow,
    adf,
    now,
)

if TYPE_CHECKING:
    from tests.support.fake_jira_objects import Site

#: the admin webhooks' events the fake sends (``webhookEvent``)
EVENTS = (
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
)


def signature(secret: str, raw: bytes) -> str:
    """``X-Hub-Signature`` of a Jira webhook with a secret: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), raw, "sha256").hexdigest()


class Control:
    state: State
    lock: threading.RLock
    violations: list[str]
    webhooks_sent: list[tuple[str, dict[str, str], bytes]]

    def site(self, api: str) -> Site:
        raise NotImplementedError

    @property
    def url(self) -> str:
        raise NotImplementedError

    # -- projects and workflows ------------------------------------------------------------
    def add_workflow(
        self,
        project: str,
        statuses: Iterable[tuple[str, str]] | Mapping[str, str],
        transitions: Sequence[Any],
    ) -> Workflow:
        """The project's workflow: statuses as (name, new|indeterminate|done), the first one
        where issues start; transitions as (name, from-statuses or None for global, to), or
        dicts with name, from, to (and an ``id``; else 11, 21, 31...)."""
        with self.lock:
            self._project(project)
            made = self.state.workflow(statuses, transitions)
            self.state.workflows[project] = made
            return made

    def _project(self, key: str) -> None:
        if key not in self.state.projects:
            self.state.projects[key] = str(self.state.next("project"))
        if key not in self.state.workflows:
            self.state.workflows[key] = self.state.workflow(DEFAULT_STATUSES, DEFAULT_TRANSITIONS)

    # -- issues ----------------------------------------------------------------------------
    def add_issue(
        self,
        project: str,
        summary: str,
        description: JSON | str | None = None,
        *,
        description_adf: JSON | None = None,
        labels: Iterable[str] = (),
        priority: str = "Medium",
        status: str | None = None,
        blocked_by: Iterable[str] = (),
    ) -> str:
        """A new issue (its key, ``PROJECT-n``). The description is ADF as given, or text
        (markdown-ish) made a minimal ADF document; it starts in the workflow's first status
        unless ``status`` names another."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority {priority!r}: one of {PRIORITIES}")
        with self.lock:
            self._project(project)
            flow = self.state.workflows[project]
            start = status or flow.initial
            if start not in flow.statuses:
                raise ValueError(f"{project} has no status {start!r}: {sorted(flow.statuses)}")
            number = self.state.next(f"issue:{project}", 1)
            doc = description_adf if description_adf is not None else description
            issue = Issue(
                id=str(self.state.next("issue")),
                key=f"{project}-{number}",
                project=project,
                summary=summary,
                description=adf(doc) if isinstance(doc, str) else doc,
                labels=list(labels),
                priority=priority,
                status=start,
            )
            self.state.issues[issue.key] = issue
            for blocker in blocked_by:
                self.link(blocker, issue.key)
            return issue.key

    def issue(self, key: str) -> Issue:
        """The issue as the fake holds it (status, comments with their ADF bodies, remote
        links; a deleted one too, marked so)."""
        with self.lock:
            return self.state.issues[key.upper()]

    def _live(self, key: str) -> Issue:
        found = self.state.live(key)
        if found is None:
            raise KeyError(f"no issue {key} (or it was deleted)")
        return found

    def edit_issue(self, key: str, **fields: Any) -> None:
        """Change summary, description (ADF or text), labels or priority, as a user would:
        ``updated`` moves and the change is the changelog of the next webhook."""
        with self.lock:
            issue = self._live(key)
            items = []
            for name, value in fields.items():
                if name not in ("summary", "description", "labels", "priority"):
                    raise ValueError(f"edit_issue: no field {name!r}")
                if name == "description" and isinstance(value, str):
                    value = adf(value)
                if name == "labels":
                    value = list(value)
                old = getattr(issue, name)
                setattr(issue, name, value)
                show = " ".join if name == "labels" else str
                items.append(
                    {
                        "field": name,
                        "fieldtype": "jira",
                        "fieldId": name,
                        "from": None,
                        "fromString": show(old) if old is not None else None,
                        "to": None,
                        "toString": show(value) if value is not None else None,
                    }
                )
            issue.last_change = items
            issue.updated = now()

    def move(self, key: str, status: str) -> None:
        """Put the issue in this status of its workflow (no transition needed)."""
        with self.lock:
            issue = self._live(key)
            if status not in self.state.workflows[issue.project].statuses:
                raise ValueError(f"{issue.project} has no status {status!r}")
            self.set_status(issue, status)

    def set_status(self, issue: Issue, status: str) -> None:
        old, new = self.state.statuses[issue.status], self.state.statuses[status]
        issue.status = status
        if new.category == "done" and issue.resolution is None:
            issue.resolution = "Done"
        elif new.category != "done":
            issue.resolution = None
        issue.last_change = [
            {
                "field": "status",
                "fieldtype": "jira",
                "fieldId": "status",
                "from": old.id,
                "fromString": old.name,
                "to": new.id,
                "toString": new.name,
            }
        ]
        issue.updated = now()

    def delete_issue(self, key: str) -> None:
        """Gone: the API answers 404 for it, searches leave it out."""
        with self.lock:
            self._live(key).deleted = True

    def link(self, blocker: str, blocked: str) -> None:
        """blocker "blocks" blocked (which "is blocked by" it)."""
        with self.lock:
            a, b = self._live(blocker), self._live(blocked)
            self.state.links.append(Link(str(self.state.next("link")), a.key, b.key))
            a.updated = b.updated = now()

    def comments(self, key: str) -> list[Comment]:
        with self.lock:
            return list(self.issue(key).comments)

    def add_comment(self, key: str, body: JSON | str) -> str:
        """A comment by the user (ADF, or text made ADF): its id."""
        with self.lock:
            issue = self._live(key)
            made = Comment(
                str(self.state.next("comment")),
                adf(body) if isinstance(body, str) else body,
                self.site(self.url).account_id,
            )
            issue.comments.append(made)
            issue.updated = made.created
            return made.id

    def edit_comment(self, key: str, comment_id: str, body: JSON | str) -> None:
        with self.lock:
            issue = self._live(key)
            made = next(c for c in issue.comments if c.id == comment_id)
            made.body = adf(body) if isinstance(body, str) else body
            made.updated = issue.updated = now()

    def delete_comment(self, key: str, comment_id: str) -> None:
        with self.lock:
            issue = self._live(key)
            made = next(c for c in issue.comments if c.id == comment_id)
            issue.comments.remove(made)
            issue.removed_comments.append(made)
            issue.updated = now()

    def remote_links(self, key: str) -> list[RemoteLink]:
        with self.lock:
            return list(self.issue(key).remote_links)

    def on_comment(self, event: str, issue: Issue, made: Comment) -> None:
        """A comment changed through the API: the issue's ``updated`` moves, as Jira's."""
        issue.updated = now()

    # -- webhooks --------------------------------------------------------------------------
    def webhook_payload(self, event: str, key: str, comment_id: str | None = None) -> JSON:
        """The body Jira's admin webhooks send for this event and issue."""
        if event not in EVENTS:
            raise ValueError(f"webhook event {event!r}: one of {EVENTS}")
        with self.lock:
            issue = self.issue(key)
            site = self.site(self.url)
            shown = issue_json(site, self.state, issue, wanted_fields(["*all"], "*all"))
            for problem in jira_spec.check_issue_fields(shown["fields"], f"webhook {event}"):
                self.violations.append(problem)
            payload: JSON = {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": event,
                "user": user_details(site),
                "issue": {k: shown[k] for k in ("id", "self", "key", "fields")},
            }
            if event.startswith("jira:"):
                payload["issue_event_type_name"] = {
                    "jira:issue_created": "issue_created",
                    "jira:issue_deleted": "issue_deleted",
                }.get(event, "issue_generic")
            if event == "jira:issue_updated":
                payload["changelog"] = {
                    "id": str(self.state.next("changelog")),
                    "items": issue.last_change,
                }
            if event.startswith("comment_"):
                pool = issue.removed_comments if event == "comment_deleted" else issue.comments
                chosen = [c for c in pool if comment_id in (None, c.id)]
                if not chosen:
                    raise ValueError(f"{key} has no comment {comment_id or ''}".strip())
                payload["comment"] = comment(site, issue, chosen[-1])
            return payload

    def send_webhook(
        self,
        url: str,
        event: str,
        key: str,
        *,
        secret: str | None = None,
        identifier: str | None = None,
        comment_id: str | None = None,
    ) -> int:
        """POST the webhook to url as Jira does (``X-Atlassian-Webhook-Identifier``: unique,
        or the one given to replay a delivery; with a secret, ``X-Hub-Signature``): the
        receiver's HTTP status."""
        raw = json.dumps(self.webhook_payload(event, key, comment_id)).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": identifier or str(uuid.uuid4()),
            "X-Atlassian-Webhook-Flow": "Retry" if identifier else "Primary",
        }
        if identifier:
            headers["X-Atlassian-Webhook-Retry"] = "1"
        if secret is not None:
            headers["X-Hub-Signature"] = signature(secret, raw)
        with self.lock:
            self.webhooks_sent.append((url, headers, raw))
        answer = httpx.post(url, content=raw, headers=headers, timeout=10)
        return answer.status_code
