"""The payloads of backups (entity_id: the backup's path; see services/backups.py)."""

from typing import TypedDict


class BackupMade(TypedDict):
    """A backup of the fleet's state was written (`cco backup`, the API, or the schedule)."""

    size: int  # bytes
    tasks: int
    events: int
    scheduled: bool


class BackupFailed(TypedDict):
    """A backup could not be made; nothing was left under its name."""

    error: str
    scheduled: bool


class BackupRestored(TypedDict):
    """The fleet's state was restored from this backup (`cco restore`)."""

    made_at: str
    schema_revision: str
    set_aside: str | None  # a backup of the state it replaced (--force)
