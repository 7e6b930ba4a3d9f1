"""What the fake GitHub holds (issues, pull requests, labels, comments, reviews, check runs) and
the real git it reads its branches from (a bare repository; merges are real merges, pushed)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

#: git of the fake's own pushes: the bare repository's post-receive hook ignores them
OWN_PUSH_ENV = "FAKE_GITHUB_OWN_PUSH"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def stamp(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Milestone:
    id: int
    number: int
    title: str
    creator: str
    created_at: datetime = field(default_factory=now)
    state: str = "open"


@dataclass
class Comment:
    id: int
    issue: int
    body: str
    user: str
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)


@dataclass
class Pull:
    id: int
    head: str  # branch name in the bare repository
    base: str
    head_sha: str  # as last seen in the bare repository
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None


@dataclass
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: str
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    state: str = "open"
    state_reason: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    closed_at: datetime | None = None
    closed_by: str | None = None
    parent: int | None = None
    sub_issues: list[int] = field(default_factory=list)
    pull: Pull | None = None  # a pull request is an issue with this

    def touch(self) -> None:
        self.updated_at = now()


@dataclass
class Review:
    id: int
    pull: int
    user: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED
    body: str
    commit_id: str
    submitted_at: datetime = field(default_factory=now)


@dataclass
class ReviewComment:
    id: int
    review: int
    pull: int
    path: str
    line: int
    body: str
    user: str
    commit_id: str
    created_at: datetime = field(default_factory=now)


@dataclass
class CheckRun:
    id: int  # the job id too, as for GitHub Actions
    suite: int
    run: int  # the workflow run it belongs to
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    log: str
    started_at: datetime = field(default_factory=now)
    completed_at: datetime | None = None


@dataclass
class State:
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    milestones: dict[int, Milestone] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    reviews: dict[int, Review] = field(default_factory=dict)
    review_comments: dict[int, ReviewComment] = field(default_factory=dict)
    checks: dict[int, CheckRun] = field(default_factory=dict)
    suites: dict[str, int] = field(default_factory=dict)  # head sha -> suite id
    suites_done: set[int] = field(default_factory=set)  # suites whose completion was sent
    users: dict[str, int] = field(default_factory=dict)  # login -> id
    last_id: int = 1000
    last_number: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def new_number(self) -> int:
        self.last_number += 1
        return self.last_number

    def user_id(self, login: str) -> int:
        if login not in self.users:
            self.users[login] = 500 + len(self.users)
        return self.users[login]

    def label(self, name: str) -> Label:
        """The repository's label of that name (case-insensitive), created when unknown."""
        for known in self.labels.values():
            if known.name.lower() == name.lower():
                return known
        made = Label(self.new_id(), name)
        self.labels[name] = made
        return made

    def pulls(self) -> list[Issue]:
        return [i for i in self.issues.values() if i.pull is not None]


class GitError(RuntimeError):
    pass


class Git:
    """The bare repository the fake's pull requests live in: every answer reads it afresh."""

    def __init__(self, bare: Path) -> None:
        self.bare = bare

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.bare,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
        if done.returncode != 0:
            raise GitError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def branches(self) -> dict[str, str]:
        out = self.run("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def resolve(self, ref: str) -> str | None:
        try:
            return self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") or None
        except GitError:
            return None

    def ahead(self, base: str, head: str) -> int:
        return int(self.run("rev-list", "--count", f"{base}..{head}"))

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self.run("merge-base", "--is-ancestor", older, newer)
        except GitError:
            return False
        return True

    def diffstat(self, base: str, head: str) -> tuple[int, int, int]:
        """(additions, deletions, changed files) of head against its merge base with base."""
        out = self.run("diff", "--numstat", f"{base}...{head}")
        adds = dels = files = 0
        for line in out.splitlines():
            added, deleted, _ = line.split("\t", 2)
            adds += int(added) if added.isdigit() else 0
            dels += int(deleted) if deleted.isdigit() else 0
            files += 1
        return adds, dels, files

    def mergeable(self, base: str, head: str) -> bool:
        try:
            self.run("merge-tree", "--write-tree", base, head)
        except GitError:
            return False
        return True

    def merge_into(self, target: str, source: str, message: str, author: tuple[str, str]) -> str:
        """Merge branch source into branch target in a temporary clone and push target: the
        new sha of target."""
        env = {
            OWN_PUSH_ENV: "1",
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": "GitHub",
            "GIT_COMMITTER_EMAIL": "noreply@github.com",
        }
        with tempfile.TemporaryDirectory(prefix="fake-github-merge-") as tmp:
            work = Path(tmp) / "w"
            self.run("clone", "--quiet", "--shared", "--branch", target, str(self.bare), str(work))
            self.run("fetch", "--quiet", "origin", source, cwd=work)
            self.run("merge", "--no-ff", "--quiet", "-m", message, "FETCH_HEAD", cwd=work, env=env)
            self.run("push", "--quiet", "origin", f"HEAD:refs/heads/{target}", cwd=work, env=env)
            return self.run("rev-parse", "HEAD", cwd=work)
