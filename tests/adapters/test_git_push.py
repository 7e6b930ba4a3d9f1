"""GitCli.push and remote_url with real git and a real bare repository as the remote: a push,
the same push again (nothing to do), force with lease (and its refusal when the remote moved),
a refused push as one clear error with git's reason, credentials in URLs never shown, and no
waiting for a password."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cc_orchestrator.adapters.git import GitCli, without_credentials
from cc_orchestrator.domain.errors import ExternalError, InvalidInput
from tests.conftest import git, make_repo


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    return bare


@pytest.fixture
def work(tmp_path: Path, remote: Path) -> Path:
    repo = make_repo(tmp_path / "work")
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "task/fix-login")
    (repo / "login.py").write_text("print('fixed')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "fix login")
    return repo


def remote_head(remote: Path, branch: str) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=remote,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or None


def commit(repo: Path, name: str, text: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"change {name}")
    return git(repo, "rev-parse", "HEAD")


def test_push_creates_the_branch_and_answers_the_commit(work: Path, remote: Path) -> None:
    head = git(work, "rev-parse", "HEAD")
    assert GitCli().push(work, "origin", "task/fix-login") == head
    assert remote_head(remote, "task/fix-login") == head
    assert remote_head(remote, "main") != head  # only that branch went


def test_pushing_again_is_a_no_op(work: Path, remote: Path) -> None:
    vcs = GitCli()
    first = vcs.push(work, "origin", "task/fix-login")
    assert vcs.push(work, "origin", "task/fix-login") == first
    assert remote_head(remote, "task/fix-login") == first
    newer = commit(work, "more.py", "x = 1\n")
    assert vcs.push(work, "origin", "task/fix-login") == newer  # a fast-forward
    assert remote_head(remote, "task/fix-login") == newer


def test_a_rewritten_branch_needs_force_with_lease(work: Path, remote: Path) -> None:
    vcs = GitCli()
    vcs.push(work, "origin", "task/fix-login")
    git(work, "commit", "-q", "--amend", "-m", "fix login, reworded")
    amended = git(work, "rev-parse", "HEAD")

    with pytest.raises(ExternalError) as refused:
        vcs.push(work, "origin", "task/fix-login")
    assert "git push to origin failed for task/fix-login" in refused.value.message
    assert "rejected" in refused.value.message
    assert refused.value.hint and "force" in refused.value.hint

    assert vcs.push(work, "origin", "task/fix-login", force=True) == amended
    assert remote_head(remote, "task/fix-login") == amended


def test_force_with_lease_refuses_when_the_remote_moved(
    tmp_path: Path, work: Path, remote: Path
) -> None:
    """Someone else pushed since this repository last saw the branch: the lease holds."""
    vcs = GitCli()
    vcs.push(work, "origin", "task/fix-login")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", "-b", "task/fix-login", str(remote), str(other))
    theirs = commit(other, "theirs.py", "y = 2\n")
    git(other, "push", "-q", "origin", "task/fix-login")

    git(work, "commit", "-q", "--amend", "-m", "mine, rewritten")
    with pytest.raises(ExternalError) as refused:
        vcs.push(work, "origin", "task/fix-login", force=True)
    assert "stale info" in refused.value.message
    assert remote_head(remote, "task/fix-login") == theirs  # their commit is not lost


def test_a_hook_that_refuses_is_one_clear_error(work: Path, remote: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch task/* is protected here' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(ExternalError) as refused:
        GitCli().push(work, "origin", "task/fix-login")
    text = refused.value.message
    assert text.count("\n") == 0
    assert "pre-receive hook declined" in text
    assert "branch task/* is protected here" in text
    assert remote_head(remote, "task/fix-login") is None


def test_no_such_remote_or_branch(work: Path) -> None:
    vcs = GitCli()
    with pytest.raises(ExternalError) as refused:
        vcs.push(work, "nowhere", "task/fix-login")
    assert "nowhere" in refused.value.message
    with pytest.raises(InvalidInput, match="no branch 'task/none'"):
        vcs.push(work, "origin", "task/none")
    with pytest.raises(InvalidInput):
        vcs.push(work, "--upload-pack=evil", "task/fix-login")
    with pytest.raises(InvalidInput):
        vcs.push(work, "origin", "bad..name")


def test_credentials_in_the_url_never_show(work: Path, tmp_path: Path) -> None:
    """A remote whose URL holds a token: neither remote_url nor a failure says it, and git
    never waits for a password (GIT_TERMINAL_PROMPT=0): the push fails at once."""
    token = "ghp_" + "s3cr3t" * 6
    git(work, "remote", "add", "hosted", f"https://cco:{token}@127.0.0.1:9/acme/widgets.git")
    vcs = GitCli()
    url = vcs.remote_url(work, "hosted")
    assert url == "https://***@127.0.0.1:9/acme/widgets.git"
    with pytest.raises(ExternalError) as refused:
        vcs.push(work, "hosted", "task/fix-login")
    shown = f"{refused.value.message} {refused.value.hint}"
    assert token not in shown and "cco:" not in shown
    assert "127.0.0.1" in shown


def test_remote_url(work: Path, remote: Path) -> None:
    vcs = GitCli()
    assert vcs.remote_url(work, "origin") == str(remote)
    assert vcs.remote_url(work, "nowhere") is None
    assert vcs.remote_url(work, "-v") is None
    git(work, "remote", "add", "gh", "git@github.com:acme/widgets.git")
    assert vcs.remote_url(work, "gh") == "git@github.com:acme/widgets.git"


def test_without_credentials() -> None:
    assert without_credentials("https://u:p@h/x and ssh://git@h/y") == (
        "https://***@h/x and ssh://***@h/y"
    )
    assert without_credentials("fatal: unable to access 'https://tok@github.com/o/r/'") == (
        "fatal: unable to access 'https://***@github.com/o/r/'"
    )
    assert without_credentials("git@github.com:o/r.git") == "git@github.com:o/r.git"
