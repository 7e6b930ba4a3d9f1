"""Worktrees against real git repositories and a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.errors import Conflict, ExternalError, InvalidInput, NotFound
from cc_orchestrator.domain.models import WorktreeStatus
from cc_orchestrator.services.worktrees import MARKER
from tests.conftest import git, make_repo


@pytest.fixture
def app() -> App:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def branches(repo: Path) -> set[str]:
    return set(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split())


def git_worktree_paths(repo: Path) -> set[Path]:
    out = git(repo, "worktree", "list", "--porcelain")
    return {
        Path(line.split(" ", 1)[1]) for line in out.splitlines() if line.startswith("worktree ")
    }


def test_create_default(app: App, repo: Path, data_dir: Path) -> None:
    wt = app.worktrees.create(repo=repo)
    assert wt.path.is_dir() and (wt.path / "README.md").read_text() == "hello\n"
    assert wt.path.is_relative_to(data_dir / "worktrees")
    assert wt.branch == f"cco/{wt.id}"
    assert git(wt.path, "rev-parse", "--abbrev-ref", "HEAD") == wt.branch
    assert wt.created_branch and wt.base_commit == git(repo, "rev-parse", "HEAD")
    [view] = app.worktrees.views()
    assert view.worktree.id == wt.id and view.exists
    with app.store.read() as tx:
        kinds = [e.kind for e in tx.events()]
    assert "worktree.created" in kinds


def test_create_named_from_tag_commit_and_remote_branch(
    app: App, repo: Path, tmp_path: Path
) -> None:
    git(repo, "tag", "v1")
    (repo / "b.txt").write_text("b")
    git(repo, "add", "b.txt")
    git(repo, "commit", "-qm", "second")
    first = git(repo, "rev-parse", "HEAD~1")

    from_tag = app.worktrees.create(repo=repo, name="from-tag", base="v1")
    assert from_tag.branch == f"cco/{from_tag.id}-from-tag"
    assert not (from_tag.path / "b.txt").exists()
    from_sha = app.worktrees.create(repo=repo, name="from-sha", base=first[:10])
    assert from_sha.base_commit == first

    # a clone whose origin has a branch the clone has not checked out
    git(repo, "branch", "feature/remote-only")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    wt = app.worktrees.create(repo=clone, base="origin/feature/remote-only")
    assert wt.base_commit == git(repo, "rev-parse", "feature/remote-only")


def test_existing_branch_is_checked_out_not_created(app: App, repo: Path) -> None:
    git(repo, "branch", "mine")
    wt = app.worktrees.create(repo=repo, branch="mine")
    assert wt.branch == "mine" and not wt.created_branch
    # the same branch cannot be checked out twice, nor the main checkout's branch
    with pytest.raises(Conflict, match="already checked out"):
        app.worktrees.create(repo=repo, branch="mine")
    with pytest.raises(Conflict, match="already checked out"):
        app.worktrees.create(repo=repo, branch="main")
    with pytest.raises(InvalidInput, match="--base does not apply"):
        app.worktrees.create(repo=repo, branch="main", base="HEAD")
    app.worktrees.remove(wt.id, delete_branch=True)
    assert "mine" in branches(repo)  # never a branch cco did not create


def test_new_named_branch(app: App, repo: Path) -> None:
    wt = app.worktrees.create(repo=repo, branch="topic/new", base="main")
    assert wt.created_branch and "topic/new" in branches(repo)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "../escape"}, InvalidInput),
        ({"name": "-rf"}, InvalidInput),
        ({"name": "a\x07b"}, InvalidInput),
        ({"base": "--output=/tmp/x"}, InvalidInput),
        ({"base": "no-such-ref"}, InvalidInput),
        ({"branch": "/abs/path"}, InvalidInput),
        ({"branch": "a..b"}, InvalidInput),
        ({"branch": "x\ny"}, InvalidInput),
    ],
)
def test_bad_input_changes_nothing(
    app: App, repo: Path, kwargs: dict[str, str], error: type[Exception]
) -> None:
    before = (branches(repo), git_worktree_paths(repo))
    with pytest.raises(error):
        app.worktrees.create(repo=repo, **kwargs)
    assert (branches(repo), git_worktree_paths(repo)) == before
    assert app.worktrees.views() == []


def test_not_a_repository(app: App, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(InvalidInput, match="not a git repository"):
        app.worktrees.create(repo=tmp_path / "plain")
    with pytest.raises(InvalidInput, match="not a directory"):
        app.worktrees.create(repo=tmp_path / "missing")


def test_duplicate_name_refused(app: App, repo: Path) -> None:
    app.worktrees.create(repo=repo, name="same")
    with pytest.raises(Conflict, match="already exists"):
        app.worktrees.create(repo=repo, name="same")


def test_copy_files_and_setup(app: App, repo: Path, data_dir: Path) -> None:
    (repo / ".gitignore").write_text(".env\nconfig/local.json\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore")
    (repo / ".env").write_text("TOKEN=abc\n")
    (repo / "config").mkdir()
    (repo / "config" / "local.json").write_text("{}")
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump(
            {
                "worktrees": {
                    "copy_files": [".env", "config/*.json", "missing.txt"],
                    "setup": "echo installing; pwd > setup-ran.txt",
                }
            }
        )
    )
    wt = app.worktrees.create(repo=repo)
    assert (wt.path / ".env").read_text() == "TOKEN=abc\n"
    assert (wt.path / "config" / "local.json").exists()
    assert (wt.path / "setup-ran.txt").read_text().strip() == str(wt.path)
    log = (data_dir / "logs" / f"setup-{wt.id}.log").read_text()
    assert "installing" in log


def test_setup_failure_is_reported_and_undone(app: App, repo: Path) -> None:
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump({"worktrees": {"setup": "echo 'npm ERR! missing thing' >&2; exit 3"}})
    )
    before = (branches(repo), git_worktree_paths(repo))
    with pytest.raises(ExternalError) as err:
        app.worktrees.create(repo=repo, name="broken")
    message = str(err.value)
    assert "exited with 3" in message and "npm ERR! missing thing" in message
    assert "setup-" in message  # names the log file
    assert (branches(repo), git_worktree_paths(repo)) == before
    assert app.worktrees.views() == []
    with app.store.read() as tx:
        [row] = tx.worktrees(statuses=())
    assert row.status is WorktreeStatus.REMOVED
    assert not row.path.exists()


def test_failure_after_git_add_is_undone(
    app: App, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure right after `git worktree add` (here: the database write) leaves nothing."""
    before = (branches(repo), git_worktree_paths(repo))
    original = app.store.write
    calls = {"n": 0}

    def flaky_write():  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # 1: record intent, 2: mark active after git worktree add
            raise RuntimeError("disk full")
        return original()

    monkeypatch.setattr(app.store, "write", flaky_write)
    with pytest.raises(RuntimeError, match="disk full"):
        app.worktrees.create(repo=repo, name="halfway")
    monkeypatch.setattr(app.store, "write", original)
    assert (branches(repo), git_worktree_paths(repo)) == before


def test_remove_refuses_uncommitted_work(app: App, repo: Path) -> None:
    wt = app.worktrees.create(repo=repo, name="work")
    (wt.path / "notes.txt").write_text("precious")
    with pytest.raises(Conflict, match="uncommitted changes"):
        app.worktrees.remove("work")
    assert (wt.path / "notes.txt").exists()
    app.worktrees.remove("work", force=True)
    assert not wt.path.exists()
    assert wt.branch in branches(repo)  # kept unless asked
    with pytest.raises(NotFound):
        app.worktrees.remove("work")


def test_remove_delete_branch_keeps_unmerged_commits(app: App, repo: Path) -> None:
    wt = app.worktrees.create(repo=repo, name="feature")
    (wt.path / "f.txt").write_text("f")
    git(wt.path, "add", "f.txt")
    git(wt.path, "commit", "-qm", "work")
    notes = app.worktrees.remove(wt.id, delete_branch=True)
    assert wt.branch in branches(repo) and "not merged" in notes[0]

    wt2 = app.worktrees.create(repo=repo, name="merged")
    notes = app.worktrees.remove(wt2.id, delete_branch=True)
    assert wt2.branch not in branches(repo) and notes == [f"deleted branch {wt2.branch}"]


def test_worktrees_beside_the_repository(app: App, repo: Path) -> None:
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump({"worktrees": {"path": "{repo_parent}/{repo}.worktrees/{name}"}})
    )
    wt = app.worktrees.create(repo=repo, name="side")
    assert wt.path == repo.parent / "repo.worktrees" / "side"


def test_cleanup(app: App, repo: Path) -> None:
    other = make_repo(repo.parent / "other")
    keep = app.worktrees.create(repo=repo, name="keep")
    gone = app.worktrees.create(repo=repo, name="gone")
    unmerged = app.worktrees.create(repo=repo, name="unmerged")
    dirty_orphan = app.worktrees.create(repo=repo, name="dirty")
    app.worktrees.create(repo=other, name="other-keep")
    (unmerged.path / "u.txt").write_text("u")
    git(unmerged.path, "add", "u.txt")
    git(unmerged.path, "commit", "-qm", "unmerged work")
    app.worktrees.remove(unmerged.id)
    (dirty_orphan.path / "wip.txt").write_text("wip")

    # a folder deleted by hand (row with no folder + git stale entry + branch of ours)
    import shutil

    shutil.rmtree(gone.path)
    # a leftover non-git folder in cco's own worktree folder
    debris = keep.path.parent / "debris"
    debris.mkdir()
    (debris / "x").write_text("x")
    assert (keep.path.parent / MARKER).exists()
    # a git worktree with our branch but no row (the row was lost)
    with app.store.write() as tx:
        tx.mark_worktree_removed(dirty_orphan.id, dirty_orphan.created_at)
    # somebody else's branch with our prefix, never touched
    git(repo, "branch", "cco/not-ours")

    preview = app.worktrees.cleanup(dry_run=True)
    planned = {(f.kind, f.action) for f in preview.findings}
    assert ("missing_folder", "remove") in planned
    assert ("stale_git_entry", "remove") in planned
    assert ("orphan_folder", "remove") in planned  # debris
    assert ("orphan_folder", "keep") in planned  # dirty orphan needs --force
    assert ("branch", "keep") in planned  # unmerged
    # dry run changed nothing
    assert debris.exists() and gone.branch in branches(repo)

    report = app.worktrees.cleanup()
    assert not [f for f in report.findings if f.error]
    assert not debris.exists()
    assert gone.branch not in branches(repo)  # merged (no commits) and its worktree is gone
    assert unmerged.branch in branches(repo)  # unmerged commits are kept without --force
    assert dirty_orphan.path.exists() and (dirty_orphan.path / "wip.txt").exists()
    assert "cco/not-ours" in branches(repo)
    assert keep.path.exists()
    assert {v.worktree.name for v in app.worktrees.views()} == {"keep", "other-keep"}

    report = app.worktrees.cleanup(force=True)
    assert not dirty_orphan.path.exists()
    assert unmerged.branch not in branches(repo) and dirty_orphan.branch not in branches(repo)
    assert "cco/not-ours" in branches(repo) and keep.branch in branches(repo)
    assert git_worktree_paths(repo) == {repo, keep.path}
    # and a second run finds nothing
    assert app.worktrees.cleanup().findings == []


def test_cleanup_undoes_abandoned_creation(app: App, repo: Path) -> None:
    """A process killed during `git worktree add` leaves a 'creating' row; cleanup undoes it."""
    wt = app.worktrees.create(repo=repo, name="interrupted")
    with app.store.write() as tx:
        tx.set_worktree_status(wt.id, WorktreeStatus.CREATING)
    report = app.worktrees.cleanup()
    assert [f.kind for f in report.findings if f.done] == ["abandoned_creation"]
    assert not wt.path.exists() and wt.branch not in branches(repo)
    assert app.worktrees.views() == []


def test_a_worktree_is_active_only_after_its_setup_and_cleanup_spares_a_live_one(
    app: App, repo: Path, tmp_path: Path
) -> None:
    import threading

    from tests.conftest import wait_for

    go, started = tmp_path / "go", tmp_path / "started"
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump(
            {"worktrees": {"setup": f"touch {started}; while [ ! -e {go} ]; do sleep 0.02; done"}}
        )
    )
    made: list[object] = []
    creator = threading.Thread(target=lambda: made.append(app.worktrees.create(repo=repo)))
    creator.start()
    try:
        wait_for(started.exists, what="the setup to start")
        with app.store.read() as tx:
            [row] = tx.worktrees(statuses=())
        assert row.status is WorktreeStatus.CREATING  # not usable while its setup runs
        report = app.worktrees.cleanup()  # its creator lives: left alone
        assert report.findings == [], report.findings
        assert row.path.is_dir()
    finally:
        go.touch()
        creator.join(timeout=30)
    assert app.worktrees.get(row.id).status is WorktreeStatus.ACTIVE and made


def test_a_setup_timeout_kills_the_whole_process_group(
    app: App, repo: Path, tmp_path: Path
) -> None:
    import os

    from tests.conftest import wait_for

    child = tmp_path / "child.pid"
    (repo / ".cc-orchestrator.yaml").write_text(
        yaml.safe_dump(
            {
                "worktrees": {
                    "setup": f"sleep 30 & echo $! > {child}; wait",
                    "setup_timeout_s": 1,
                }
            }
        )
    )
    with pytest.raises(ExternalError, match="timed out after 1"):
        app.worktrees.create(repo=repo)
    pid = int(child.read_text())

    def gone() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except OSError:
            return True
        return state == "Z"

    try:
        wait_for(gone, timeout=5, what="the setup's child to be killed")
    finally:
        if not gone():
            os.kill(pid, 9)  # the sleep this test started, by its own pid
