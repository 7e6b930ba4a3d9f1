"""The `backup` settings section: where `cco backup` writes, and the daemon's scheduled backups.
User-only (config_trust): a repository's own files never choose where the fleet's state goes."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveInt


class BackupConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    dir: Path | None = Field(
        default=None,
        description="Where backups are written and kept (default: <data_dir>/backups).",
    )
    every_h: NonNegativeFloat = Field(
        default=24.0,
        description="Hours between the daemon's scheduled backups; 0 turns them off. The "
        "first is taken first_after_min after the daemon starts when none exists yet.",
    )
    first_after_min: NonNegativeFloat = Field(
        default=15.0,
        description="Minutes after the daemon starts before it takes the first backup of a "
        "data directory that has none.",
    )
    keep: PositiveInt = Field(
        default=7, description="Scheduled and manual backups kept in backup.dir (oldest go)."
    )
