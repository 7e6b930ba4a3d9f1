"""The one choke point for running external programs: every call is logged (redacted)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from cc_orchestrator.domain.errors import ExternalError
from cc_orchestrator.logs import get_logger, redact_text
from cc_orchestrator.ports import CommandResult

log = get_logger("cco.process")


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
    timeout: float = 120.0,
    check: bool = True,
) -> Completed:
    """Run a program (never through a shell), log it, and return its output."""
    start = time.monotonic()
    shown = redact_text(shlex.join(args))
    try:
        proc = subprocess.run(  # noqa: S603 - argv list, no shell
            list(args),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=input_text,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ExternalError(f"{args[0]} is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise ExternalError(f"`{shown}` did not finish within {timeout:.0f}s") from None
    elapsed_ms = round((time.monotonic() - start) * 1000, 1)
    log.debug("exec", cmd=shown, cwd=str(cwd) if cwd else None, rc=proc.returncode, ms=elapsed_ms)
    result = Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        why = first_line(proc.stderr or proc.stdout) or f"exit {proc.returncode}"
        raise ExternalError(f"`{shown}` failed: {why}")
    return result


def replace_process(argv: Sequence[str]) -> NoReturn:
    """Become `argv` (os.execvp): this process ends and the program takes its terminal
    (`cco instances attach` becomes `tmux attach`)."""
    log.debug("exec.replace", cmd=redact_text(shlex.join(argv)))
    os.execvp(argv[0], list(argv))


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return redact_text(line.strip())
    return ""


class ShellRunner:
    """Implements ports.CommandRunner: a user's own setup command, via the shell on purpose.

    The command runs in its own process group, written to pid_file while it runs, so that the
    whole group can be found and killed when cco itself was killed mid-way (`stop_orphan`), and
    a timeout kills the group, not just the shell.
    """

    def run_shell(
        self,
        command: str,
        *,
        cwd: Path,
        log_file: Path,
        timeout_s: float,
        pid_file: Path | None = None,
    ) -> CommandResult:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log.info("setup.start", command=command, cwd=str(cwd), log_file=str(log_file))
        with open(log_file, "ab") as out:
            out.write(f"$ {command}\n".encode())
            out.flush()
            proc = subprocess.Popen(  # noqa: S603 - the user's own configured command
                ["/bin/sh", "-c", command],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "CCO_WORKTREE": str(cwd)},
                start_new_session=True,
            )
            if pid_file is not None:
                pid_file.parent.mkdir(parents=True, exist_ok=True)
                pid_file.write_text(f"{proc.pid}\n")
            try:
                code, timed_out = proc.wait(timeout=timeout_s), False
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.wait()
                code, timed_out = -1, True
            finally:
                if proc.poll() is None:  # interrupted (Ctrl-C): the setup goes with cco
                    _kill_group(proc.pid)
                    proc.wait()
                if pid_file is not None:
                    pid_file.unlink(missing_ok=True)
        tail = _tail(log_file, 20)
        log.info("setup.end", rc=code, timed_out=timed_out, log_file=str(log_file))
        return CommandResult(exit_code=code, output_tail=tail, timed_out=timed_out)

    def stop_orphan(self, pid_file: Path, cwd: Path) -> int | None:
        """Kill the process group of a setup whose cco died (pid_file left behind); its pid,
        or None when none runs. Only a group whose leader still works in cwd is killed: a pid
        reused by another program since is left alone."""
        try:
            pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            alive = pid > 1 and os.getpgid(pid) == pid
            where = Path(os.readlink(f"/proc/{pid}/cwd")) if alive else None
        except OSError:  # gone
            alive, where = False, None
        killed = None
        if alive and where is not None and where.resolve() == cwd.resolve():
            _kill_group(pid)
            killed = pid
            log.info("setup.orphan_killed", pid=pid, cwd=str(cwd))
        pid_file.unlink(missing_ok=True)
        return killed


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _tail(path: Path, lines: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 8192))
        data = fh.read().decode("utf-8", "replace")
    return redact_text("\n".join(data.splitlines()[-lines:]))
