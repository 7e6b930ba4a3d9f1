"""`nohup cco up --no-web &` and `cco instances monitor &`: a shell's background job starts
with SIGINT ignored, yet `kill -INT` must stop them as Ctrl-C does (and SIGTERM too)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import wait_for

CCO = [sys.executable, "-m", "cc_orchestrator"]


def _ignoring_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what `cmd &` in a script does


def _start(args: list[str], banner: str) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [*CCO, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ,
        preexec_fn=_ignoring_sigint,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:
        seen.append(line)
        if banner in line:
            return proc, seen
    raise AssertionError(f"it never said {banner!r}: {''.join(seen)}")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    "args,banner,bye",
    [
        (["up", "--no-web"], "cc-orchestrator is up", "cc-orchestrator stopped"),
        (["instances", "monitor"], "monitoring instances", "monitor stopped"),
    ],
    ids=["up", "monitor"],
)
def test_a_background_daemon_stops_on_a_signal(
    how: signal.Signals, args: list[str], banner: str, bye: str
) -> None:
    proc, _ = _start(args, banner)
    try:
        if args[0] == "up":  # its handlers are set before the loop writes its pid file
            pid_file = Path(os.environ["CC_ORCH_DATA_DIR"]) / "daemon.pid"
            wait_for(lambda: pid_file.exists(), what="the daemon's pid file")
        proc.send_signal(how)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert bye in out
