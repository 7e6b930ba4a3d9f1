"""The JSON objects the fake GitHub answers with, one small factory each, every required field of
GitHub's schemas filled (users, URLs, node ids, timestamps), so the answers validate against the
description (tests/support/github_spec.py) and webhook payloads against its x-webhooks."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import github_spec
from tests.support.fake_github_state import Comment, Issue, Label, Milestone, State, stamp

JSON = dict[str, Any]
DOCS = "https://docs.github.com/rest"
CREATED = "2024-01-02T03:04:05Z"  # when the repository and its users came to be


@dataclass(frozen=True)
class Site:
    """Where the answer is read: the API base (``/api/v3`` for GHES) and the repository."""

    api: str
    web: str
    owner: str
    repo: str
    repo_id: int
    bare: Path
    default_branch: str
    login: str  # the token's user
    version: str = github_spec.DEFAULT_VERSION  # the REST API version asked for

    @property
    def repo_api(self) -> str:
        return f"{self.api}/repos/{self.owner}/{self.repo}"

    @property
    def repo_web(self) -> str:
        return f"{self.web}/{self.owner}/{self.repo}"


def for_version(site: Site, data: JSON, schema: str) -> JSON:
    """Without the fields this REST API version removed from the schema (2026-03-10: an issue's
    ``assignee``, a pull request's ``merge_commit_sha``, the rate limit's ``rate``...)."""
    if site.version != github_spec.DEFAULT_VERSION:
        for name in github_spec.removed_fields(site.version, schema):
            data.pop(name, None)
    return data


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def error(message: str, **extra: Any) -> JSON:
    return {"message": message, "documentation_url": DOCS, **extra}


def reactions(url: str) -> JSON:
    counts = dict.fromkeys(("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes"), 0)
    return {"url": f"{url}/reactions", "total_count": 0, **counts, "rocket": 0}


def association(site: Site, login: str) -> str:
    return "OWNER" if login == site.owner else "COLLABORATOR"


def user(site: Site, state: State, login: str, kind: str = "User") -> JSON:
    uid = state.user_id(login)
    url = f"{site.api}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": node_id(kind, uid),
        "avatar_url": f"{site.web}/avatars/{login}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{site.web}/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def private_user(site: Site, state: State, login: str) -> JSON:
    return {
        **user(site, state, login),
        **dict.fromkeys(("name", "company", "location", "email", "hireable", "bio"), None),
        "blog": "",
        "twitter_username": None,
        "notification_email": None,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": CREATED,
        "updated_at": CREATED,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
    }


_REPO_URLS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repository(site: Site, state: State, *, full: bool = False) -> JSON:
    """The repository (``full``: as GET /repos/{owner}/{repo} gives it)."""
    open_issues = sum(1 for i in state.issues.values() if i.state == "open")
    clone = str(site.bare)  # the remote is the real bare repository
    data: JSON = {
        "id": site.repo_id,
        "node_id": node_id("Repository", site.repo_id),
        "name": site.repo,
        "full_name": f"{site.owner}/{site.repo}",
        "owner": user(site, state, site.owner),
        "private": True,
        "html_url": site.repo_web,
        "description": None,
        "fork": False,
        "url": site.repo_api,
        **{name: site.repo_api + tail for name, tail in _REPO_URLS.items()},
        "clone_url": clone,
        "git_url": clone,
        "ssh_url": clone,
        "svn_url": site.repo_web,
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "size": 1,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "forks_count": 0,
        "forks": 0,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "default_branch": site.default_branch,
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "is_template": False,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "visibility": "private",
        "topics": [],
        "license": None,
        "pushed_at": CREATED,
        "created_at": CREATED,
        "updated_at": CREATED,
        "permissions": {
            "admin": True,
            "maintain": True,
            "push": True,
            "triage": True,
            "pull": True,
        },
    }
    if full:
        data.update(
            network_count=0,
            subscribers_count=1,
            allow_merge_commit=True,
            allow_squash_merge=True,
            allow_rebase_merge=True,
            allow_auto_merge=False,
            allow_update_branch=True,
            delete_branch_on_merge=False,
        )
    return for_version(site, data, "full-repository" if full else "repository")


def label(site: Site, lbl: Label) -> JSON:
    return {
        "id": lbl.id,
        "node_id": node_id("Label", lbl.id),
        "url": f"{site.repo_api}/labels/{lbl.name}",
        "name": lbl.name,
        "description": lbl.description,
        "color": lbl.color,
        "default": lbl.default,
        # newer than the pinned description, required by githubkit's models (GitHub sends them)
        "archived_at": None,
        "archived_by": None,
    }


def milestone(site: Site, state: State, ms: Milestone) -> JSON:
    mine = [i for i in state.issues.values() if i.milestone == ms.number]
    return {
        "id": ms.id,
        "node_id": node_id("Milestone", ms.id),
        "number": ms.number,
        "title": ms.title,
        "description": None,
        "creator": user(site, state, ms.creator),
        "open_issues": sum(1 for i in mine if i.state == "open"),
        "closed_issues": sum(1 for i in mine if i.state == "closed"),
        "state": ms.state,
        "url": f"{site.repo_api}/milestones/{ms.number}",
        "html_url": f"{site.repo_web}/milestone/{ms.number}",
        "labels_url": f"{site.repo_api}/milestones/{ms.number}/labels",
        "created_at": stamp(ms.created_at),
        "updated_at": stamp(ms.created_at),
        "closed_at": None,
        "due_on": None,
    }


def _labels(site: Site, state: State, names: list[str]) -> list[JSON]:
    return [label(site, state.label(name)) for name in names]


def issue(site: Site, state: State, item: Issue) -> JSON:
    url = f"{site.repo_api}/issues/{item.number}"
    kind = "pull" if item.pull is not None else "issues"
    subs = [state.issues[n] for n in item.sub_issues if n in state.issues]
    assignees = [user(site, state, login) for login in item.assignees]
    data: JSON = {
        "id": item.id,
        "node_id": node_id("Issue", item.id),
        "url": url,
        "repository_url": site.repo_api,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{site.repo_web}/{kind}/{item.number}",
        "timeline_url": f"{url}/timeline",
        "number": item.number,
        "state": item.state,
        "state_reason": item.state_reason,
        "title": item.title,
        "body": item.body,
        "user": user(site, state, item.user),
        "labels": _labels(site, state, item.labels),
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": (
            milestone(site, state, state.milestones[item.milestone])
            if item.milestone in state.milestones
            else None
        ),
        "locked": False,
        "active_lock_reason": None,
        "comments": sum(1 for c in state.comments.values() if c.issue == item.number),
        "created_at": stamp(item.created_at),
        "updated_at": stamp(item.updated_at),
        "closed_at": stamp(item.closed_at),
        "closed_by": user(site, state, item.closed_by) if item.closed_by else None,
        "author_association": association(site, item.user),
        "performed_via_github_app": None,
        "reactions": reactions(url),
        "sub_issues_summary": {
            "total": len(subs),
            "completed": sum(1 for s in subs if s.state == "closed"),
            "percent_completed": (
                100 * sum(1 for s in subs if s.state == "closed") // len(subs) if subs else 0
            ),
        },
    }
    if item.parent is not None:
        data["parent_issue_url"] = f"{site.repo_api}/issues/{item.parent}"
    if item.pull is not None:
        data["draft"] = item.pull.draft
        data["pull_request"] = {
            "url": f"{site.repo_api}/pulls/{item.number}",
            "html_url": f"{site.repo_web}/pull/{item.number}",
            "diff_url": f"{site.repo_web}/pull/{item.number}.diff",
            "patch_url": f"{site.repo_web}/pull/{item.number}.patch",
            "merged_at": stamp(item.pull.merged_at),
        }
    return for_version(site, data, "issue")


def comment(site: Site, state: State, item: Comment) -> JSON:
    url = f"{site.repo_api}/issues/comments/{item.id}"
    kind = "pull" if getattr(state.issues.get(item.issue), "pull", None) else "issues"
    return {
        "id": item.id,
        "node_id": node_id("IssueComment", item.id),
        "url": url,
        "html_url": f"{site.repo_web}/{kind}/{item.issue}#issuecomment-{item.id}",
        "issue_url": f"{site.repo_api}/issues/{item.issue}",
        "body": item.body,
        "user": user(site, state, item.user),
        "created_at": stamp(item.created_at),
        "updated_at": stamp(item.updated_at),
        "author_association": association(site, item.user),
        "performed_via_github_app": None,
        "reactions": reactions(url),
    }


def rate_limit(site: Site, limit: int, remaining: int, reset: int) -> JSON:
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": limit - remaining}
    other = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    graphql = {"limit": 5000, "remaining": 5000, "reset": reset, "used": 0}
    data = {"resources": {"core": core, "search": other, "graphql": graphql}, "rate": core}
    return for_version(site, data, "rate-limit-overview")
