"""Backups of the fleet's state: `cco backup`, `cco restore`, and the daemon's scheduled ones.

A backup is one gzip'd tar: `manifest.json` first (format, cco version, schema revision, rows
per table, and the size and SHA-256 of every other member), then the database's dump
(ports_backup.StateDumps), the data directory's web token (agents' MCP credentials derive from
it), its `instances/` folder (hook files, an agent's settings: what adopting a live agent needs)
and the user's config file. Worktrees and logs are not in it: the branches live in the
repositories, and a restored daemon matches worktrees again as it reconciles.

Writing goes to a hidden `.partial` file renamed into place at the end, so a kill -9 leaves no
half backup under a real name (prune removes the leftovers). Reading trusts nothing: members
are read one by one into our own paths (never extracted by name), must be the manifest's,
regular files and of its size and checksum; the dump is then opened and checked on its own.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cc_orchestrator import faults
from cc_orchestrator.domain import events
from cc_orchestrator.domain.errors import CcoError, Conflict, DamagedBackup, InvalidInput
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.ports_backup import DumpFacts, StateDumps
from cc_orchestrator.services.backup_archive import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PREFIX,
    SUFFIX,
    TOKEN_FILE,
    BackupInfo,
    copy_tree,
    info_of,
    open_archive,
    read_manifest,
    sha256_of,
    unpack,
)

log = get_logger("cco.backup")


@dataclass(frozen=True)
class RestoreReport:
    backup: BackupInfo
    database: str
    counts: dict[str, int]
    set_aside: Path | None  # a backup of what the restore replaced (--force)
    files: int
    config_kept: Path | None = None  # the backup's config file, when the user's was kept
    notes: list[str] = field(default_factory=list)


RESTORING = "restoring.json"  # the intent of a restore in progress
FLEET_TABLES = ("tasks", "instances", "worktrees", "repositories", "events")


def _empty(facts: DumpFacts) -> bool:
    """A database cco created that holds nothing of a fleet yet."""
    return facts.schema_revision is not None and not any(
        facts.counts.get(t, 0) for t in FLEET_TABLES
    )


class BackupService:
    def __init__(
        self,
        *,
        dumps: StateDumps,
        data_dir: Path,
        backup_dir: Path,
        user_config: Path | None,
        store: Callable[[], Store],
        daemon_running: Callable[[], bool],
        keep: int,
        version: str,
    ) -> None:
        self.dumps = dumps
        self.data_dir = data_dir
        self.backup_dir = backup_dir
        self.user_config = user_config
        self.store = store
        self.daemon_running = daemon_running
        self.keep = keep
        self.version = version

    # ------------------------------------------------------------------ making
    def _target(self, dest: Path | None) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        if dest is None:
            self.backup_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            return self.backup_dir / f"{PREFIX}{stamp}{SUFFIX}"
        if dest.is_dir():
            return dest / f"{PREFIX}{stamp}{SUFFIX}"
        if dest.exists() or dest.is_symlink():
            raise Conflict(f"{dest} already exists", hint="name a new file, or a folder")
        if not dest.parent.is_dir():
            raise InvalidInput(f"the folder {dest.parent} does not exist", hint="create it first")
        return dest

    def make(self, dest: Path | None = None, *, scheduled: bool = False) -> BackupInfo:
        """A backup of the fleet as it is now (the daemon may be running)."""
        target = self._target(dest)
        try:
            info = self._write(target)
        except CcoError as exc:
            self._event(events.backup_failed(str(target), error=str(exc), scheduled=scheduled))
            raise
        self._event(
            events.backup_made(
                str(info.path),
                size=info.size,
                tasks=info.counts.get("tasks", 0),
                events=info.counts.get("events", 0),
                scheduled=scheduled,
            )
        )
        if target.parent == self.backup_dir:
            self.prune()
        log.info("backup.made", path=str(info.path), size=info.size, scheduled=scheduled)
        return info

    def _write(self, target: Path) -> BackupInfo:
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        stage = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".stage", dir=target.parent)
        )
        try:
            facts = self.dumps.dump(stage / self.dumps.file_name)
            files = stage / "files"
            files.mkdir(mode=0o700)
            token = self.data_dir / TOKEN_FILE
            if token.is_file():
                shutil.copy2(token, files / TOKEN_FILE)
            if (self.data_dir / "instances").is_dir():
                copy_tree(self.data_dir / "instances", files / "instances")
            if self.user_config is not None and self.user_config.is_file():
                (stage / "config").mkdir(mode=0o700)
                shutil.copy2(self.user_config, stage / "config" / self.user_config.name)
            members = sorted(str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file())
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "cco_version": self.version,
                "created_at": datetime.now(UTC).isoformat(),
                "host": socket.gethostname(),
                "backend": facts.backend,
                "schema_revision": facts.schema_revision,
                "dump": self.dumps.file_name,
                "counts": dict(facts.counts),
                "config_file": self.user_config.name
                if self.user_config is not None and (stage / "config").is_dir()
                else None,
                "members": {
                    m: {"size": (stage / m).stat().st_size, "sha256": sha256_of(stage / m)}
                    for m in members
                },
            }
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                entry = tarfile.TarInfo(MANIFEST)
                entry.size, entry.mtime, entry.mode = len(body), int(time.time()), 0o600
                tar.addfile(entry, io.BytesIO(body))
                for m in members:
                    tar.add(stage / m, arcname=m, recursive=False)
                tar.close()
                raw.flush()
                os.fsync(raw.fileno())
            faults.point("backup.before_rename")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
            shutil.rmtree(stage, ignore_errors=True)
        return info_of(target, manifest)

    def all(self) -> list[BackupInfo]:
        """The backups in backup.dir, newest first (unreadable ones are left out)."""
        found = []
        for path in self._files():
            try:
                with open_archive(path) as tar:
                    found.append(info_of(path, read_manifest(path, tar)))
            except CcoError:
                continue
        return found

    def _files(self) -> list[Path]:
        if not self.backup_dir.is_dir():
            return []
        return sorted(
            (p for p in self.backup_dir.glob(f"{PREFIX}*{SUFFIX}") if p.is_file()),
            key=lambda p: p.name,
            reverse=True,
        )

    def newest_age_s(self) -> float | None:
        files = self._files()
        return time.time() - files[0].stat().st_mtime if files else None

    def prune(self) -> list[Path]:
        """Keep the newest `keep` backups in backup.dir; remove leftovers of killed runs."""
        removed = self._files()[self.keep :]
        for path in removed:
            path.unlink(missing_ok=True)
        if self.backup_dir.is_dir():
            for stale in self.backup_dir.glob(".*.partial"):
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink(missing_ok=True)
            for stale in self.backup_dir.glob(".*.stage"):
                if time.time() - stale.stat().st_mtime > 3600:
                    shutil.rmtree(stale, ignore_errors=True)
        return removed

    # ------------------------------------------------------------------ reading
    def _check_schema(self, manifest: dict[str, Any], facts: DumpFacts | None) -> None:
        known = self.dumps.revisions()
        revision = manifest.get("schema_revision")
        if facts is not None and facts.schema_revision != revision:
            raise DamagedBackup(
                f"the database in the backup is at schema {facts.schema_revision!r}, its "
                f"manifest says {revision!r}"
            )
        if revision not in known:
            raise DamagedBackup(
                f"the backup was made by a newer cco (schema {revision!r}, cco "
                f"{manifest.get('cco_version', '?')}); this cco {self.version} knows schemas up "
                f"to {known[-1]!r}",
                hint="upgrade cc-orchestrator, then restore it",
            )
        if facts is not None and dict(facts.counts) != manifest.get("counts"):
            raise DamagedBackup("the database in the backup does not hold what its manifest counts")

    def check(self, path: Path) -> BackupInfo:
        """Read a backup whole and check it (checksums, dump, schema); changes nothing."""
        with tempfile.TemporaryDirectory(prefix=".cco-check-", dir=self._scratch()) as tmp:
            manifest, info = unpack(path, Path(tmp))
            self._backend_matches(manifest)
            facts = self.dumps.check(Path(tmp) / str(manifest.get("dump")))
            self._check_schema(manifest, facts)
        return info

    def _scratch(self) -> Path:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.data_dir

    def _backend_matches(self, manifest: dict[str, Any]) -> None:
        if manifest.get("backend") != self.dumps.backend or manifest.get("dump") != (
            self.dumps.file_name
        ):
            raise InvalidInput(
                f"the backup is of a {manifest.get('backend')} database; database.url here is "
                f"{self.dumps.backend}",
                hint="restore it where database.url names the same kind of database",
            )

    # ------------------------------------------------------------------ restoring
    def restore(self, path: Path, *, force: bool = False) -> RestoreReport:
        """Put a backup in place of this data directory's state (the daemon stopped)."""
        if self.daemon_running():
            raise Conflict(
                "the daemon is running for this data directory",
                hint="stop it first (Ctrl-C or kill its `cco up`), then restore",
            )
        path = path.resolve()
        again = self.interrupted()
        if again is not None and again != str(path):
            raise Conflict(
                f"a restore from {again} was interrupted in this data directory",
                hint=f"finish it first: cco restore {again}",
            )
        with tempfile.TemporaryDirectory(prefix=".cco-restore-", dir=self._scratch()) as tmp:
            stage = Path(tmp)
            manifest, info = unpack(path, stage)
            self._backend_matches(manifest)
            dump = stage / str(manifest.get("dump"))
            self._check_schema(manifest, self.dumps.check(dump))
            current = self.dumps.current()
            if current is not None and (_empty(current) or again is not None):
                current = None  # nothing of a fleet yet, or this very restore's half
            set_aside = None
            if current is not None:
                tasks = current.counts.get("tasks", 0)
                held = f"a fleet ({tasks} tasks)" if current.schema_revision else "a database"
                if not force:
                    raise Conflict(
                        f"{self.dumps.where()} already holds {held}",
                        hint="restore into an empty data directory (--data-dir), or add --force "
                        "to replace it (a backup of it is taken first)",
                    )
                set_aside = self._set_aside(current)
            self._intent(path)  # every refusal is above: they leave nothing behind
            faults.point("restore.after_intent")
            counts = dict(self.dumps.load(dump).counts)
            faults.point("restore.after_load")
            notes: list[str] = []
            restored = self._restore_files(stage / "files", force=force or current is None)
            kept = self._restore_config(stage, manifest, notes)
        self._event(
            events.backup_restored(
                str(path),
                made_at=info.created_at,
                schema_revision=str(info.schema_revision),
                set_aside=str(set_aside) if set_aside else None,
            )
        )
        (self.data_dir / RESTORING).unlink(missing_ok=True)
        log.info("backup.restored", path=str(path), set_aside=str(set_aside or ""))
        return RestoreReport(info, self.dumps.where(), counts, set_aside, restored, kept, notes)

    def _intent(self, path: Path) -> None:
        """Recorded before anything is replaced: a kill -9 from here on leaves a data
        directory that `cco up` refuses and `cco restore` of the same file finishes."""
        marker = self.data_dir / RESTORING
        body = json.dumps({"backup": str(path), "started_at": datetime.now(UTC).isoformat()})
        tmp = marker.with_name(f".{RESTORING}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, marker)

    def interrupted(self) -> str | None:
        """The backup an interrupted restore was restoring, if one was."""
        try:
            found = json.loads((self.data_dir / RESTORING).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return "?"
        return str(found.get("backup", "?")) if isinstance(found, dict) else "?"

    def refuse_if_interrupted(self) -> None:
        """What `cco up` checks first: a half-restored data directory is not a fleet."""
        again = self.interrupted()
        if again is not None:
            raise Conflict(
                f"a restore from {again} was interrupted: this data directory is half restored",
                hint=f"finish it first: cco restore {again}",
            )

    def _set_aside(self, current: DumpFacts) -> Path:
        """What --force replaces, kept: a backup of it, or the files moved aside when it is
        too damaged to be read."""
        try:
            return self._write(self._target(None)).path
        except CcoError as exc:
            if current.schema_revision is not None:
                raise
            tag = "before-restore-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            log.warning("backup.set_aside_moved", error=str(exc))
            return Path(self.dumps.move_aside(tag))

    def _restore_files(self, files: Path, *, force: bool) -> int:
        if not files.is_dir():
            return 0
        restored = 0
        token = files / TOKEN_FILE
        if token.is_file() and (force or not (self.data_dir / TOKEN_FILE).exists()):
            os.replace(token, self.data_dir / TOKEN_FILE)
            restored += 1
        if (files / "instances").is_dir():
            restored += copy_tree(files / "instances", self.data_dir / "instances")
        return restored

    def _restore_config(
        self, stage: Path, manifest: dict[str, Any], notes: list[str]
    ) -> Path | None:
        name = manifest.get("config_file")
        members = manifest.get("members") or {}
        if not isinstance(name, str) or self.user_config is None or "/" in name:
            return None
        if f"config/{name}" not in members:  # only a checked member, never a path of its own
            return None
        backed = stage / "config" / name
        if not backed.is_file():
            return None
        if not self.user_config.exists():
            self.user_config.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.copy2(backed, self.user_config)
            notes.append(f"config file restored to {self.user_config}")
            return None
        if backed.read_bytes() == self.user_config.read_bytes():
            return None
        kept = self.user_config.with_name(self.user_config.name + ".restored")
        shutil.copy2(backed, kept)
        notes.append(f"your config file was kept; the backup's is in {kept}")
        return kept

    def _event(self, event: Any) -> None:
        try:
            with self.store().write() as tx:
                tx.append_event(event)
        except CcoError as exc:
            log.warning("backup.event_unrecorded", error=str(exc))
