"""Git through its command line (not GitPython): implements ports.Vcs and
ports_github.GitRemote."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cc_orchestrator.adapters.process import Completed, first_line, run
from cc_orchestrator.domain.errors import Conflict, ExternalError, InvalidInput
from cc_orchestrator.ports import DiffSummary, GitWorktree


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # never a prompt for a password: not git's own, nor Git Credential Manager's
    env.update({"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "LC_ALL": "C", "LANG": "C"})
    return env


#: the userinfo of a URL (`https://user:token@host`, `https://token@host`)
_USERINFO = re.compile(r"(?<=://)[^/\s@]+@")


def without_credentials(text: str) -> str:
    """text with every URL's user and password taken out (`https://***@host/...`)."""
    return _USERINFO.sub("***@", text)


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

    # ------------------------------------------------------------------ remotes
    def remote_url(self, repo: Path, remote: str) -> str | None:
        """The remote's URL as git uses it (insteadOf applied), without any credentials in
        it; None when there is no such remote."""
        if remote.startswith("-"):
            return None
        res = self._git(repo, "remote", "get-url", remote, check=False)
        url = res.stdout.strip()
        return without_credentials(url) if res.returncode == 0 and url else None

    def push(self, repo: Path, remote: str, branch: str, *, force: bool = False) -> str:
        """Push refs/heads/branch to the remote's branch of the same name; the commit pushed.
        force: --force-with-lease (only over what this repository last saw of it). Never
        waits for a password (GIT_TERMINAL_PROMPT=0): git's own credentials or none."""
        if remote.startswith("-"):
            raise InvalidInput(f"{remote!r} is not a git remote")
        self.check_branch_name(repo, branch)
        sha = self.resolve_commit(repo, f"refs/heads/{branch}")
        if sha is None:
            raise InvalidInput(f"there is no branch {branch!r} to push")
        ref = f"refs/heads/{branch}"
        args = ["push", "--porcelain", *(["--force-with-lease"] if force else [])]
        res = self._git(repo, *args, remote, f"{ref}:{ref}", check=False, timeout=120)
        if res.returncode != 0:
            raise ExternalError(
                f"git push to {remote} failed for {branch}: {self._push_failure(res, ref)}",
                hint=_push_hint(res.stdout + res.stderr, force=force),
            )
        return sha

    def fetch(self, repo: Path, remote: str, branch: str) -> str:
        """The remote's branch into refs/remotes/<remote>/<branch>; the commit it holds."""
        if remote.startswith("-"):
            raise InvalidInput(f"{remote!r} is not a git remote")
        self.check_branch_name(repo, branch)
        ref = f"refs/remotes/{remote}/{branch}"
        res = self._git(
            repo,
            "fetch",
            "--no-tags",
            remote,
            f"+refs/heads/{branch}:{ref}",
            check=False,
            timeout=120,
        )
        sha = self.resolve_commit(repo, ref) if res.returncode == 0 else None
        if sha is None:
            raise ExternalError(
                f"git fetch of {branch} from {remote} failed: "
                f"{first_line(res.stderr or res.stdout) or 'no such branch'}"
            )
        return sha

    @staticmethod
    def _push_failure(res: Completed, ref: str) -> str:
        """git's own reason: the porcelain line of the refused ref, else the first error."""
        for line in res.stdout.splitlines():
            flag, _, rest = line.partition("\t")
            if flag == "!" and rest.startswith(f"{ref}:"):
                why = rest.partition("\t")[2].strip()
                remote_says = [
                    r.removeprefix("remote:").strip()
                    for r in res.stderr.splitlines()
                    if r.startswith("remote:") and r.removeprefix("remote:").strip()
                ]
                if remote_says:
                    why += f" ({remote_says[0]})"
                return without_credentials(first_line(why)) or "refused"
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        told = [ln for ln in lines if ln.startswith(("fatal:", "error:"))] or lines
        return without_credentials(first_line(told[0] if told else "")) or (
            f"exit {res.returncode}"
        )

    # ------------------------------------------------------------------ task results
    def _identity(self, cwd: Path) -> list[str]:
        """-c options for an author when git has none configured (never the user's config)."""
        email = self._git(cwd, "config", "user.email", check=False).stdout.strip()
        if email:
            return []
        return ["-c", "user.name=cc-orchestrator", "-c", "user.email=cco@localhost"]

    def merge(self, worktree: Path, ref: str, *, message: str) -> None:
        args = [
            *self._identity(worktree),
            "merge",
            "--no-ff",
            "--no-edit",
            "-m",
            message,
            "--end-of-options",
            ref,
        ]
        res = self._git(worktree, *args, check=False)
        if res.returncode != 0:
            files = self._conflicts(worktree)
            self._git(worktree, "merge", "--abort", check=False)
            if files:
                raise Conflict(
                    f"merging {ref} conflicts in {', '.join(files[:5])}",
                    hint="resolve it by hand, or start from one branch only",
                )
            raise ExternalError(f"git merge {ref} failed: {first_line(res.stderr or res.stdout)}")

    def _conflicts(self, worktree: Path) -> list[str]:
        res = self._git(worktree, "diff", "--name-only", "--diff-filter=U", check=False)
        return [line for line in res.stdout.splitlines() if line]

    def commit_all(self, worktree: Path, message: str) -> bool:
        """Commit every change (tracked, new, deleted); False when there was nothing."""
        self._git(worktree, "add", "-A")
        if self._git(worktree, "diff", "--cached", "--quiet", check=False).returncode == 0:
            return False
        self._git(worktree, *self._identity(worktree), "commit", "-q", "--no-verify", "-m", message)
        return True

    def diff_summary(self, worktree: Path, base: str) -> DiffSummary:
        ahead = self._git(worktree, "rev-list", "--count", f"{base}..HEAD").stdout.strip()
        short = self._git(worktree, "diff", "--shortstat", f"{base}...HEAD").stdout
        stat = self._git(worktree, "diff", "--stat=100", f"{base}...HEAD").stdout
        numbers = {"file": 0, "insertion": 0, "deletion": 0}
        for part in short.split(","):
            words = part.split()
            for key in numbers:
                if len(words) >= 2 and words[1].startswith(key):
                    numbers[key] = int(words[0])
        lines = stat.rstrip().splitlines()
        if len(lines) > 60:
            lines = [*lines[:59], f" ... {len(lines) - 60} more files", lines[-1]]
        return DiffSummary(
            commits_ahead=int(ahead or 0),
            files_changed=numbers["file"],
            insertions=numbers["insertion"],
            deletions=numbers["deletion"],
            stat="\n".join(lines),
        )

    def integrate(self, repo: Path, branch: str, into: str, *, how: str, message: str) -> str:
        """Bring branch into the local branch `into` (ff or a merge commit); its new commit.

        Where `into` is checked out (the main checkout, say) the merge runs there, so that
        working tree follows; elsewhere the commit is built without any checkout.
        """
        into_sha = self.resolve_commit(repo, f"refs/heads/{into}")
        branch_sha = self.resolve_commit(repo, f"refs/heads/{branch}")
        if into_sha is None:
            raise Conflict(
                f"{into!r} is not a local branch, so there is nothing to merge into",
                hint="set the task's base to a branch, or use tasks.merge=none",
            )
        if branch_sha is None:
            raise Conflict(f"branch {branch!r} does not exist any more")
        can_ff = self.is_ancestor(repo, into_sha, branch_sha)
        if how == "ff" and not can_ff:
            raise Conflict(
                f"{into} has moved on since the task started; a fast-forward is impossible",
                hint="use tasks.merge=merge, or rebase the branch",
            )
        checked_out = [e.path for e in self.worktrees(repo) if e.branch == into and not e.prunable]
        if checked_out:
            place = checked_out[0]
            if how == "ff":
                args = ["merge", "--ff-only", "--end-of-options", branch]
            else:
                args = [
                    *self._identity(place),
                    "merge",
                    "--no-ff",
                    "--no-edit",
                    "-m",
                    message,
                    "--end-of-options",
                    branch,
                ]
            res = self._git(place, *args, check=False)
            if res.returncode != 0:
                files = self._conflicts(place)
                if files:
                    self._git(place, "merge", "--abort", check=False)
                    raise Conflict(
                        f"merging into {into} conflicts in {', '.join(files[:5])}",
                        hint="reject the task with feedback, or merge by hand",
                    )
                raise Conflict(
                    f"cannot merge into {into} at {place}: {first_line(res.stderr or res.stdout)}",
                    hint="commit or stash your changes there first",
                )
            return self.resolve_commit(repo, f"refs/heads/{into}") or ""
        if how == "ff":
            new = branch_sha
        else:
            res = self._git(
                repo, "merge-tree", "--write-tree", "--name-only", into_sha, branch_sha, check=False
            )
            lines = res.stdout.splitlines()
            if res.returncode == 1:
                files = [line for line in lines[1:] if line and " " not in line]
                raise Conflict(
                    f"merging into {into} conflicts in {', '.join(files[:5])}",
                    hint="reject the task with feedback, or merge by hand",
                )
            if res.returncode != 0 or not lines:
                raise ExternalError(f"git merge-tree failed: {first_line(res.stderr)}")
            tree = lines[0].strip()
            new = self._git(
                repo,
                *self._identity(repo),
                "commit-tree",
                tree,
                "-p",
                into_sha,
                "-p",
                branch_sha,
                "-m",
                message,
            ).stdout.strip()
        self._git(repo, "update-ref", "-m", message, f"refs/heads/{into}", new, into_sha)
        return new


def _push_hint(output: str, *, force: bool) -> str | None:
    if "stale info" in output:
        return "the remote branch moved since it was last fetched: fetch, then push again"
    if "fetch first" in output or "non-fast-forward" in output:
        return "the remote branch has commits this one lacks: merge or rebase them, " + (
            "or fetch and force again" if force else "or push with force"
        )
    if "could not read Username" in output or "Authentication failed" in output:
        return "git has no credentials for this remote: set up a credential helper or SSH key"
    return None
