"""A throwaway PostgreSQL cluster for tests: initdb in a temp dir, one server, databases on demand.

Uses the server binaries of the machine (Debian: /usr/lib/postgresql/<version>/bin); nothing is
downloaded. When they are missing, `unavailable_reason()` says why and `throwaway_postgres()`
yields None so tests can skip with that reason.

As root, initdb and postgres refuse to run, so they run as the `postgres` user (runuser); as any
other user they run as that user. The server listens on 127.0.0.1 on a free port and on a unix
socket in a private directory (never the system one), trusts local connections, and runs with
fsync off: the cluster is deleted afterwards, so durability is pointless.

    with throwaway_postgres() as url:      # postgresql://postgres@127.0.0.1:PORT/cco_test
        ...

    cluster = PgCluster.start()            # or by hand, for a session-scoped fixture
    url = cluster.create_database()        # a fresh, empty database per call
    cluster.stop()                         # stops the server and deletes every file
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import LiteralString

SEARCH = "/usr/lib/postgresql/*/bin"
SUPERUSER = "postgres"
_DB_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name
    return tuple(int(p) for p in re.findall(r"\d+", version)) or (0,)


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin that has initdb, postgres and pg_ctl."""
    candidates = [
        d
        for d in glob.glob(SEARCH)
        if all(os.access(Path(d) / exe, os.X_OK) for exe in ("initdb", "postgres", "pg_ctl"))
    ]
    if not candidates:
        return None
    return Path(max(candidates, key=_version_key))


def _run_as() -> str | None:
    """The account the server runs as: `postgres` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    return SUPERUSER


def unavailable_reason() -> str | None:
    """Why a throwaway cluster cannot start here, or None when it can."""
    if find_bindir() is None:
        return (
            f"PostgreSQL server binaries not found in {SEARCH} "
            "(Debian/Ubuntu: apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            return f"running as root but there is no {SUPERUSER!r} user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root but `runuser` is missing (util-linux)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]>=3.1,<4')"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """One running throwaway server. Build it with `PgCluster.start()`."""

    def __init__(self, bindir: Path, root: Path, port: int) -> None:
        self.bindir = bindir
        self.root = root
        self.port = port
        self.datadir = root / "data"
        self.sockdir = root / "sock"
        self.logfile = root / "server.log"
        self.running = False

    # lifecycle --------------------------------------------------------------------------
    @classmethod
    def start(
        cls, *, bindir: Path | None = None, timezone: str = "UTC", attempts: int = 3
    ) -> PgCluster:
        """initdb + start; the port is picked free and retried if somebody else grabs it."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise RuntimeError(unavailable_reason() or "no PostgreSQL binaries")
        root = Path(tempfile.mkdtemp(prefix="cco-pg-"))
        cluster = cls(bindir, root, free_port())
        atexit.register(cluster.stop)
        try:
            cluster._initdb(timezone)
            for attempt in range(attempts):
                try:
                    cluster._start_server()
                    break
                except RuntimeError:
                    if attempt == attempts - 1:
                        raise
                    cluster.port = free_port()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and delete every file."""
        if self.running:
            self._pg(
                "pg_ctl", "stop", "-D", str(self.datadir), "-m", "immediate", "-w", check=False
            )
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)
        atexit.unregister(self.stop)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # databases --------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: LiteralString, name: str) -> None:
        import psycopg
        from psycopg import sql

        if not _DB_NAME_RE.match(name):
            raise ValueError(f"unsafe database name {name!r}")
        query = sql.SQL(statement).format(sql.Identifier(name))
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(query)

    def create_database(self, name: str | None = None) -> str:
        """CREATE DATABASE (a random name unless given); returns its postgresql:// URL."""
        name = name or f"cco_{uuid.uuid4().hex[:12]}"
        self._admin("CREATE DATABASE {}", name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    # internals --------------------------------------------------------------------------
    def _pg(self, exe: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / exe), *args]
        user = _run_as()
        if user is not None:
            cmd = ["runuser", "-u", user, "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        result = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=self.root, timeout=120
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{exe} failed ({result.returncode}): {result.stdout}{result.stderr}"
                + self._log_tail()
            )
        return result

    def _log_tail(self) -> str:
        try:
            return "\n--- server log ---\n" + self.logfile.read_text()[-4000:]
        except OSError:
            return ""

    def _initdb(self, timezone: str) -> None:
        self.sockdir.mkdir()
        user = _run_as()
        if user is not None:
            owner = pwd.getpwnam(user)
            for path in (self.root, self.sockdir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.root.chmod(0o700)
        self.sockdir.chmod(0o700)
        self._pg(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# throwaway test cluster\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                f"timezone = '{timezone}'\n"
                "max_connections = 100\n"
                "shared_buffers = 32MB\n"
            )

    def _start_server(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.sockdir}"
        self._pg(
            "pg_ctl",
            "start",
            "-D",
            str(self.datadir),
            "-l",
            str(self.logfile),
            "-o",
            options,
            "-w",
            "-t",
            "60",
        )
        self.running = True
        # pg_ctl -w waits for the socket; make sure TCP answers too before handing out URLs.
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not listen on TCP: {exc}") from exc
                time.sleep(0.05)


@contextmanager
def throwaway_postgres(*, timezone: str = "UTC") -> Iterator[str | None]:
    """A fresh cluster with one database `cco_test`: yields its URL, or None when unavailable."""
    if unavailable_reason() is not None:
        yield None
        return
    with PgCluster.start(timezone=timezone) as cluster:
        yield cluster.create_database("cco_test")
