"""The payloads of backups (entity_id: the backup file's name, its first 64 characters; see
services/backups.py)."""

from typing import TypedDict


class BackupMade(TypedDict):
    """A backup of the fleet's state was written (`cco backup`, the API, or the schedule)."""

    path: str  # where the file is
    size: int  # bytes
    tasks: int
    events: int
    scheduled: bool


class BackupFailed(TypedDict):
    """A backup could not be made; nothing was left under its name."""

    path: str  # where the file is
    error: str
    scheduled: bool


class BackupRestored(TypedDict):
    """The fleet's state was restored from this backup (`cco restore`)."""

    path: str  # where the file is
    made_at: str
    schema_revision: str
    set_aside: str | None  # a backup of the state it replaced (--force)
