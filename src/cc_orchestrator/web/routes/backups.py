"""Backups: the ones kept in backup.dir, and one made now. Restoring needs the daemon stopped,
so it is `cco restore` only; the API never names a path to write to (always backup.dir)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from cc_orchestrator.services.backup_archive import BackupInfo
from cc_orchestrator.web.deps import Services

router = APIRouter(prefix="/api/backups")


class BackupOut(BaseModel):
    name: str  # the file's name in backup.dir
    path: str
    created_at: str
    cco_version: str
    backend: str
    schema_revision: str | None
    size: int
    counts: dict[str, int]
    members: int

    @classmethod
    def from_domain(cls, info: BackupInfo) -> BackupOut:
        return cls(
            name=info.path.name,
            path=str(info.path),
            created_at=info.created_at,
            cco_version=info.cco_version,
            backend=info.backend,
            schema_revision=info.schema_revision,
            size=info.size,
            counts=info.counts,
            members=info.members,
        )


@router.get("", response_model=list[BackupOut])
def list_backups(services: Services) -> list[BackupOut]:
    """The backups in backup.dir, newest first, as `cco backups` lists them."""
    return [BackupOut.from_domain(b) for b in services.backups.all()]


@router.post("", response_model=BackupOut, status_code=201)
def make_backup(services: Services) -> BackupOut:
    """A backup now, into backup.dir (the oldest beyond backup.keep are removed)."""
    return BackupOut.from_domain(services.backups.make())
