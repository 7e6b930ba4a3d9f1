"""A task's instance is named after the task: `add-a-health-endpoint-t1x2y3`, unique."""

from __future__ import annotations

from typing import Protocol

from cc_orchestrator.domain.models import Task, WorktreeStatus
from cc_orchestrator.domain.names import check_name, slugify
from cc_orchestrator.ports import InstanceRows, WorktreeRows

SLUG_LENGTH = 30


class NameRows(InstanceRows, WorktreeRows, Protocol):
    """What naming reads: instances and the repository's worktrees (any ports.Tx)."""


def instance_name(tx: NameRows, task: Task) -> str:
    """The title's slug and the task's id (unique across tasks); a second instance of the same
    task (a retry, a restarted start) gets `-2`, `-3`..., as does a name a worktree of the
    repository already has (the instance's worktree takes the same name)."""
    base = f"{slugify(task.title, SLUG_LENGTH)}-{task.id}"
    taken = {i.name for i in tx.instances(task_id=task.id)}
    if task.repo_id is not None:
        taken |= {
            w.name
            for w in tx.worktrees(
                repo_id=task.repo_id, statuses=(WorktreeStatus.ACTIVE, WorktreeStatus.CREATING)
            )
        }
    name, n = base, 1
    while name in taken or tx.instance(name) is not None:
        n += 1
        name = f"{base}-{n}"
    return check_name(name, "instance name")
