"""Git through its command line (not GitPython): implements ports.Vcs."""

from __future__ import annotations

import os
from pathlib import Path

from cc_orchestrator.adapters.process import Completed, first_line, run
from cc_orchestrator.domain.errors import Conflict, ExternalError, InvalidInput
from cc_orchestrator.ports import GitWorktree


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANG": "C"})
    return env


class GitCli:
    def __init__(self, binary: str = "git") -> None:
        self.binary = binary
        self.env = _env()

    def _git(self, cwd: Path, *args: str, check: bool = True, timeout: float = 300) -> Completed:
        return run([self.binary, *args], cwd=cwd, env=self.env, check=check, timeout=timeout)

    def repo_root(self, path: Path) -> Path:
        if not path.is_dir():
            raise InvalidInput(
                f"{path} is not a directory", hint="pass the path of a git repository"
            )
        res = self._git(
            path, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False
        )
        if res.returncode != 0:
            raise InvalidInput(f"{path} is not a git repository", hint="run `git init` there first")
        common = Path(res.stdout.strip())
        bare = self._git(path, "rev-parse", "--is-bare-repository", check=False).stdout.strip()
        if bare == "true":
            raise InvalidInput(
                f"{path} is a bare repository", hint="use a repository with a work tree"
            )
        # The main checkout is the parent of the common .git dir, even when called in a worktree.
        return common.parent.resolve() if common.name == ".git" else path.resolve()

    def resolve_commit(self, repo: Path, ref: str) -> str | None:
        res = self._git(
            repo,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            check=False,
        )
        return res.stdout.strip() if res.returncode == 0 and res.stdout.strip() else None

    def branch_exists(self, repo: Path, branch: str) -> bool:
        res = self._git(
            repo, "show-ref", "--verify", "--quiet", f"refs/heads/{branch}", check=False
        )
        return res.returncode == 0

    def check_branch_name(self, repo: Path, branch: str) -> None:
        res = self._git(repo, "check-ref-format", "--branch", branch, check=False)
        if res.returncode != 0:
            raise InvalidInput(f"{branch!r} is not a valid branch name for git")

    def worktrees(self, repo: Path) -> list[GitWorktree]:
        out = self._git(repo, "worktree", "list", "--porcelain").stdout
        entries: list[GitWorktree] = []
        for block in out.strip().split("\n\n"):
            if not block.strip():
                continue
            fields: dict[str, str] = {}
            for line in block.splitlines():
                key, _, value = line.partition(" ")
                fields[key] = value
            branch = fields.get("branch")
            entries.append(
                GitWorktree(
                    path=Path(fields["worktree"]),
                    head=fields.get("HEAD"),
                    branch=branch.removeprefix("refs/heads/") if branch else None,
                    prunable="prunable" in fields,
                    locked="locked" in fields,
                    bare="bare" in fields,
                )
            )
        return entries

    def add_worktree(self, repo: Path, path: Path, *, branch: str, start: str | None) -> None:
        """With start: create branch at start; without: check out the existing branch."""
        if start is not None:
            args = ["worktree", "add", "--no-track", "-b", branch, "--", str(path), start]
        else:
            args = ["worktree", "add", "--", str(path), branch]
        res = self._git(repo, *args, check=False)
        if res.returncode != 0:
            message = first_line(res.stderr)
            if "already checked out" in res.stderr or "already used by worktree" in res.stderr:
                raise Conflict(
                    f"branch {branch!r} is already checked out in another worktree",
                    hint="pick another branch or remove that worktree",
                )
            raise ExternalError(f"git worktree add failed: {message}")

    def remove_worktree(self, repo: Path, path: Path, *, force: bool) -> None:
        args = ["worktree", "remove", *(["--force", "--force"] if force else []), "--", str(path)]
        res = self._git(repo, *args, check=False)
        if res.returncode != 0:
            message = first_line(res.stderr)
            if "is not a working tree" in res.stderr:
                return
            if "contains modified or untracked files" in res.stderr or "is dirty" in res.stderr:
                raise Conflict(
                    f"{path} has uncommitted changes",
                    hint="commit them, or pass --force to discard them",
                )
            raise ExternalError(f"git worktree remove failed: {message}")

    def prune_worktrees(self, repo: Path, *, dry_run: bool) -> list[str]:
        args = ["worktree", "prune", "--verbose", *(["--dry-run"] if dry_run else [])]
        res = self._git(repo, *args)
        return [line.strip() for line in (res.stdout + res.stderr).splitlines() if line.strip()]

    def delete_branch(self, repo: Path, branch: str, *, force: bool) -> None:
        res = self._git(repo, "branch", "-D" if force else "-d", "--", branch, check=False)
        if res.returncode != 0:
            if "not found" in res.stderr:
                return
            raise Conflict(f"cannot delete branch {branch!r}: {first_line(res.stderr)}")

    def branches(self, repo: Path, prefix: str) -> list[str]:
        res = self._git(repo, "for-each-ref", "--format=%(refname:short)", f"refs/heads/{prefix}")
        return [line for line in res.stdout.splitlines() if line]

    def is_dirty(self, worktree: Path) -> bool:
        res = self._git(worktree, "status", "--porcelain", "--untracked-files=normal", check=False)
        return res.returncode != 0 or bool(res.stdout.strip())

    def is_ancestor(self, repo: Path, ancestor: str, descendant: str) -> bool:
        res = self._git(repo, "merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return res.returncode == 0
