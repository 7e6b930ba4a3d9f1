"""The README's set-up, run as written on a clean clone by a user whose PATH is Debian's:
install, `cco` found from a new terminal, `cco up`, a task added, reviewed and approved.

The clone is of this checkout's HEAD (commit first when trying uncommitted changes), the
`claude` on the user's PATH is the fake one, and the dashboard gets a free port."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import make_repo, wait_for

ROOT = Path(__file__).resolve().parents[2]


def set_up_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def commands(block: str) -> list[str]:
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


@pytest.mark.timeout(900)
def test_readme_set_up_works_as_written(tmp_path: Path, fake_claude: Path) -> None:
    claude_once, install, up, use = set_up_blocks()[:4]
    assert commands(claude_once) == ["claude"]  # said before anything that needs it
    home = Path(os.environ["HOME"])
    env = {
        key: value
        for key, value in os.environ.items()
        if key.startswith(("CC_ORCH_", "GIT_", "FAKE_CLAUDE_")) or key == "CLAUDE_CONFIG_DIR"
    }
    env.pop("CC_ORCH_INSTANCES__CLAUDE_PATH")  # cco finds `claude` on PATH, as for a user
    env.update(
        HOME=str(home),
        LANG="C.UTF-8",
        PATH=f"{fake_claude.parent}:/usr/local/bin:/usr/bin:/bin",
        CC_ORCH_WEB__PORT=str(free_port()),
    )

    # 1. clone and install, in this terminal
    script = install.replace("<url-of-this-repository>", str(ROOT))
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'export PATH="' in done.stdout  # ~/.local/bin was not on this PATH: it says so

    def terminal(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """A new terminal (an interactive bash, which reads ~/.bashrc) running one line."""
        return subprocess.run(
            ["bash", "-i", "-c", line],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    project = make_repo(tmp_path / "my-project")
    found = terminal("command -v cco", project)
    assert found.stdout.strip() == str(home / ".local" / "bin" / "cco"), found.stderr

    # 2. the daemon, in its own terminal
    [up_line] = commands(up)
    log = (tmp_path / "up.log").open("w")
    daemon = subprocess.Popen(
        ["bash", "-i", "-c", up_line],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(
            lambda: "dashboard: http://" in (tmp_path / "up.log").read_text(),
            timeout=60,
            what="cco up",
        )
        # 3. from another terminal, in the project: the commands as written
        add, status, listing, approve = commands(use)
        added = terminal(add, project)
        assert added.returncode == 0 and "added task" in added.stdout, added.stderr
        assert terminal(status, project).returncode == 0
        assert terminal(listing, project).returncode == 0

        def in_review() -> str | None:
            tasks = json.loads(terminal("cco tasks list --json", project).stdout)
            return str(tasks[0]["id"]) if tasks[0]["status"] == "review" else None

        task_id = wait_for(in_review, timeout=120, interval=0.5, what="the task in review")
        approved = terminal(approve.replace("ID", task_id), project)
        assert approved.returncode == 0 and "is done" in approved.stdout, approved.stderr
    finally:
        os.killpg(daemon.pid, signal.SIGINT)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()
    assert "cc-orchestrator stopped" in (tmp_path / "up.log").read_text()
