"""The fake GitHub's test-side control (plain methods, not HTTP) and the changes its endpoints
make through the same methods: issues, comments, labels, sub-issues, faults, webhooks, the App.
Each change sends the webhook GitHub sends for it (fake_github_hooks.py). Pull requests, check
runs, reviews and merges: fake_github_control_pr.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.fake_github_calls import Refused
from tests.support.fake_github_control_pr import HUMAN, PullControl
from tests.support.fake_github_objects import comment, issue, label
from tests.support.fake_github_state import Comment, Issue, Milestone, now

if TYPE_CHECKING:
    from tests.support.fake_github_hooks import Delivery


class Control(PullControl):
    violations: list[str]
    fail_queue: list[int]
    limited_until: float
    limited_status: int
    app_key: bytes | None
    app_id: int
    installation_id: int
    port: int
    bare: Path

    # -- issues ----------------------------------------------------------------------------
    def add_issue(
        self,
        title: str,
        body: str | None = "",
        labels: list[str] | tuple[str, ...] = (),
        assignee: str | None = None,
        milestone: str | int | None = None,
        *,
        assignees: list[str] | None = None,
        user: str = HUMAN,
    ) -> int:
        """A new open issue (webhooks: issues opened, then labeled per label): its number."""
        with self.lock:
            item = Issue(self.state.new_id(), self.state.new_number(), title, body, user)
            item.assignees = list(assignees or ([assignee] if assignee else []))
            item.milestone = self._milestone(milestone, user)
            self.state.issues[item.number] = item
            self._emit_issue("opened", item, user)
            self.add_labels(item.number, list(labels), user=user)
            return item.number

    def _milestone(self, wanted: str | int | None, user: str) -> int | None:
        if wanted is None:
            return None
        for ms in self.state.milestones.values():
            if wanted in (ms.number, ms.title):
                return ms.number
        if isinstance(wanted, int):
            raise Refused(422, "Validation Failed", errors=[{"field": "milestone"}])
        number = len(self.state.milestones) + 1
        self.state.milestones[number] = Milestone(self.state.new_id(), number, wanted, user)
        return number

    def issue(self, number: int) -> Issue:
        with self.lock:
            found = self.state.issues.get(number)
        if found is None:
            raise Refused(404, "Not Found")
        return found

    def edit_issue(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        labels: list[str] | None = None,
        assignees: list[str] | None = None,
        milestone: str | int | None = None,
        user: str = HUMAN,
    ) -> None:
        """Change an issue (webhooks: edited for title/body, labeled/unlabeled)."""
        with self.lock:
            item = self.issue(number)
            changes: dict[str, Any] = {}
            if title is not None and title != item.title:
                changes["title"] = {"from": item.title}
                item.title = title
            if body is not None and body != item.body:
                changes["body"] = {"from": item.body or ""}
                item.body = body
            if assignees is not None:
                item.assignees = list(assignees)
            if milestone is not None:
                item.milestone = self._milestone(milestone, user)
            item.touch()
            if changes:
                self._emit_issue("edited", item, user, changes=changes)
            if labels is not None:
                for name in [n for n in item.labels if n not in labels]:
                    self.remove_label(number, name, user=user)
                self.add_labels(number, labels, user=user)

    def close_issue(self, number: int, reason: str = "completed", *, user: str = HUMAN) -> None:
        with self.lock:
            item = self.issue(number)
            if item.state == "closed":
                return
            item.state, item.state_reason = "closed", reason
            item.closed_at, item.closed_by = now(), user
            item.touch()
            self._emit_issue("closed", item, user)

    def reopen_issue(self, number: int, *, user: str = HUMAN) -> None:
        with self.lock:
            item = self.issue(number)
            if item.state == "open":
                return
            item.state, item.state_reason, item.closed_at, item.closed_by = (
                "open",
                "reopened",
                None,
                None,
            )
            item.touch()
            self._emit_issue("reopened", item, user)

    def add_sub_issue(self, parent: int, child: int) -> None:
        with self.lock:
            top, sub = self.issue(parent), self.issue(child)
            if child not in top.sub_issues:
                top.sub_issues.append(child)
            sub.parent = parent
            top.touch()

    def _emit_issue(self, action: str, item: Issue, user: str, **extra: Any) -> None:
        if item.pull is not None:
            self._emit_pull(action, item, user, **extra)
            return
        self.hooks.emit(
            "issues",
            action,
            user,
            lambda site: {"issue": issue(site, self.state, item), **extra},
        )

    # -- comments and labels ---------------------------------------------------------------
    def comment(self, number: int, body: str, *, user: str = HUMAN) -> int:
        """A comment on an issue or pull request (webhook: issue_comment created): its id."""
        with self.lock:
            item = self.issue(number)
            made = Comment(self.state.new_id(), number, body, user)
            self.state.comments[made.id] = made
            item.touch()
            self._emit_comment("created", item, made, user)
            return made.id

    def edit_comment(self, comment_id: int, body: str, *, user: str = HUMAN) -> Comment:
        with self.lock:
            found = self.state.comments.get(comment_id)
            if found is None:
                raise Refused(404, "Not Found")
            before, found.body, found.updated_at = found.body, body, now()
            self._emit_comment(
                "edited", self.issue(found.issue), found, user, changes={"body": {"from": before}}
            )
            return found

    def _emit_comment(
        self, action: str, item: Issue, made: Comment, user: str, **extra: Any
    ) -> None:
        self.hooks.emit(
            "issue_comment",
            action,
            user,
            lambda site: {
                "issue": issue(site, self.state, item),
                "comment": comment(site, self.state, made),
                **extra,
            },
        )

    def add_labels(self, number: int, names: list[str], *, user: str = HUMAN) -> list[str]:
        """Put labels on an issue, creating unknown ones as GitHub does (webhook: labeled)."""
        with self.lock:
            item = self.issue(number)
            for name in names:
                known = self.state.label(name)
                if known.name not in item.labels:
                    item.labels.append(known.name)
                    item.touch()
                    self._emit_label("labeled", item, known.name, user)
            return list(item.labels)

    def remove_label(self, number: int, name: str, *, user: str = HUMAN) -> bool:
        with self.lock:
            item = self.issue(number)
            on = next((n for n in item.labels if n.lower() == name.lower()), None)
            if on is None:
                return False
            item.labels.remove(on)
            item.touch()
            self._emit_label("unlabeled", item, on, user)
            return True

    def _emit_label(self, action: str, item: Issue, name: str, user: str) -> None:
        lbl = self.state.label(name)
        if item.pull is not None:
            self._emit_pull(action, item, user, label_of=lbl)
            return
        self.hooks.emit(
            "issues",
            action,
            user,
            lambda site: {"issue": issue(site, self.state, item), "label": label(site, lbl)},
        )

    # -- faults ----------------------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """The next n API requests fail with this status (GitHub's JSON error body)."""
        with self.lock:
            self.fail_queue.extend([status] * n)

    def rate_limited(self, seconds: float, status: int = 403) -> None:
        """For the next seconds: 403 with X-RateLimit-Remaining: 0 and X-RateLimit-Reset (the
        primary limit), or 429 with Retry-After (a secondary limit)."""
        assert status in (403, 429)
        with self.lock:
            self.limited_until = time.time() + seconds
            self.limited_status = status

    # -- webhooks --------------------------------------------------------------------------
    def hook(self, url: str, secret: str) -> None:
        """Send every change to url, signed with secret (X-Hub-Signature-256)."""
        self.hooks.add(url, secret)

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.hooks.deliveries)

    def wait_deliveries(self, timeout: float = 10.0) -> list[Delivery]:
        """Wait until every webhook so far was sent (or failed): them all."""
        self.hooks.wait(timeout)
        return self.deliveries

    # -- the GitHub App --------------------------------------------------------------------
    def app(self, app_id: int, public_key_pem: bytes | str, installation_id: int = 1) -> None:
        """Accept JWTs this App signs (RS256, verified with its public key) for installation
        access tokens, which the API then accepts."""
        with self.lock:
            self.app_id, self.installation_id = app_id, installation_id
            key = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
            self.app_key = key

    def take_violations(self) -> list[str]:
        """What disagreed with GitHub's description so far (and forget it)."""
        with self.lock:
            found, self.violations[:] = list(self.violations), []
        return found
