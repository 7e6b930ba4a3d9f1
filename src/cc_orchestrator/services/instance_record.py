"""What every path that changes an instance's status does the same way: the instance's files,
and the status set with its instance.status event in one transaction."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.domain import events
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.ports import InstanceFiles, Tx
from cc_orchestrator.private import private_files


def set_status(
    tx: Tx,
    inst: Instance,
    status: InstanceStatus,
    reason: str,
    *,
    previous: InstanceStatus | None = None,
    restarted: bool = False,
    **values: Any,
) -> Instance:
    """Set the status (with these other columns) and append its event; the updated record.

    restarted: the event says how many restarts the instance has had."""
    updated = tx.update_instance(
        inst.id, status=status, status_reason=reason, status_at=datetime.now(UTC), **values
    )
    tx.append_event(
        events.instance_status(
            updated,
            status,
            reason,
            previous=previous,
            restarts=updated.restarts if restarted else None,
        )
    )
    return updated


def make_private(files: InstanceFiles) -> None:
    """The instance's folder 0700 and what shells and tmux append to made 0600 first."""
    private_files(files.folder, files.events, files.raw_log, files.stream, files.stderr)


def older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime >= seconds
    except FileNotFoundError:
        return True
