"""Worktrees: create (with file copies and a setup command), list, remove, clean up.

Every step that creates something has its undo: a failure after `git worktree add` removes the
worktree and the branch it made. Creating and removing worktrees of one repository is serialized
by a per-repository lock, so parallel creation is safe. What cleanup finds, and the one record
of a removal (the row and its `worktree.removed` event), are in worktree_cleanup.py.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cc_orchestrator.config import WorktreesConfig
from cc_orchestrator.domain import events
from cc_orchestrator.domain.errors import CcoError, Conflict, InvalidInput, NotFound
from cc_orchestrator.domain.models import Worktree, WorktreeStatus
from cc_orchestrator.domain.names import check_name, check_ref, new_id, slugify
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import CommandRunner, Locks, Store, Vcs
from cc_orchestrator.services import worktree_setup
from cc_orchestrator.services.worktree_cleanup import (
    MARKER,
    CleanupReport,
    Finding,
    Progress,
    cleanup_repo,
    mark_removed,
    quiet,
)

__all__ = ["MARKER", "CleanupReport", "Finding", "Progress", "WorktreeService", "WorktreeView"]

log = get_logger("cco.worktrees")


@dataclass(frozen=True)
class WorktreeView:
    worktree: Worktree
    exists: bool


def repo_hash(root: Path) -> str:
    return hashlib.sha256(str(root).encode()).hexdigest()[:8]


class WorktreeService:
    def __init__(
        self,
        *,
        store: Store,
        vcs: Vcs,
        locks: Locks,
        runner: CommandRunner,
        settings_for: Callable[[Path], WorktreesConfig],
        data_dir: Path,
    ) -> None:
        self.store = store
        self.vcs = vcs
        self.locks = locks
        self.runner = runner
        self.settings_for = settings_for
        self.data_dir = data_dir

    # ------------------------------------------------------------------------- helpers
    @contextmanager
    def _repo_lock(self, root: Path) -> Iterator[None]:
        with self.locks.hold(f"repo:{root}"):
            yield

    def _path_for(self, cfg: WorktreesConfig, root: Path, name: str, wt_id: str) -> Path:
        raw = cfg.path.format(
            data_dir=self.data_dir,
            repo=root.name,
            repo_hash=repo_hash(root),
            repo_parent=root.parent,
            name=name,
            id=wt_id,
        )
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = root / path
        return Path(*path.parts).absolute()

    def managed_root(self, root: Path) -> Path:
        """The folder that holds this repository's worktrees (the pattern's parent)."""
        cfg = self.settings_for(root)
        return self._path_for(cfg, root, "x", "x").parent

    def find(self, key: str) -> Worktree | None:
        """A worktree in any state (creating, active, removed), or None."""
        with self.store.read() as tx:
            return tx.worktree(key)

    def undo_interrupted(self, wt: Worktree) -> None:
        """Remove a worktree whose creator died (the agent never ran in it)."""
        if wt.status is not WorktreeStatus.REMOVED:
            self._undo_create(wt, reason="start interrupted")

    def get(self, key: str) -> Worktree:
        with self.store.read() as tx:
            wt = tx.worktree(key)
        if wt is None or wt.status is not WorktreeStatus.ACTIVE:
            raise NotFound(f"no worktree {key!r}", hint="`cco worktrees list` shows them")
        return wt

    def views(self, repo: Path | None = None) -> list[WorktreeView]:
        with self.store.read() as tx:
            repo_id = None
            if repo is not None:
                found = tx.repo_by_path(self.vcs.repo_root(repo))
                if found is None:
                    return []
                repo_id = found.id
            rows = tx.worktrees(repo_id=repo_id)
        return [WorktreeView(wt, wt.path.is_dir()) for wt in rows]

    # ------------------------------------------------------------------------- create
    def check(
        self,
        *,
        repo: Path,
        name: str | None = None,
        base: str | None = None,
        branch: str | None = None,
    ) -> Path:
        """Refuse bad input before anything is created; returns the repository root."""
        if name is not None:
            check_name(name, "worktree name")
        if base is not None:
            check_ref(base, "base")
        if branch is not None:
            check_ref(branch, "branch")
        root = self.vcs.repo_root(repo)
        if branch is not None:
            self.vcs.check_branch_name(root, branch)
        if base is not None and self.vcs.resolve_commit(root, base) is None:
            raise InvalidInput(
                f"{base!r} is not a branch, tag or commit in {root}",
                hint="`git branch -a` and `git tag` list what exists",
            )
        if base is None and self.vcs.resolve_commit(root, "HEAD") is None:
            raise InvalidInput(
                f"{root} has no commit yet, so there is nothing to branch from",
                hint="make a first commit: git commit --allow-empty -m 'Initial commit'",
            )
        return root

    def create(
        self,
        *,
        repo: Path,
        name: str | None = None,
        base: str | None = None,
        branch: str | None = None,
        progress: Progress = quiet,
        worktree_id: str | None = None,
        merge: Sequence[str] = (),
    ) -> Worktree:
        """worktree_id: an id chosen beforehand (by a spawn that recorded it first).
        merge: refs merged into the new branch after creation (work stacked on several)."""
        root = self.check(repo=repo, name=name, base=base, branch=branch)
        cfg = self.settings_for(root)
        wt_id = worktree_id or new_id()
        # Held until the setup ended: cleanup leaves a creation alone while its creator lives.
        with self.locks.hold(worktree_setup.create_lock(wt_id)):
            with self._repo_lock(root):
                wt = self._add(
                    root, cfg, name=name, base=base, branch=branch, progress=progress, wt_id=wt_id
                )
            try:
                for ref in merge:
                    check_ref(ref, "merge ref")
                    progress(f"merge {ref}")
                    self.vcs.merge(wt.path, ref, message=f"Merge {ref} into {wt.branch}")
                worktree_setup.prepare(
                    wt, cfg, runner=self.runner, data_dir=self.data_dir, progress=progress
                )
                wt = self._activate(wt, base_ref=wt.base_ref)
            except BaseException:
                progress(f"undoing worktree {wt.id}")
                self._undo_create(wt)
                raise
        log.info("worktree.created", worktree_id=wt.id, path=str(wt.path), branch=wt.branch)
        return wt

    def _activate(self, wt: Worktree, *, base_ref: str) -> Worktree:
        """Ready for use: git made it, its merges and setup succeeded."""
        with self.store.write() as tx:
            tx.set_worktree_status(wt.id, WorktreeStatus.ACTIVE)
            tx.append_event(events.worktree_created(wt, base=base_ref))
        return replace(wt, status=WorktreeStatus.ACTIVE)

    def _add(
        self,
        root: Path,
        cfg: WorktreesConfig,
        *,
        name: str | None,
        base: str | None,
        branch: str | None,
        progress: Progress,
        wt_id: str | None = None,
    ) -> Worktree:
        wt_id = wt_id or new_id()
        name = name or wt_id
        with self.store.read() as tx:
            repo_row = tx.repo_by_path(root)
            if repo_row is not None and any(
                w.name == name
                for w in tx.worktrees(
                    repo_id=repo_row.id,
                    statuses=(WorktreeStatus.ACTIVE, WorktreeStatus.CREATING),
                )
            ):
                raise Conflict(
                    f"a worktree named {name!r} already exists in {root}",
                    hint="pick another name or remove it first",
                )

        existing_branch = branch is not None and self.vcs.branch_exists(root, branch)
        if existing_branch:
            assert branch is not None
            if base is not None:
                raise InvalidInput(
                    f"branch {branch!r} already exists, so --base does not apply",
                    hint="drop --base to check the branch out, or name a new branch",
                )
            for entry in self.vcs.worktrees(root):
                if entry.branch == branch:
                    raise Conflict(
                        f"branch {branch!r} is already checked out in {entry.path}",
                        hint="pick another branch or remove that worktree",
                    )
            base_ref, start = branch, None
        else:
            base_ref = base or "HEAD"
            start = base_ref
        base_commit = self.vcs.resolve_commit(root, base_ref)
        if base_commit is None:
            raise InvalidInput(
                f"{base_ref!r} is not a branch, tag or commit in {root}",
                hint="`git branch -a` and `git tag` list what exists",
            )
        if branch is None:
            branch = f"{cfg.branch_prefix}{wt_id}" + (f"-{slugify(name)}" if name != wt_id else "")
            self.vcs.check_branch_name(root, branch)
        if not existing_branch and self.vcs.branch_exists(root, branch):
            raise Conflict(f"branch {branch!r} already exists")

        path = self._path_for(cfg, root, name, wt_id)
        if path.exists() and any(path.iterdir()):
            raise Conflict(
                f"{path} already exists and is not empty",
                hint="pick another name or run `cco worktrees cleanup`",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / MARKER).touch(exist_ok=True)

        wt = Worktree(
            id=wt_id,
            repo_id=0,
            repo_path=root,
            name=name,
            path=path,
            branch=branch,
            base_ref=base_ref,
            base_commit=base_commit,
            created_branch=not existing_branch,
            status=WorktreeStatus.CREATING,
            created_at=datetime.now(UTC),
        )
        # Record the intent first: if this process dies during `git worktree add`, cleanup
        # finds the row in state "creating" and knows the branch and folder are ours to undo.
        with self.store.write() as tx:
            repo_row = tx.ensure_repo(root)
            wt = replace(wt, repo_id=repo_row.id)
            tx.add_worktree(wt)
        try:
            progress(f"git worktree add {path} ({branch})")
            self.vcs.add_worktree(root, path, branch=branch, start=base_commit if start else None)
        except BaseException:
            self.undo_git(wt)
            with self.store.write() as tx:
                mark_removed(tx, wt, "git worktree add failed")
            raise
        return wt  # still "creating": active once its merges and setup succeeded

    # ------------------------------------------------------------------------- undo / remove
    def undo_git(self, wt: Worktree) -> None:
        worktree_setup.stop_orphan(wt, runner=self.runner, data_dir=self.data_dir)
        try:
            self.vcs.remove_worktree(wt.repo_path, wt.path, force=True)
        except CcoError as exc:
            log.warning("undo.worktree_failed", worktree_id=wt.id, error=str(exc))
        if wt.path.exists():
            shutil.rmtree(wt.path, ignore_errors=True)
        self.vcs.prune_worktrees(wt.repo_path, dry_run=False)
        if wt.created_branch and self.vcs.branch_exists(wt.repo_path, wt.branch):
            try:
                self.vcs.delete_branch(wt.repo_path, wt.branch, force=True)
            except CcoError as exc:
                log.warning("undo.branch_failed", worktree_id=wt.id, error=str(exc))

    def _undo_create(self, wt: Worktree, *, reason: str = "creation failed") -> None:
        with self._repo_lock(wt.repo_path):
            self.undo_git(wt)
            with self.store.write() as tx:
                mark_removed(tx, wt, reason)

    def remove(self, key: str, *, force: bool = False, delete_branch: bool = False) -> list[str]:
        """Remove a worktree; returns notes for the user (a branch kept, say)."""
        wt = self.get(key)
        notes: list[str] = []
        with self._repo_lock(wt.repo_path):
            if wt.path.exists():
                known = {e.path.resolve() for e in self.vcs.worktrees(wt.repo_path)}
                if wt.path.resolve() in known:
                    if not force and self.vcs.is_dirty(wt.path):
                        raise Conflict(
                            f"worktree {wt.id} ({wt.path}) has uncommitted changes",
                            hint="commit them, or pass --force to discard them",
                        )
                    self.vcs.remove_worktree(wt.repo_path, wt.path, force=force)
                elif force or not any(wt.path.iterdir()):
                    shutil.rmtree(wt.path)
                else:
                    raise Conflict(
                        f"{wt.path} is no longer a git worktree but holds files",
                        hint="look at it, then pass --force to delete it",
                    )
            self.vcs.prune_worktrees(wt.repo_path, dry_run=False)
            if delete_branch:
                if not wt.created_branch:
                    notes.append(f"kept branch {wt.branch}: cco did not create it")
                elif self.vcs.branch_exists(wt.repo_path, wt.branch):
                    merged = self.merged(wt.repo_path, wt.branch, wt.base_ref)
                    if merged or force:
                        self.vcs.delete_branch(wt.repo_path, wt.branch, force=True)
                        notes.append(f"deleted branch {wt.branch}")
                    else:
                        notes.append(
                            f"kept branch {wt.branch}: it has commits not merged into "
                            f"{wt.base_ref} (pass --force too to delete it)"
                        )
            with self.store.write() as tx:
                mark_removed(tx, wt, "removed", notes)
        log.info("worktree.removed", worktree_id=wt.id, notes=notes)
        return notes

    def merged(self, root: Path, branch: str, base_ref: str) -> bool:
        """Merged into the ref it started from, or into the main checkout's HEAD."""
        return self.vcs.is_ancestor(root, branch, base_ref) or self.vcs.is_ancestor(
            root, branch, "HEAD"
        )

    # ------------------------------------------------------------------------- cleanup
    def cleanup(
        self, *, dry_run: bool = False, force: bool = False, progress: Progress = quiet
    ) -> CleanupReport:
        report = CleanupReport(dry_run=dry_run)
        with self.store.read() as tx:
            repos = tx.repos()
        for repo in repos:
            if not repo.path.is_dir():
                continue
            try:
                self.vcs.repo_root(repo.path)
            except CcoError:
                continue
            with self._repo_lock(repo.path):
                cleanup_repo(
                    self,
                    repo.id,
                    repo.path,
                    report,
                    dry_run=dry_run,
                    force=force,
                    progress=progress,
                )
        return report
