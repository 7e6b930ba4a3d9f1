"""Work that lands as a pull request, and the pull request watched until it lands.

- Approving a task of a repository with `github.pull_requests` records the intent (a
  pull_requests row "opening" and a `task.pr_requested` event, in one transaction); the outbox
  then pushes the branch and opens the PR (services/github_work.py). With
  `open_pr_at: review`, a task reaching review does the same by itself. A task whose dependency
  still has its own PR open gets a stacked PR (its base is the dependency's branch), retargeted
  to the base when the dependency merges.
- The watch (a poll of every open PR: by the daemon every github.poll_s, at once when a webhook
  says something changed) follows each to its end: merged -> the task is done and its worktree
  goes as the retention policy says; closed -> cancelled; failing checks -> the failing jobs'
  log tails to the agent, a review asking for changes -> its comments, each within its number
  of rounds. Sending back is the reject path: the agent resumes with the feedback, its commits
  come back to review and are pushed to the PR.
"""

from __future__ import annotations

from collections.abc import Sequence

from cc_orchestrator.domain.errors import CcoError, Conflict
from cc_orchestrator.domain.events_links import (
    pr_checks,
    pr_closed,
    pr_feedback,
    pr_requested,
    pr_updated,
)
from cc_orchestrator.domain.github import GhCheck, GitHubError, NotModified, RepoRef
from cc_orchestrator.domain.links import PullRequest, PullState
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store, Tx
from cc_orchestrator.services.github_repos import GitHubRepos
from cc_orchestrator.services.github_text import ci_feedback, review_feedback
from cc_orchestrator.services.tasks import TaskService

log = get_logger("cco.github")
T = TaskStatus
FAILING = frozenset({"failure", "timed_out", "cancelled", "action_required", "startup_failure"})
LIVE = (PullState.OPENING, PullState.OPEN)


def record_intent(tx: Tx, task: Task, repo: RepoRef) -> PullRequest:
    """The pull request to open for a task in review (once: a task has at most one)."""
    found = tx.pull_request(task.id)
    if found is not None:
        return found
    assert task.branch is not None
    base = ""  # the repository's default branch, asked when it opens
    for dep in task.depends_on:  # stacked on a dependency whose own PR is not merged yet
        dep_pr = tx.pull_request(dep)
        if dep_pr is not None and dep_pr.state in LIVE and dep_pr.repo == repo.full_name:
            base = dep_pr.head
            break
    if not base and task.base_ref:
        base = task.base_ref
    elif not base and task.worktree_id:
        wt = tx.worktree(task.worktree_id)
        if wt is not None and wt.base_ref and wt.base_ref != "HEAD":
            base = wt.base_ref
    pr = tx.add_pull_request(
        PullRequest(task_id=task.id, repo=repo.full_name, head=task.branch, base=base)
    )
    tx.update_task(task.id, status_reason=f"opening a pull request for {task.branch}")
    tx.append_event(pr_requested(pr))
    return pr


class GitHubPulls:
    """The Landing of TaskService (approve -> a PR), and the watch of open PRs."""

    def __init__(self, store: Store, tasks: TaskService, repos: GitHubRepos) -> None:
        self.store = store
        self.tasks = tasks
        self.repos = repos

    # ------------------------------------------------------------------ landing
    def wants_pull_request(self, task: Task) -> bool:
        if task.repo_path is None or not self.repos.settings(task.repo_path).pull_requests:
            return False
        with self.store.read() as tx:
            found = tx.pull_request(task.id)
        return found is None or found.state in LIVE

    def request_pull_request(self, task: Task) -> Task:
        assert task.repo_path is not None
        with self.store.read() as tx:
            found = tx.pull_request(task.id)
        if found is not None and found.state is PullState.OPEN:
            raise Conflict(
                f"task {task.id}'s pull request #{found.number} is open: it lands when it "
                "merges on GitHub",
                hint=f"merge it there ({found.url}); cco marks the task done then",
            )
        repo = self.repos.need_ref(task.repo_path)
        with self.store.write() as tx:
            current = tx.task(task.id)
            assert current is not None
            record_intent(tx, current, repo)
            updated = tx.task(task.id)
        assert updated is not None
        return updated

    def update_branch(self, key: str) -> Task:
        """The base moved: merge it into the task's branch (in its worktree) and push that to
        the pull request (through the outbox). A conflict changes nothing and says where."""
        task = self.tasks.get(key)
        with self.store.read() as tx:
            pr = tx.pull_request(task.id)
        if pr is None or pr.state is not PullState.OPEN or pr.number is None:
            raise Conflict(
                f"task {task.id} has no open pull request",
                hint="this updates the branch of an open pull request",
            )
        if task.status is not T.REVIEW or task.repo_path is None or not task.worktree_id:
            raise Conflict(
                f"task {task.id} is {task.status.value}: its branch is its agent's now",
                hint="update it once the task is back in review",
            )
        cfg = self.repos.settings(task.repo_path)
        base = pr.base or self.repos.api().default_branch(RepoRef.parse(pr.repo))
        sha = self.repos.remote.fetch(task.repo_path, cfg.remote, base)
        if self.tasks.vcs.is_ancestor(task.repo_path, sha, f"refs/heads/{pr.head}"):
            raise Conflict(f"{pr.head} holds {base} already ({sha[:12]})", hint="nothing to update")
        wt = self.tasks.worktrees.get(task.worktree_id)
        self.tasks.vcs.merge(
            wt.path, f"refs/remotes/{cfg.remote}/{base}", message=f"Merge {base} into {pr.head}"
        )
        with self.store.write() as tx:
            updated = tx.update_task(
                task.id, status_reason=f"pull request #{pr.number}: {base} merged in, pushing"
            )
            tx.append_event(pr_updated(pr, base, sha))
        return updated

    # ------------------------------------------------------------------ the watch
    def watch(self, task_ids: Sequence[str] | None = None) -> int:
        """Poll open pull requests (all, or these tasks'); how many changed something."""
        with self.store.read() as tx:
            open_prs = tx.pull_requests(states=[PullState.OPEN], task_ids=task_ids)
        changed = 0
        for pr in open_prs:
            try:
                changed += self._watch_one(pr)
            except CcoError as exc:  # GitHub down, one PR gone: the others go on
                log.warning("github.watch_failed", task_id=pr.task_id, error=str(exc))
        return changed

    def _watch_one(self, pr: PullRequest) -> int:
        assert pr.number is not None
        api = self.repos.api()
        repo = RepoRef.parse(pr.repo)
        got = api.pull(repo, pr.number, etag=pr.etag)
        if not isinstance(got, NotModified):
            pull, etag = got
            if etag != pr.etag:
                with self.store.write() as tx:
                    pr = tx.update_pull_request(pr.task_id, etag=etag)
            if pull.merged or pull.state == "closed":
                self._closed(pr, merged=pull.merged)
                return 1
        task = self.tasks.get(pr.task_id)
        if task.status is not T.REVIEW or not pr.head_sha:
            return 0  # the agent works on a round of feedback: its commits come first
        cfg = self.repos.settings(task.repo_path)
        if self._checks(task, pr, repo, cfg.ci_rounds, cfg.log_tail_bytes):
            return 1
        return self._reviews(task, pr, repo, cfg.review_rounds)

    def _closed(self, pr: PullRequest, *, merged: bool) -> None:
        """The task first (done, or cancelled), then the record: a kill in between finds the
        PR still open here and merged there, and finishes (land and cancel are idempotent).
        A task whose agent is still at work lands when it is back in review."""
        task = self.tasks.get(pr.task_id)
        if merged:
            if task.status in (T.RUNNING, T.NEEDS_INPUT, T.READY, T.PENDING):
                log.info("github.pr_merged_while_working", task_id=task.id, number=pr.number)
                return
            try:
                self.tasks.land(task.id, f"pull request #{pr.number} merged")
            except Conflict as exc:  # a task that failed meanwhile: it stays as it is
                log.warning("github.land_refused", task_id=task.id, error=str(exc))
        elif task.status not in (T.DONE, T.CANCELLED, T.FAILED):
            self.tasks.cancel(task.id, reason=f"pull request #{pr.number} closed without merging")
        state = PullState.MERGED if merged else PullState.CLOSED
        with self.store.write() as tx:
            pr = tx.update_pull_request(pr.task_id, state=state)
            tx.append_event(pr_closed(pr, merged=merged))
        log.info("github.pr_closed", task_id=pr.task_id, number=pr.number, merged=merged)

    def _checks(self, task: Task, pr: PullRequest, repo: RepoRef, rounds: int, tail: int) -> bool:
        assert pr.head_sha is not None and pr.number is not None
        api = self.repos.api()
        runs = api.checks(repo, pr.head_sha)
        if not runs:
            return False
        failing = [r for r in runs if r.status == "completed" and r.conclusion in FAILING]
        pending = any(r.status != "completed" for r in runs)
        state = "pending" if pending else ("failure" if failing else "success")
        if state != pr.checks:
            with self.store.write() as tx:
                pr = tx.update_pull_request(task.id, checks=state)
                reason = {
                    "pending": f"pull request #{pr.number}: checks running",
                    "success": f"pull request #{pr.number}: checks passed, ready to merge",
                    "failure": f"pull request #{pr.number}: checks failed",
                }[state]
                tx.update_task(task.id, status_reason=reason)
                tx.append_event(pr_checks(pr, state, [r.name for r in failing]))
        if state != "failure":
            return state != pr.checks
        key = f"ci:{pr.head_sha}"
        if key in pr.fed:
            return False
        if pr.ci_rounds >= rounds:
            self._exhausted(task, pr, key, f"checks still fail after {pr.ci_rounds} rounds")
            return True
        logs = [(r, self._log(repo, r)) for r in failing]
        round_ = pr.ci_rounds + 1
        text = ci_feedback(pr.number or 0, logs, tail, round_, rounds)
        self._send_back(task, pr, text, "ci", key, round_, rounds)
        return True

    def _log(self, repo: RepoRef, check: GhCheck) -> str:
        if check.job_id is None:
            return ""
        try:
            return self.repos.api().job_log(repo, check.job_id)
        except GitHubError as exc:  # expired or not an Actions job: the name is still news
            return f"(its log could not be read: {exc.message})"

    def _reviews(self, task: Task, pr: PullRequest, repo: RepoRef, rounds: int) -> int:
        assert pr.number is not None
        for review in self.repos.api().reviews(repo, pr.number):
            key = f"review:{review.id}"
            if review.state != "CHANGES_REQUESTED" or key in pr.fed:
                continue
            if pr.review_rounds >= rounds:
                self._exhausted(task, pr, key, f"changes still requested after {rounds} rounds")
                return 1
            round_ = pr.review_rounds + 1
            text = review_feedback(pr.number, review, round_, rounds)
            self._send_back(task, pr, text, "review", key, round_, rounds)
            return 1
        return 0

    def _send_back(
        self,
        task: Task,
        pr: PullRequest,
        text: str,
        source: str,
        key: str,
        round_: int,
        rounds: int,
    ) -> None:
        what = "checks failed" if source == "ci" else "changes requested"
        # the agent first (a kill before the record sends it again: at least once, never lost)
        self.tasks.reject(
            task.id,
            text,
            reason=f"pull request #{pr.number}: {what}, back to the agent "
            f"(round {round_} of {rounds})",
        )
        with self.store.write() as tx:
            counts = {"ci_rounds": round_} if source == "ci" else {"review_rounds": round_}
            pr = tx.update_pull_request(task.id, fed=[*pr.fed, key], **counts)
            tx.append_event(pr_feedback(pr, source, round_, rounds, key))
        log.info("github.pr_feedback", task_id=task.id, source=source, round=round_)

    def _exhausted(self, task: Task, pr: PullRequest, key: str, why: str) -> None:
        with self.store.write() as tx:
            tx.update_pull_request(task.id, fed=[*pr.fed, key])
            tx.update_task(task.id, status_reason=f"pull request #{pr.number}: {why}; needs you")
