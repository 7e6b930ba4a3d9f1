"""What the GitHub subscriber's pull request deliveries do, each safe to run again after a
kill -9 (its status deliveries are any tracker's: services/tracker_status.py):

- open_pr: push the branch, then find the pull request for it or open one;
- push: push the agent's new commits to the open pull request;
- retarget: a stacked pull request's base becomes its dependency's base once that merged.

Each reads the task as it is now.
"""

from __future__ import annotations

from cc_orchestrator import faults
from cc_orchestrator.domain import events
from cc_orchestrator.domain.github import RepoRef
from cc_orchestrator.domain.links import IssueLink, PullRequest, PullState
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.domain.outbox import Refused, SendResult, Sent
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.services.github_repos import GitHubRepos
from cc_orchestrator.services.github_text import pr_body, pr_title

log = get_logger("cco.github")
T = TaskStatus


class GitHubWork:
    def __init__(self, store: Store, repos: GitHubRepos, public_url: str | None) -> None:
        self.store = store
        self.repos = repos
        self.public_url = public_url

    def _read(self, task_id: str) -> tuple[Task | None, IssueLink | None, PullRequest | None]:
        with self.store.read() as tx:
            return tx.task(task_id), tx.issue_link(task_id), tx.pull_request(task_id)

    # ------------------------------------------------------------------ pull requests
    def open_pr(self, task_id: str) -> SendResult:
        task, link, pr = self._read(task_id)
        if task is None or pr is None:
            return Sent("nothing to open: the task or its pull request record is gone")
        if pr.state is not PullState.OPENING:
            return Sent(f"pull request #{pr.number} is {pr.state.value} already")
        if task.status is not T.REVIEW or task.repo_path is None:
            return Refused(f"task {task.id} is {task.status.value}, not in review")
        cfg = self.repos.settings(task.repo_path)
        api = self.repos.api()
        repo = RepoRef.parse(pr.repo)
        base = pr.base or api.default_branch(repo)
        sha = self._push(task, cfg.remote, pr.head)
        found = api.find_pull(repo, pr.head)
        if found is None or found.state != "open":
            found = api.create_pull(
                repo,
                title=pr_title(task),
                body=pr_body(task, link, self.public_url),
                head=pr.head,
                base=base,
                draft=cfg.draft,
            )
            faults.point("github.after_pr")
        with self.store.write() as tx:
            opened = tx.update_pull_request(
                task.id,
                state=PullState.OPEN,
                number=found.number,
                url=found.url,
                base=found.base,
                head_sha=sha,
                checks="pending",
            )
            current = tx.task(task.id)
            if current is not None and current.status is T.REVIEW:
                tx.update_task(
                    task.id, status_reason=f"pull request #{found.number} open: checks pending"
                )
            tx.append_event(events.task_pr_opened(opened))
        log.info("github.pr_opened", task_id=task.id, repo=pr.repo, number=found.number)
        return Sent(f"{pr.repo}#{found.number}")

    def push(self, task_id: str) -> SendResult:
        task, _, pr = self._read(task_id)
        if task is None or pr is None or pr.state is not PullState.OPEN:
            return Sent("nothing to push: no open pull request")
        if task.repo_path is None:
            return Refused(f"task {task.id} has no repository")
        sha = self._push(task, self.repos.settings(task.repo_path).remote, pr.head)
        if sha == pr.head_sha:
            return Sent(f"{pr.head} is up to date")
        with self.store.write() as tx:
            pushed = tx.update_pull_request(task.id, head_sha=sha, checks="pending")
            current = tx.task(task.id)
            if current is not None and current.status is T.REVIEW:
                tx.update_task(
                    task.id, status_reason=f"pull request #{pr.number}: pushed, checks pending"
                )
            tx.append_event(events.task_pr_pushed(pushed, sha))
        return Sent(f"pushed {sha[:12]} to #{pr.number}")

    def retarget(self, task_id: str, base: str) -> SendResult:
        _, _, pr = self._read(task_id)
        if pr is None or pr.state is not PullState.OPEN or pr.number is None:
            return Sent("nothing to retarget")
        if pr.base == base:
            return Sent(f"#{pr.number} targets {base} already")
        self.repos.api().edit_pull(RepoRef.parse(pr.repo), pr.number, base=base)
        with self.store.write() as tx:
            tx.update_pull_request(task_id, base=base)
        return Sent(f"#{pr.number} now targets {base}")

    def _push(self, task: Task, remote: str, branch: str) -> str:
        assert task.repo_path is not None
        # git's failure is an ExternalError (retried, or refused when the remote said no);
        # anything else (no such branch) is refused at once by the subscriber's deliver
        return self.repos.remote.push(task.repo_path, remote, branch)
