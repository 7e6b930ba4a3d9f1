"""A new worktree's preparation: files copied in, then the setup command.

The setup runs while the worktree's row is still `creating`, with its process group written to
`<data_dir>/setup/<worktree>.pid`: when cco is killed mid-setup, `cco worktrees cleanup` (or the
recovery of the interrupted start) kills the orphaned setup and undoes the worktree. A worktree
becomes `active` only once its setup succeeded.
"""

from __future__ import annotations

import glob
import shutil
from collections.abc import Callable
from pathlib import Path

from cc_orchestrator.config import WorktreesConfig
from cc_orchestrator.domain.errors import ExternalError, InvalidInput
from cc_orchestrator.domain.models import Worktree
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import CommandRunner

log = get_logger("cco.worktrees")


def pid_file(data_dir: Path, worktree_id: str) -> Path:
    return data_dir / "setup" / f"{worktree_id}.pid"


def create_lock(worktree_id: str) -> str:
    """Held by the process creating that worktree, from its row to its setup's end."""
    return f"worktree-create:{worktree_id}"


def prepare(
    wt: Worktree,
    cfg: WorktreesConfig,
    *,
    runner: CommandRunner,
    data_dir: Path,
    progress: Callable[[str], None],
) -> None:
    for pattern in cfg.copy_files:
        matches = sorted(glob.glob(pattern, root_dir=wt.repo_path, include_hidden=True))
        for rel in matches:
            src = wt.repo_path / rel
            dst = wt.path / rel
            if not src.resolve().is_relative_to(wt.repo_path):
                raise InvalidInput(f"copy_files entry {rel!r} points outside the repository")
            progress(f"copy {rel}")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dst)
    if not cfg.setup:
        return
    log_file = data_dir / "logs" / f"setup-{wt.id}.log"
    progress(f"setup: {cfg.setup} (output in {log_file})")
    result = runner.run_shell(
        cfg.setup,
        cwd=wt.path,
        log_file=log_file,
        timeout_s=cfg.setup_timeout_s,
        pid_file=pid_file(data_dir, wt.id),
    )
    if result.exit_code != 0:
        why = (
            f"timed out after {cfg.setup_timeout_s}s"
            if result.timed_out
            else f"exited with {result.exit_code}"
        )
        last = result.output_tail.strip().splitlines()[-1:] or [""]
        raise ExternalError(
            f"setup command {cfg.setup!r} {why} in the new worktree: {last[0]}",
            hint=f"full output in {log_file}; the worktree was removed",
        )


def stop_orphan(wt: Worktree, *, runner: CommandRunner, data_dir: Path) -> int | None:
    """Kill the setup of an interrupted creation if it still runs; its pid, or None."""
    killed = runner.stop_orphan(pid_file(data_dir, wt.id), wt.path)
    if killed is not None:
        log.warning("worktree.setup_orphan_killed", worktree_id=wt.id, pid=killed)
    return killed
