"""The tasks commands as a user types them: one clear line per mistake, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cco


@pytest.fixture(autouse=True)
def _agent(fake_claude: Path) -> None:
    return None


def add(cco: Cco, repo: Path, title: str, *extra: str) -> str:
    out = cco("tasks", "add", title, "--repo", str(repo), "--json", *extra).output
    return str(json.loads(out)["id"])


def snapshot(cco: Cco) -> list[dict[str, object]]:
    data = json.loads(cco("tasks", "list", "--json").output)
    assert isinstance(data, list)
    return data


def test_bad_input_is_one_line_and_changes_nothing(cco: Cco, repo: Path, tmp_path: Path) -> None:
    a = add(cco, repo, "A", "--prompt", "x")
    b = add(cco, repo, "B", "--prompt", "x", "--depends-on", a)
    c = add(cco, repo, "C", "--prompt", "x", "--depends-on", b)
    cancelled = add(cco, repo, "Z", "--prompt", "x")
    cco("tasks", "cancel", cancelled)
    before = snapshot(cco)
    cases = [
        (["tasks", "show", "nope"], "no task 'nope'"),
        (["tasks", "approve", "nope"], "no task 'nope'"),
        (["tasks", "edit", a, "--add-dep", c], f"cycle: {a} -> {c} -> {b} -> {a}"),
        (
            ["tasks", "add", "D", "--repo", str(repo), "--depends-on", cancelled],
            f"task {cancelled} is cancelled",
        ),
        (["tasks", "add", "D", "--repo", str(repo), "--depends-on", "ghost"], "no task 'ghost'"),
        (
            ["tasks", "add", "D", "--repo", str(repo), "--prompt-file", str(tmp_path / "nope.md")],
            "cannot read prompt file",
        ),
        (["tasks", "add", "D", "--repo", str(repo), "--prompt", ""], "the prompt is empty"),
        (
            ["tasks", "add", "D", "--repo", str(repo), "--prompt", "x", "--max-cost", "-1"],
            "--max-cost",
        ),
        (["tasks", "reject", a, "--feedback", "more"], "only a task in review"),
        (["tasks", "start", b], "waiting for"),
    ]
    for args, message in cases:
        result = cco(*args, ok=False)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code != 0 and len(lines) == 1, (args, result.output)
        assert lines[0].startswith("error: ") and message in lines[0], (args, lines)
        assert "Traceback" not in result.output
    assert snapshot(cco) == before


def test_binary_prompt_file_is_refused(cco: Cco, repo: Path, tmp_path: Path) -> None:
    blob = tmp_path / "blob.bin"
    blob.write_bytes(bytes(range(256)) * 10)
    result = cco("tasks", "add", "bin", "--repo", str(repo), "--prompt-file", str(blob), ok=False)
    assert "not UTF-8 text" in result.stderr
    assert snapshot(cco) == []


def test_add_show_edit_deps(cco: Cco, repo: Path) -> None:
    a = add(cco, repo, "First", "--priority", "5", "--label", "ui")
    shown = json.loads(cco("tasks", "show", a, "--json").output)
    assert shown["prompt"] == "First" and shown["status"] == "ready"  # the title is the prompt
    assert shown["labels"] == ["ui"] and shown["priority"] == 5
    b = add(cco, repo, "Second", "--prompt", "write b.txt b", "--depends-on", a)
    assert "waiting for" in cco("tasks", "show", b).output
    deps = json.loads(cco("tasks", "deps", b, "--json").output)
    assert [d["id"] for d in deps["depends_on"]] == [a]
    cco("tasks", "edit", b, "--remove-dep", a, "--priority", "9")
    edited = json.loads(cco("tasks", "show", b, "--json").output)
    assert edited["status"] == "ready" and edited["priority"] == 9 and edited["depends_on"] == []
    listing = cco("tasks", "list", "--status", "ready").output
    assert "Second" in listing


def test_prompt_from_stdin(cco: Cco, repo: Path) -> None:
    out = cco(
        "tasks",
        "add",
        "Piped",
        "--repo",
        str(repo),
        "--prompt",
        "-",
        "--json",
        input="line one\nline two $(not a command)\n",
    ).output
    assert json.loads(out)["prompt"] == "line one\nline two $(not a command)\n"


def test_control_characters_are_refused_in_and_dropped_out(cco: Cco, repo: Path) -> None:
    from cc_orchestrator.bootstrap import build_app
    from cc_orchestrator.domain.models import TaskStatus

    refused = cco("tasks", "add", "bell\x07title", "--repo", str(repo), "--prompt", "x", ok=False)
    assert refused.exit_code == 2
    assert "control character U+0007 (BEL)" in refused.output and "\x07" not in refused.output
    assert snapshot(cco) == []
    # a record written before the check existed: printed without its ESC and BEL
    task_id = add(cco, repo, "old", "--prompt", "x")
    app = build_app(log_to_file=False)
    try:
        with app.store.write() as tx:
            tx.update_task(
                task_id,
                title="esc\x1b[2Jbell\x07",
                prompt="p\x1b]0;x\x07\nline 2",
                status=TaskStatus.FAILED,
                status_reason="why\x1b]0;owned\x07",
            )
    finally:
        app.close()
    assert "failed: why]0;owned" in cco("status").output
    for args in (["tasks", "list"], ["tasks", "show", task_id], ["status"]):
        out = cco(*args).output
        assert "\x1b" not in out and "\x07" not in out, (args, out)
        assert "esc[2Jbell" in out or args == ["status"]
    assert "  line 2" in cco("tasks", "show", task_id).output
    assert "\\u001b" in cco("tasks", "show", task_id, "--json").output  # JSON escapes it
