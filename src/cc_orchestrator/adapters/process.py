"""The one choke point for running external programs: every call is logged (redacted)."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return redact_text(line.strip())
    return ""


class ShellRunner:
    """Implements ports.CommandRunner: a user's own setup command, via the shell on purpose."""

    def run_shell(
        self, command: str, *, cwd: Path, log_file: Path, timeout_s: float
    ) -> CommandResult:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log.info("setup.start", command=command, cwd=str(cwd), log_file=str(log_file))
        with open(log_file, "ab") as out:
            out.write(f"$ {command}\n".encode())
            out.flush()
            try:
                proc = subprocess.run(  # noqa: S603 - the user's own configured command
                    ["/bin/sh", "-c", command],
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=timeout_s,
                    check=False,
                    env={**os.environ, "CCO_WORKTREE": str(cwd)},
                )
                code, timed_out = proc.returncode, False
            except subprocess.TimeoutExpired:
                code, timed_out = -1, True
        tail = _tail(log_file, 20)
        log.info("setup.end", rc=code, timed_out=timed_out, log_file=str(log_file))
        return CommandResult(exit_code=code, output_tail=tail, timed_out=timed_out)


def _tail(path: Path, lines: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 8192))
        data = fh.read().decode("utf-8", "replace")
    return redact_text("\n".join(data.splitlines()[-lines:]))
