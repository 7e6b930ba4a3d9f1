"""Fault injection for the crash drills: `CCO_FAULT=<point>` kills this process with SIGKILL
when it reaches that point, exactly as `kill -9` would. Unset (always, outside the drills in
tests/e2e/test_crash_drills.py), it costs one dict lookup and does nothing."""

from __future__ import annotations

import os
import signal

POINTS = (
    "start.after_claim",  # the task is marked running, nothing spawned yet
    "spawn.after_row",  # the instance row exists, no worktree yet
    "spawn.after_worktree",  # the worktree exists, no tmux session yet
    "spawn.after_session",  # the session runs, the instance is not marked started
    "start.before_status",  # the instance runs, the task does not know it yet
)
APPROVE_POINTS = (
    "approve.after_intent",  # the approve plan is recorded, nothing merged yet
    "approve.after_merge",  # merged, the worktree and branch still there
    "approve.after_worktree",  # worktree and branch gone, the task not done yet
)

REVIEW_POINTS = (
    "review.after_stop",  # the agent stopped for its task's review, the task not moved yet
)

GITHUB_POINTS = (
    "github.after_comment",  # the task's comment is posted, its id not recorded yet
    "github.after_pr",  # the pull request is open on GitHub, not recorded here yet
)

BACKUP_POINTS = (
    "backup.before_rename",  # the backup is whole under its hidden .partial name, not renamed
    "restore.after_intent",  # restoring.json is written, nothing replaced yet
    "restore.after_load",  # the database is the backup's, its files not copied yet
)


def point(name: str) -> None:
    if os.environ.get("CCO_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
