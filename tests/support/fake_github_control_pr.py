"""The fake GitHub's pull requests, check runs and reviews: opened, edited, merged for real in
the bare repository, their heads moved by a push (``synchronize``); the test-side methods and the
changes the endpoints make, each with the webhook GitHub sends for it."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from tests.support.fake_github_calls import Refused, invalid
from tests.support.fake_github_objects import Site, label
from tests.support.fake_github_objects_pr import check_run, check_suite, pull, review
from tests.support.fake_github_state import (
    CheckRun,
    Git,
    GitError,
    Issue,
    Label,
    Pull,
    Review,
    ReviewComment,
    State,
    now,
)

if TYPE_CHECKING:
    from tests.support.fake_github_hooks import Webhooks

#: who acts in the test-side methods unless told: a person, not the token's user
HUMAN = "mona"
#: GitHub's closing keywords: a merged pull request whose body says "Closes #3" closes issue 3
CLOSING = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+#(\d+)\b", re.IGNORECASE)
REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED")


class PullControl:
    state: State
    git: Git
    lock: threading.RLock
    hooks: Webhooks
    owner: str
    repo: str
    login: str
    default_branch: str

    def site(self, api: str | None = None) -> Site:
        raise NotImplementedError

    def issue(self, number: int) -> Issue:
        raise NotImplementedError

    def close_issue(self, number: int, reason: str = "completed", *, user: str = HUMAN) -> None:
        raise NotImplementedError

    def pr(self, number: int) -> Issue:
        """The pull request's issue record (``.pull`` holds its branches and merge)."""
        item = self.issue(number)
        if item.pull is None:
            raise Refused(404, "Not Found")
        return item

    # -- the remote ------------------------------------------------------------------------
    def sync(self) -> None:
        """Read the branches afresh: a moved head sends ``synchronize``; a deleted head branch
        closes its pull request, as on GitHub."""
        with self.lock:
            if not any(i.state == "open" for i in self.state.pulls()):
                return
            branches = self.git.branches()
            for item in self.state.pulls():
                pr = item.pull
                if pr is None or item.state != "open":
                    continue
                pr.base_sha = branches.get(pr.base, pr.base_sha)
                sha = branches.get(pr.head)
                if sha is None:
                    self._close(item, self.owner)
                elif sha != pr.head_sha:
                    before, pr.head_sha = pr.head_sha, sha
                    item.touch()
                    self._emit_pull("synchronize", item, self.owner, before=before, after=sha)

    # -- pull requests ---------------------------------------------------------------------
    def open_pr(
        self,
        head: str,
        base: str | None = None,
        title: str | None = None,
        body: str | None = None,
        draft: bool = False,
        *,
        issue: int | None = None,
        maintainer_can_modify: bool = False,
        user: str = HUMAN,
    ) -> int:
        """A pull request from branch head (``owner:branch`` too) into base, both read from the
        bare repository; refused with GitHub's 422 as GitHub refuses it."""
        with self.lock:
            base = base or self.default_branch
            owner, _, branch = head.rpartition(":")
            branches = self.git.branches()
            if (owner and owner.lower() != self.owner.lower()) or branch not in branches:
                raise invalid("PullRequest", "head")
            if base not in branches:
                raise invalid("PullRequest", "base")
            for other in self.state.pulls():
                if (
                    other.state == "open"
                    and other.pull
                    and (other.pull.head, other.pull.base)
                    == (
                        branch,
                        base,
                    )
                ):
                    message = f"A pull request already exists for {self.owner}:{branch}."
                    raise invalid("PullRequest", "", "custom", message)
            if self.git.ahead(branches[base], branches[branch]) == 0:
                raise invalid(
                    "PullRequest", "", "custom", f"No commits between {base} and {branch}"
                )
            if issue is not None:
                item = self.issue(issue)
                if item.pull is not None or item.state != "open":
                    raise invalid("PullRequest", "issue")
            elif not title:
                raise invalid("PullRequest", "title", "missing_field")
            else:
                item = Issue(self.state.new_id(), self.state.new_number(), title, body, user)
                self.state.issues[item.number] = item
            item.pull = Pull(
                self.state.new_id(),
                branch,
                base,
                branches[branch],
                branches[base],
                draft=draft,
                maintainer_can_modify=maintainer_can_modify,
            )
            item.touch()
            self._emit_pull("opened", item, user)
            return item.number

    def edit_pr(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        base: str | None = None,
        state: str | None = None,
        maintainer_can_modify: bool | None = None,
        user: str = HUMAN,
    ) -> None:
        with self.lock:
            item = self.pr(number)
            pr = item.pull
            assert pr is not None
            changes: dict[str, Any] = {}
            if title is not None and title != item.title:
                changes["title"] = {"from": item.title}
                item.title = title
            if body is not None and body != item.body:
                changes["body"] = {"from": item.body or ""}
                item.body = body
            if base is not None and base != pr.base:
                sha = self.git.branches().get(base)
                if sha is None:
                    raise invalid("PullRequest", "base")
                changes["base"] = {"ref": {"from": pr.base}, "sha": {"from": pr.base_sha}}
                pr.base, pr.base_sha = base, sha
            if maintainer_can_modify is not None:
                pr.maintainer_can_modify = maintainer_can_modify
            item.touch()
            if changes:
                self._emit_pull("edited", item, user, changes=changes)
            if state == "closed":
                self.close_pr(number, user=user)
            elif state == "open" and item.state == "closed" and pr.merged_at is None:
                if pr.head not in self.git.branches():
                    raise invalid("PullRequest", "state", "custom", "the head branch is gone")
                item.state, item.closed_at = "open", None
                self._emit_pull("reopened", item, user)

    def close_pr(self, number: int, *, user: str = HUMAN) -> None:
        with self.lock:
            self._close(self.pr(number), user)

    def _close(self, item: Issue, user: str) -> None:
        if item.state == "closed":
            return
        item.state, item.closed_at = "closed", now()
        item.touch()
        self._emit_pull("closed", item, user)

    def merge(self, number: int, *, user: str = HUMAN, message: str | None = None) -> str:
        """A real merge of the head into the base (in a temporary clone, pushed); the pull
        request becomes merged, and the issues its body closes ("Closes #N") are closed when
        the base is the default branch. The merge commit's sha."""
        with self.lock:
            self.sync()
            item = self.pr(number)
            pr = item.pull
            assert pr is not None
            if item.state != "open" or not self.git.mergeable(pr.base_sha, pr.head_sha):
                raise Refused(405, "Pull Request is not mergeable")
            title = f"Merge pull request #{number} from {self.owner}/{pr.head}"
            try:
                sha = self.git.merge_into(
                    pr.base,
                    pr.head,
                    message or f"{title}\n\n{item.title}",
                    (user, f"{user}@users.noreply.github.com"),
                )
            except GitError as failed:
                raise Refused(405, f"Pull Request is not mergeable: {failed}") from None
            pr.merged_at, pr.merged_by, pr.merge_commit_sha = now(), user, sha
            item.state, item.closed_at = "closed", pr.merged_at
            item.touch()
            self._emit_pull("closed", item, user)
            if pr.base == self.default_branch:
                for found in CLOSING.findall(item.body or ""):
                    if int(found) in self.state.issues and int(found) != number:
                        self.close_issue(int(found), user=user)
            self.sync()
            return sha

    def update_branch(
        self, number: int, expected_head_sha: str | None = None, *, user: str = HUMAN
    ) -> str:
        """Merge the base into the head (pushed): the head's new sha (``synchronize``)."""
        with self.lock:
            self.sync()
            item = self.pr(number)
            pr = item.pull
            assert pr is not None
            if expected_head_sha is not None and expected_head_sha != pr.head_sha:
                raise Refused(422, "expected_head_sha does not match the pull request's head")
            if self.git.is_ancestor(pr.base_sha, pr.head_sha):
                raise Refused(422, "There are no new commits on the base branch.")
            try:
                self.git.merge_into(
                    pr.head,
                    pr.base,
                    f"Merge branch '{pr.base}' into {pr.head}",
                    (user, f"{user}@users.noreply.github.com"),
                )
            except GitError:
                raise Refused(422, "merge conflict between base and head") from None
            self.sync()
            return pr.head_sha

    def _emit_pull(
        self, action: str, item: Issue, user: str, label_of: Label | None = None, **extra: Any
    ) -> None:
        def build(site: Site) -> dict[str, Any]:
            parts: dict[str, Any] = {
                "number": item.number,
                "pull_request": pull(site, self.state, self.git, item),
                **extra,
            }
            if label_of is not None:
                parts["label"] = label(site, label_of)
            return parts

        self.hooks.emit("pull_request", action, user, build)

    # -- check runs ------------------------------------------------------------------------
    def set_check(
        self,
        sha_or_branch: str,
        name: str,
        status: str = "completed",
        conclusion: str | None = "success",
        log: str = "",
    ) -> int:
        """Create (or move on) the check run of that name on a commit, as GitHub Actions runs
        it: its job id, whose log ``GET .../actions/jobs/{id}/logs`` serves (webhooks: check_run
        created/completed, check_suite completed once all its runs are)."""
        with self.lock:
            sha = self.git.resolve(f"refs/heads/{sha_or_branch}") or self.git.resolve(sha_or_branch)
            if sha is None:
                raise ValueError(f"no commit {sha_or_branch!r} in {self.git.bare}")
            done = status == "completed"
            suite = self.state.suites.setdefault(sha, self.state.new_id())
            run = next(
                (r for r in self.state.checks.values() if (r.head_sha, r.name) == (sha, name)),
                None,
            )
            created = run is None
            if run is None:
                run = CheckRun(self.state.new_id(), suite, suite, name, sha, status, None, log)
                self.state.checks[run.id] = run
            run.status, run.log = status, log or run.log
            run.conclusion = conclusion if done else None
            run.completed_at = now() if done else None
            if not done:
                self.state.suites_done.discard(suite)
            branch = sha_or_branch if self.git.resolve(f"refs/heads/{sha_or_branch}") else None
            if created:
                self._emit_check("created", run, branch)
            if done:
                self._emit_check("completed", run, branch)
            runs = [r for r in self.state.checks.values() if r.suite == suite]
            if all(r.status == "completed" for r in runs) and suite not in self.state.suites_done:
                self.state.suites_done.add(suite)
                self.hooks.emit(
                    "check_suite",
                    "completed",
                    "github-actions[bot]",
                    lambda site: {"check_suite": check_suite(site, self.state, sha, branch)},
                )
            return run.id

    def _emit_check(self, action: str, run: CheckRun, branch: str | None) -> None:
        def build(site: Site) -> dict[str, Any]:
            data = check_run(site, self.state, run)
            data["check_suite"] = check_suite(site, self.state, run.head_sha, branch)
            return {"check_run": data}

        self.hooks.emit("check_run", action, "github-actions[bot]", build)

    # -- reviews ---------------------------------------------------------------------------
    def review(
        self,
        pr: int,
        state: str = "CHANGES_REQUESTED",
        body: str = "",
        comments: list[tuple[str, int, str]] | tuple[tuple[str, int, str], ...] = (),
        *,
        user: str = HUMAN,
    ) -> int:
        """A submitted review on the current head, with comments (path, line, body) on the
        diff (webhook: pull_request_review submitted): its id."""
        assert state in REVIEW_STATES, state
        with self.lock:
            item = self.pr(pr)
            assert item.pull is not None
            made = Review(self.state.new_id(), pr, user, state, body, item.pull.head_sha)
            self.state.reviews[made.id] = made
            for path, line, text in comments:
                rc = ReviewComment(
                    self.state.new_id(), made.id, pr, path, line, text, user, made.commit_id
                )
                self.state.review_comments[rc.id] = rc
            item.touch()

            def build(site: Site) -> dict[str, Any]:
                data = review(site, self.state, made)
                data["state"] = made.state.lower()
                return {
                    "review": data,
                    "pull_request": pull(site, self.state, self.git, item, simple=True),
                }

            self.hooks.emit("pull_request_review", "submitted", user, build)
            return made.id
