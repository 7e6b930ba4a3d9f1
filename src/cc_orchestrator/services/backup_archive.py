"""The backup file itself: a gzip'd tar with `manifest.json` first, read without trusting it.

Members are read one by one into our own paths (never extracted by name), must be listed in the
manifest, regular files with safe names, and of its size and SHA-256; a truncated, altered or
foreign file is DamagedBackup with what is wrong (see services/backups.py for what is in one).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cc_orchestrator.domain.errors import DamagedBackup, InvalidInput

FORMAT = "cco-backup"
FORMAT_VERSION = 1
PREFIX = "cco-backup-"
SUFFIX = ".tar.gz"
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_MEMBER_RE = re.compile(r"^(?:[A-Za-z0-9._-]+/)*[A-Za-z0-9._-]+$")
TOKEN_FILE = "web-token"


@dataclass(frozen=True)
class BackupInfo:
    """One backup, as its manifest describes it."""

    path: Path
    created_at: str
    cco_version: str
    backend: str
    schema_revision: str | None
    counts: dict[str, int]
    size: int
    members: int
    host: str = ""

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c.get('tasks', 0)} tasks, {c.get('instances', 0)} instances, "
            f"{c.get('events', 0)} events"
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_tree(src: Path, dest: Path) -> int:
    """Regular files under src into dest (symlinks and vanishing files skipped)."""
    copied = 0
    for root, dirs, files in os.walk(src, followlinks=False):
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        for name in files:
            path = Path(root) / name
            if path.is_symlink() or not _MEMBER_RE.match(name):
                continue
            target = dest / path.relative_to(src)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                shutil.copy2(path, target, follow_symlinks=False)
                copied += 1
    return copied


def info_of(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    return BackupInfo(
        path=path,
        created_at=str(manifest.get("created_at", "")),
        cco_version=str(manifest.get("cco_version", "")),
        backend=str(manifest.get("backend", "")),
        schema_revision=manifest.get("schema_revision"),
        counts={str(k): int(v) for k, v in dict(manifest.get("counts") or {}).items()},
        size=path.stat().st_size,
        members=len(manifest.get("members") or {}),
        host=str(manifest.get("host", "")),
    )


@contextlib.contextmanager
def open_archive(path: Path) -> Iterator[tarfile.TarFile]:
    if not path.is_file():
        raise InvalidInput(f"no backup at {path}", hint="`cco backups` lists the backups")
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            yield tar
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise DamagedBackup(
            f"{path} is not a whole cco backup ({type(exc).__name__}: {exc})",
            hint="it is truncated or damaged: use another backup",
        ) from None


def read_manifest(path: Path, tar: tarfile.TarFile) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise DamagedBackup(f"{path} is not a cco backup (no {MANIFEST} first)")
    if first.size > MAX_MANIFEST_BYTES:
        raise DamagedBackup(f"{path}: its manifest is too large to be ours")
    fh = tar.extractfile(first)
    try:
        manifest = json.loads(fh.read() if fh else b"")
    except ValueError:
        raise DamagedBackup(f"{path}: its manifest is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedBackup(f"{path} is not a cco backup")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise DamagedBackup(
            f"{path} is a backup of format {version!r}; this cco reads format {FORMAT_VERSION}",
            hint="restore it with the cco version that made it "
            f"({manifest.get('cco_version', '?')}) or newer",
        )
    return manifest


def unpack(path: Path, into: Path) -> tuple[dict[str, Any], BackupInfo]:
    """Every member into `into`, each checked against the manifest."""
    with open_archive(path) as tar:
        manifest = read_manifest(path, tar)
        expected = manifest.get("members")
        if not isinstance(expected, dict):
            raise DamagedBackup(f"{path}: its manifest lists no members")
        seen: set[str] = set()
        for member in tar:
            if member.name == MANIFEST and not seen and member.offset == 0:
                continue  # read above
            name = member.name
            want = expected.get(name)
            if (
                want is None
                or name in seen
                or not member.isfile()
                or not _MEMBER_RE.match(name)
                or ".." in name.split("/")
            ):
                raise DamagedBackup(f"{path} holds {name!r}, which its manifest does not list")
            seen.add(name)
            target = into / name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            src = tar.extractfile(member)
            digest = hashlib.sha256()
            size = 0
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                while src is not None and (chunk := src.read(1 << 20)):
                    size += len(chunk)
                    if size > int(want.get("size") or 0):
                        break  # longer than its manifest says: never fill the disk with it
                    digest.update(chunk)
                    out.write(chunk)
            if size != want.get("size") or digest.hexdigest() != want.get("sha256"):
                raise DamagedBackup(
                    f"{path}: {name} does not match its manifest (altered or damaged)",
                    hint="use another backup",
                )
        missing = sorted(set(expected) - seen)
        if missing:
            raise DamagedBackup(
                f"{path} lacks {', '.join(missing[:3])} that its manifest lists",
                hint="it is truncated: use another backup",
            )
    return manifest, info_of(path, manifest)
