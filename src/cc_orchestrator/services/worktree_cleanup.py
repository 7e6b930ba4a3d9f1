"""Removal and cleanup of worktrees: the one record of a removal, and what cleanup finds.

A removal is recorded in one place (`mark_removed`): the row says removed, and a
`worktree.removed` event says why. Cleanup looks at one repository at a time (under its lock)
for what cco left behind: creations that died half-way, rows whose folder is gone, folders in
cco's worktree folder with no row, git's stale entries, and branches cco created whose
worktree is gone. Everything is found first (a dry run stops there), then removed, each with
its reason; what needs --force (uncommitted changes, unmerged commits) is kept and says so.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cc_orchestrator.domain import events
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.models import Worktree, WorktreeStatus
from cc_orchestrator.ports import GitWorktree, Tx
from cc_orchestrator.services import worktree_setup

if TYPE_CHECKING:
    from cc_orchestrator.services.worktrees import WorktreeService

MARKER = ".cco-managed"  # in cco's own worktree folder: what is in there is cco's
Progress = Callable[[str], None]
Action = Callable[[], None]
Found = list[tuple["Finding", Action]]


def quiet(_message: str) -> None:
    return None


def _nothing() -> None:
    return None


@dataclass
class Finding:
    """One thing cleanup found: what it is, and whether it is (or would be) removed."""

    kind: str  # abandoned_creation | missing_folder | orphan_folder | stale_git_entry | branch
    repo: Path
    target: str
    action: str  # remove | keep
    reason: str
    done: bool = False
    error: str | None = None


@dataclass
class CleanupReport:
    findings: list[Finding] = field(default_factory=list)
    dry_run: bool = False

    @property
    def removed(self) -> list[Finding]:
        return [f for f in self.findings if f.done]

    @property
    def kept(self) -> list[Finding]:
        return [f for f in self.findings if f.action == "keep" or f.error]


def mark_removed(
    tx: Tx, wt: Worktree, reason: str, notes: Sequence[str] = (), *, when: datetime | None = None
) -> None:
    """The row says removed, and the one event of its kind says why."""
    tx.mark_worktree_removed(wt.id, when or datetime.now(UTC))
    tx.append_event(events.worktree_removed(wt, reason=reason, notes=notes))


def cleanup_repo(
    svc: WorktreeService,
    repo_id: int,
    root: Path,
    report: CleanupReport,
    *,
    dry_run: bool,
    force: bool,
    progress: Progress,
) -> None:
    """Find what cco left behind in one repository, then (unless dry_run) remove it."""
    with svc.store.read() as tx:
        active = tx.worktrees(repo_id=repo_id)
        creating = tx.worktrees(repo_id=repo_id, statuses=(WorktreeStatus.CREATING,))
        created = {
            w.branch: w for w in tx.worktrees(repo_id=repo_id, statuses=()) if w.created_branch
        }
    # Creations that died half-way: their creator no longer holds their lock (one that
    # lives may be running a slow setup; it is left alone, its folder too).
    abandoned = [w for w in creating if not svc.locks.is_held(worktree_setup.create_lock(w.id))]
    in_progress = [w for w in creating if w not in abandoned]
    git_entries = {e.path.resolve(): e for e in svc.vcs.worktrees(root)}
    findings: Found = []
    findings += _abandoned(svc, root, abandoned)
    findings += _missing_folders(svc, root, active)
    findings += _orphan_folders(
        svc, root, active + abandoned + in_progress, git_entries, created, force=force
    )
    findings += _stale_entries(svc, root)
    findings += _branches(svc, root, findings, abandoned, active, git_entries, created, force)
    for finding, _ in findings:
        report.findings.append(finding)
    if dry_run:
        return
    for finding, action in findings:
        if finding.action != "remove":
            continue
        try:
            action()
            finding.done = True
            progress(f"removed {finding.kind.replace('_', ' ')}: {finding.target}")
        except CcoError as exc:
            finding.error = str(exc)
            progress(f"could not remove {finding.target}: {exc}")
    svc.vcs.prune_worktrees(root, dry_run=False)


def _abandoned(svc: WorktreeService, root: Path, abandoned: list[Worktree]) -> Found:
    found: Found = []
    for wt in abandoned:

        def undo(wt: Worktree = wt) -> None:
            svc.undo_git(wt)
            with svc.store.write() as tx:
                mark_removed(tx, wt, "abandoned")

        why = "its creation (or its setup command) was interrupted"
        found.append(
            (Finding("abandoned_creation", root, f"{wt.id} {wt.path}", "remove", why), undo)
        )
    return found


def _missing_folders(svc: WorktreeService, root: Path, active: list[Worktree]) -> Found:
    """Rows whose folder is gone."""
    found: Found = []
    now = datetime.now(UTC)
    for wt in active:
        if not wt.path.exists():

            def forget(wt: Worktree = wt) -> None:
                with svc.store.write() as tx:
                    mark_removed(tx, wt, "folder gone", when=now)

            why = "its folder no longer exists"
            found.append(
                (Finding("missing_folder", root, f"{wt.id} {wt.path}", "remove", why), forget)
            )
    return found


def _orphan_folders(
    svc: WorktreeService,
    root: Path,
    known: list[Worktree],
    git_entries: dict[Path, GitWorktree],
    created: dict[str, Worktree],
    *,
    force: bool,
) -> Found:
    """Folders (git worktrees or debris) in cco's own worktree folder with no row."""
    found: Found = []
    known_paths = {w.path.resolve() for w in known if w.path.exists()}
    managed = svc.managed_root(root)
    candidates: set[Path] = set()
    if (managed / MARKER).exists():
        candidates |= {p.resolve() for p in managed.iterdir() if p.is_dir()}
    candidates |= {
        p for p, e in git_entries.items() if e.branch in created and not e.prunable and p != root
    }
    for folder in sorted(candidates - known_paths - {root}):
        entry = git_entries.get(folder)
        if entry is not None and not entry.prunable:
            if svc.vcs.is_dirty(folder) and not force:
                why = "uncommitted changes (use --force)"
                found.append((Finding("orphan_folder", root, str(folder), "keep", why), _nothing))
                continue

            def drop_git(folder: Path = folder) -> None:
                svc.vcs.remove_worktree(root, folder, force=True)

            why = "a git worktree with no record"
            found.append((Finding("orphan_folder", root, str(folder), "remove", why), drop_git))
        else:

            def drop_dir(folder: Path = folder) -> None:
                shutil.rmtree(folder)

            why = "a leftover folder, not a git worktree"
            found.append((Finding("orphan_folder", root, str(folder), "remove", why), drop_dir))
    return found


def _stale_entries(svc: WorktreeService, root: Path) -> Found:
    """git's own stale entries (folders deleted by hand); pruned before branches are deleted,
    since git counts a branch as checked out until its stale entry is gone."""

    def prune() -> None:
        svc.vcs.prune_worktrees(root, dry_run=False)

    why = "git still lists a worktree that is gone"
    return [
        (Finding("stale_git_entry", root, line, "remove", why), prune)
        for line in svc.vcs.prune_worktrees(root, dry_run=True)
    ]


def _branches(
    svc: WorktreeService,
    root: Path,
    so_far: Found,
    abandoned: list[Worktree],
    active: list[Worktree],
    git_entries: dict[Path, GitWorktree],
    created: dict[str, Worktree],
    force: bool,
) -> Found:
    """Branches cco created whose worktree is gone: merged ones go; unmerged need --force."""
    found: Found = []
    removed_paths = {
        Path(f.target) for f, _ in so_far if f.kind == "orphan_folder" and f.action == "remove"
    }
    removed_paths |= {w.path.resolve() for w in abandoned}
    checked_out = {
        e.branch
        for p, e in git_entries.items()
        if e.branch and not e.prunable and p not in removed_paths
    }
    active_branches = {w.branch for w in active if w.path.exists()}
    for branch in svc.vcs.branches(root, svc.settings_for(root).branch_prefix):
        owner = created.get(branch)
        if (
            owner is None
            or owner.status is WorktreeStatus.CREATING
            or branch in checked_out
            or branch in active_branches
        ):
            continue
        merged = svc.merged(root, branch, owner.base_ref)
        if merged or force:

            def drop_branch(branch: str = branch) -> None:
                svc.vcs.delete_branch(root, branch, force=True)

            why = "merged" if merged else "its worktree is gone (--force: unmerged commits)"
            found.append((Finding("branch", root, branch, "remove", why), drop_branch))
        else:
            why = "its worktree is gone but it has unmerged commits (use --force to delete)"
            found.append((Finding("branch", root, branch, "keep", why), _nothing))
    return found
