"""The fake GitHub's pull requests, reviews and check runs as JSON (the rest:
fake_github_objects.py), every required field of GitHub's schemas filled."""

from __future__ import annotations

from tests.support.fake_github_objects import (
    JSON,
    Site,
    association,
    for_version,
    issue,
    node_id,
    reactions,
    repository,
    user,
)
from tests.support.fake_github_state import (
    CheckRun,
    Git,
    Issue,
    Review,
    ReviewComment,
    State,
    stamp,
)

ACTIONS_APP_ID = 15368


def _branch(site: Site, state: State, ref: str, sha: str) -> JSON:
    return {
        "label": f"{site.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(site, state, site.owner),
        "repo": repository(site, state),
    }


def pull(site: Site, state: State, git: Git, item: Issue, *, simple: bool = False) -> JSON:
    """A pull request as GET /pulls/{n} gives it (``simple``: as the list gives it)."""
    pr = item.pull
    assert pr is not None
    url = f"{site.repo_api}/pulls/{item.number}"
    html = f"{site.repo_web}/pull/{item.number}"
    base = issue(site, state, item)
    data: JSON = {
        key: base.get(key)
        for key in (
            "user",
            "labels",
            "milestone",
            "assignee",
            "assignees",
            "body",
            "title",
            "state",
            "locked",
            "active_lock_reason",
            "created_at",
            "updated_at",
            "closed_at",
            "author_association",
            "number",
        )
    }
    data.update(
        id=pr.id,
        node_id=node_id("PullRequest", pr.id),
        url=url,
        html_url=html,
        diff_url=f"{html}.diff",
        patch_url=f"{html}.patch",
        issue_url=f"{site.repo_api}/issues/{item.number}",
        commits_url=f"{url}/commits",
        review_comments_url=f"{url}/comments",
        review_comment_url=f"{site.repo_api}/pulls/comments{{/number}}",
        comments_url=f"{site.repo_api}/issues/{item.number}/comments",
        statuses_url=f"{site.repo_api}/statuses/{pr.head_sha}",
        head=_branch(site, state, pr.head, pr.head_sha),
        base=_branch(site, state, pr.base, pr.base_sha),
        draft=pr.draft,
        merged_at=stamp(pr.merged_at),
        merge_commit_sha=pr.merge_commit_sha,
        requested_reviewers=[],
        requested_teams=[],
        auto_merge=None,
        _links={
            name: {"href": href}
            for name, href in (
                ("self", url),
                ("html", html),
                ("issue", f"{site.repo_api}/issues/{item.number}"),
                ("comments", f"{site.repo_api}/issues/{item.number}/comments"),
                ("review_comments", f"{url}/comments"),
                ("review_comment", f"{site.repo_api}/pulls/comments{{/number}}"),
                ("commits", f"{url}/commits"),
                ("statuses", f"{site.repo_api}/statuses/{pr.head_sha}"),
            )
        },
    )
    if simple:
        return for_version(site, data, "pull-request-simple")
    merged = pr.merged_at is not None
    commits = git.ahead(pr.base_sha, pr.head_sha)
    adds, dels, files = git.diffstat(pr.base_sha, pr.head_sha)
    mergeable = None if item.state == "closed" else git.mergeable(pr.base_sha, pr.head_sha)
    behind = not merged and not git.is_ancestor(pr.base_sha, pr.head_sha)
    data.update(
        merged=merged,
        mergeable=mergeable,
        rebaseable=mergeable,
        mergeable_state=(
            "draft"
            if pr.draft
            else "dirty"
            if mergeable is False
            else "behind"
            if behind
            else "clean"
            if mergeable
            else "unknown"
        ),
        merged_by=user(site, state, pr.merged_by) if pr.merged_by else None,
        comments=base["comments"],
        review_comments=sum(1 for c in state.review_comments.values() if c.pull == item.number),
        maintainer_can_modify=pr.maintainer_can_modify,
        commits=commits,
        additions=adds,
        deletions=dels,
        changed_files=files,
    )
    return for_version(site, data, "pull-request")


def review(site: Site, state: State, item: Review) -> JSON:
    html = f"{site.repo_web}/pull/{item.pull}#pullrequestreview-{item.id}"
    return {
        "id": item.id,
        "node_id": node_id("PullRequestReview", item.id),
        "user": user(site, state, item.user),
        "body": item.body,
        "state": item.state,
        "html_url": html,
        "pull_request_url": f"{site.repo_api}/pulls/{item.pull}",
        "_links": {
            "html": {"href": html},
            "pull_request": {"href": f"{site.repo_api}/pulls/{item.pull}"},
        },
        "submitted_at": stamp(item.submitted_at),
        "commit_id": item.commit_id,
        "author_association": association(site, item.user),
    }


def review_comment(site: Site, state: State, item: ReviewComment) -> JSON:
    url = f"{site.repo_api}/pulls/comments/{item.id}"
    html = f"{site.repo_web}/pull/{item.pull}#discussion_r{item.id}"
    pr_url = f"{site.repo_api}/pulls/{item.pull}"
    return {
        "url": url,
        "pull_request_review_id": item.review,
        "id": item.id,
        "node_id": node_id("PullRequestReviewComment", item.id),
        "diff_hunk": f"@@ -{item.line},1 +{item.line},1 @@",
        "path": item.path,
        "position": 1,
        "original_position": 1,
        "commit_id": item.commit_id,
        "original_commit_id": item.commit_id,
        "user": user(site, state, item.user),
        "body": item.body,
        "created_at": stamp(item.created_at),
        "updated_at": stamp(item.created_at),
        "html_url": html,
        "pull_request_url": pr_url,
        "author_association": association(site, item.user),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "pull_request": {"href": pr_url},
        },
        "start_line": None,
        "original_start_line": None,
        "start_side": None,
        "line": item.line,
        "original_line": item.line,
        "side": "RIGHT",
        "subject_type": "line",
        "reactions": reactions(url),
    }


def actions_app(site: Site, state: State) -> JSON:
    return {
        "id": ACTIONS_APP_ID,
        "slug": "github-actions",
        "node_id": node_id("App", ACTIONS_APP_ID),
        "client_id": "Iv1.fakeactions",
        "owner": user(site, state, "github", "Organization"),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{site.web}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {"checks": "write", "contents": "write", "pull_requests": "write"},
        "events": ["check_run", "check_suite", "pull_request", "push"],
    }


def fake_app(site: Site, state: State, app_id: int) -> JSON:
    """The GitHub App a test registered (FakeGitHub.app): slug fake-app."""
    return {
        **actions_app(site, state),
        "id": app_id,
        "slug": "fake-app",
        "node_id": node_id("App", app_id),
        "client_id": "Iv1.fakeapp",
        "owner": user(site, state, site.owner, "Organization"),
        "name": "Fake App",
        "description": "The fake GitHub's App",
        "external_url": f"{site.web}/fake-app",
        "html_url": f"{site.web}/apps/fake-app",
        "permissions": {"checks": "read", "issues": "write", "pull_requests": "write"},
        "events": ["issues", "pull_request"],
    }


def _minimal_pull(site: Site, item: Issue) -> JSON:
    pr = item.pull
    assert pr is not None
    repo = {"id": site.repo_id, "url": site.repo_api, "name": site.repo}
    return {
        "id": pr.id,
        "number": item.number,
        "url": f"{site.repo_api}/pulls/{item.number}",
        "head": {"ref": pr.head, "sha": pr.head_sha, "repo": repo},
        "base": {"ref": pr.base, "sha": pr.base_sha, "repo": repo},
    }


def pulls_at(state: State, sha: str) -> list[Issue]:
    return [i for i in state.pulls() if i.state == "open" and i.pull and i.pull.head_sha == sha]


def check_run(site: Site, state: State, run: CheckRun) -> JSON:
    url = f"{site.repo_api}/check-runs/{run.id}"
    html = f"{site.repo_web}/actions/runs/{run.run}/job/{run.id}"
    return {
        "id": run.id,
        "node_id": node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": str(run.id),
        "url": url,
        "html_url": html,
        "details_url": html,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": stamp(run.started_at),
        "completed_at": stamp(run.completed_at),
        "output": {
            "title": None,
            "summary": None,
            "text": None,
            "annotations_count": 0,
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.suite},
        "app": actions_app(site, state),
        "pull_requests": [_minimal_pull(site, i) for i in pulls_at(state, run.head_sha)],
    }


def suite_outcome(runs: list[CheckRun]) -> tuple[str, str | None]:
    """(status, conclusion) of a check suite from its runs."""
    if not runs or any(r.status != "completed" for r in runs):
        return "in_progress", None
    order = ("action_required", "cancelled", "timed_out", "failure", "neutral", "skipped")
    for conclusion in order:
        if any(r.conclusion == conclusion for r in runs):
            return "completed", conclusion
    return "completed", "success"


def check_suite(site: Site, state: State, sha: str, branch: str | None) -> JSON:
    suite = state.suites[sha]
    runs = [r for r in state.checks.values() if r.suite == suite]
    status, conclusion = suite_outcome(runs)
    first = min((r.started_at for r in runs), default=None)
    return {
        "id": suite,
        "node_id": node_id("CheckSuite", suite),
        "head_branch": branch,
        "head_sha": sha,
        "status": status,
        "conclusion": conclusion,
        "url": f"{site.repo_api}/check-suites/{suite}",
        "before": None,
        "after": sha,
        "pull_requests": [_minimal_pull(site, i) for i in pulls_at(state, sha)],
        "app": actions_app(site, state),
        "created_at": stamp(first),
        "updated_at": stamp(max((r.completed_at or r.started_at for r in runs), default=None)),
        "rerequestable": True,
        "runs_rerequestable": True,
        "latest_check_runs_count": len(runs),
        "check_runs_url": f"{site.repo_api}/check-suites/{suite}/check-runs",
        "head_commit": {
            "id": sha,
            "tree_id": sha,
            "message": "",
            "timestamp": stamp(first),
            "author": {"name": site.owner, "email": f"{site.owner}@example.com"},
            "committer": {"name": site.owner, "email": f"{site.owner}@example.com"},
        },
    }
