"""The instances commands as a user runs them, with real tmux and the fake claude CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Cco, wait_for


def show(cco: Cco, inst_id: str) -> dict[str, object]:
    data = json.loads(cco("instances", "show", inst_id, "--json").output)
    assert isinstance(data, dict)
    return data


@pytest.fixture(autouse=True)
def _agent(fake_claude: Path) -> None:
    return None


def test_spawn_list_show_send_logs_stop(cco: Cco, repo: Path, tmp_path: Path) -> None:
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("write from-file.txt content\nsecond line is part of the prompt")
    out = cco(
        "instances",
        "spawn",
        "--repo",
        str(repo),
        "--prompt-file",
        str(prompt_file),
        "--name",
        "first",
        "--json",
    ).output
    inst = json.loads(out)
    assert inst["status"] == "starting" and inst["name"] == "first"
    wait_for(lambda: show(cco, "first")["status"] == "idle", what="idle")
    listed = cco("instances", "list").output
    assert "first" in listed and "idle" in listed
    assert [i["id"] for i in json.loads(cco("instances", "list", "--json").output)] == [inst["id"]]

    assert "sent" in cco("instances", "send", "first", "write again.txt more").output
    wait_for(lambda: show(cco, "first")["turns"] == 2, what="second turn")
    logs = cco("instances", "logs", "first").output
    assert "[UserPromptSubmit]" in logs or "[user]" in logs
    raw = cco("instances", "logs", "first", "--raw").output
    assert "❯" in raw

    assert "stopped instance" in cco("instances", "stop", "first").output
    assert show(cco, "first")["status"] == "stopped"
    assert "stopped" in cco("instances", "list").output
    assert cco("instances", "list", "--live", "--json").output.strip() == "[]"


def test_send_reads_stdin_and_answers_questions(cco: Cco, repo: Path) -> None:
    inst = json.loads(
        cco(
            "instances", "spawn", "--repo", str(repo), "--prompt", "ask touch ok.txt", "--json"
        ).output
    )
    wait_for(lambda: show(cco, inst["id"])["status"] == "waiting_input", what="question")
    refused = cco("instances", "send", inst["id"], "-", input="1", ok=False)
    assert refused.exit_code != 0 and "cco instances answer" in refused.output
    cco("instances", "send", inst["id"], "--force", "-", input="1")
    done = wait_for(
        lambda: d if (d := show(cco, inst["id"]))["status"] == "idle" else None, what="answered"
    )
    assert done["turns"] == 1


def test_errors_are_one_line(cco: Cco, repo: Path, tmp_path: Path) -> None:
    cases = [
        (["instances", "show", "nope"], "no instance 'nope'"),
        (["instances", "send", "nope", "hi"], "no instance 'nope'"),
        (["instances", "stop", "nope"], "no instance 'nope'"),
        (
            ["instances", "spawn", "--repo", str(repo), "--prompt-file", str(tmp_path / "missing")],
            "cannot read prompt file",
        ),
        (
            ["instances", "spawn", "--repo", str(tmp_path), "--prompt", "hi"],
            "is not a git repository",
        ),
        (
            ["instances", "spawn", "--repo", str(repo), "--worktree", "zzz", "--prompt", "hi"],
            "no worktree 'zzz'",
        ),
    ]
    for args, message in cases:
        result = cco(*args, ok=False)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code != 0 and len(lines) == 1, (args, result.output)
        assert message in lines[0], (args, lines)
    assert json.loads(cco("instances", "list", "--json").output) == []


def test_spawn_into_existing_worktree(cco: Cco, repo: Path) -> None:
    wt = json.loads(cco("worktrees", "create", "--repo", str(repo), "shared", "--json").output)
    inst = json.loads(
        cco(
            "instances",
            "spawn",
            "--worktree",
            wt["id"],
            "--prompt",
            "write in-shared.txt x",
            "--json",
        ).output
    )
    wait_for(lambda: show(cco, inst["id"])["status"] == "idle", what="idle")
    assert (Path(wt["path"]) / "in-shared.txt").exists()
    busy = cco("instances", "spawn", "--worktree", wt["id"], "--prompt", "hi", ok=False)
    assert "in use by instance" in busy.stderr
    cco("instances", "stop", inst["id"])
    assert Path(wt["path"]).exists()  # a worktree the instance did not make stays


def test_restart_resumes_conversation(cco: Cco, repo: Path) -> None:
    inst = json.loads(
        cco(
            "instances", "spawn", "--repo", str(repo), "--prompt", "remember-this-word", "--json"
        ).output
    )
    wait_for(lambda: show(cco, inst["id"])["status"] == "idle", what="idle")
    assert "restart 1" in cco("instances", "restart", inst["id"]).output
    wait_for(lambda: show(cco, inst["id"])["status"] == "idle", what="idle after restart")
    cco("instances", "send", inst["id"], "recall")
    transcript = Path(str(show(cco, inst["id"])["transcript"]))
    wait_for(lambda: transcript.read_text().count("remember-this-word") >= 2, what="recall")


def test_attach_and_detach_returns_to_the_shell(
    cco: Cco, repo: Path, tmux_socket: str, tmp_path: Path
) -> None:
    inst = json.loads(
        cco("instances", "spawn", "--repo", str(repo), "--prompt", "hello", "--json").output
    )
    wait_for(lambda: show(cco, inst["id"])["status"] == "idle", what="idle")
    outer = f"{tmux_socket}-outer"
    marker = tmp_path / "after-detach"
    script = (
        f"{sys.executable} -m cc_orchestrator instances attach {inst['id']};"
        f" echo detached rc=$? > {marker}; sleep 30"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    subprocess.run(
        [
            "tmux",
            "-L",
            outer,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "o",
            "-x",
            "120",
            "-y",
            "40",
            "sh",
            "-c",
            script,
        ],
        check=True,
        env=env,
    )
    try:

        def attached() -> bool:
            out = subprocess.run(
                ["tmux", "-L", tmux_socket, "list-clients", "-F", "#{session_name}"],
                capture_output=True,
                text=True,
            ).stdout
            return inst["session_name"] in out

        wait_for(attached, what="a client attached to the instance")
        # what the user sees through the attached client is the agent's screen
        wait_for(
            lambda: (
                "❯"
                in subprocess.run(
                    ["tmux", "-L", outer, "capture-pane", "-p", "-t", "o"],
                    capture_output=True,
                    text=True,
                ).stdout
            ),
            what="agent screen",
        )
        subprocess.run(["tmux", "-L", outer, "send-keys", "-t", "o", "C-b", "d"], check=True)
        wait_for(lambda: marker.exists(), what="the shell after detaching")
        assert marker.read_text().strip() == "detached rc=0"
        assert show(cco, inst["id"])["status"] == "idle"  # detaching does not stop it
    finally:
        subprocess.run(["tmux", "-L", outer, "kill-server"], capture_output=True)


def test_monitor_restarts_crashed_instance_and_stopping_it_keeps_instances(
    cco: Cco, repo: Path
) -> None:
    inst = json.loads(
        cco("instances", "spawn", "--repo", str(repo), "--prompt", "hello", "--json").output
    )
    wait_for(lambda: show(cco, inst["id"])["status"] == "idle", what="idle")
    monitor = subprocess.Popen(
        [sys.executable, "-m", "cc_orchestrator", "instances", "monitor"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(0.5)
        # the agent crashes while the monitor watches: failed, then restarted by the monitor
        with open(os.devnull, "w"):
            cco("instances", "send", inst["id"], "crash")
        wait_for(lambda: int(str(show_raw(inst["id"])["restarts"])) == 1, what="restart")
    finally:
        monitor.send_signal(signal.SIGINT)
        out, _ = monitor.communicate(timeout=20)
    assert "monitor stopped" in out
    assert f"{inst['id']}  failed" in out
    # the instance outlives the monitor
    wait_for(lambda: show(cco, inst["id"])["status"] == "idle", what="idle after restart")
    assert (
        inst["session_name"]
        in subprocess.run(
            ["tmux", "-L", os.environ["CC_ORCH_TMUX__SOCKET"], "list-sessions"],
            capture_output=True,
            text=True,
        ).stdout
    )


def show_raw(inst_id: str) -> dict[str, object]:
    """Read the row without syncing, so only the monitor applies changes."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import json,sys;from cc_orchestrator.bootstrap import build_app;"
                "from cc_orchestrator.cli.output import to_jsonable;"
                f"a=build_app(log_to_file=False);print(json.dumps(to_jsonable(a.instances.get({inst_id!r}))))"
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_reconcile_cli(cco: Cco, repo: Path) -> None:
    subprocess.run(
        [
            "tmux",
            "-L",
            os.environ["CC_ORCH_TMUX__SOCKET"],
            "new-session",
            "-d",
            "-s",
            "cco-orphan",
            "sleep",
            "300",
        ],
        check=True,
    )
    out = cco("instances", "reconcile").output
    assert "cco-orphan" in out and "--kill-leftovers" in out
    cco("instances", "reconcile", "--kill-leftovers")
    assert "no leftover sessions" in cco("instances", "reconcile").output
