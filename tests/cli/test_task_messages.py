"""A person's messages to a task's agent, from the CLI and the API, and what `cco tasks show`
says of a subtask (its parent, progress, messages)."""

from __future__ import annotations

import json
from pathlib import Path

from cc_orchestrator.bootstrap import build_app
from tests.conftest import Cco
from tests.web.conftest import api_client


def test_message_from_the_cli_and_the_api_queued_and_shown(
    cco: Cco, repo: Path, fake_claude: Path
) -> None:
    made = json.loads(
        cco("tasks", "add", "Fix", "--prompt", "x", "--repo", str(repo), "--json").output
    )
    said = cco("tasks", "message", made["id"], "use the v2 API")
    assert "queued for task" in said.output
    cco("tasks", "message", made["id"], "-", input="from stdin\nsecond line\n")
    listed = json.loads(cco("tasks", "messages", made["id"], "--json").output)
    assert [(m["sender"], m["status"]) for m in listed] == [("user", "pending")] * 2
    assert listed[1]["text"] == "from stdin\nsecond line\n"
    shown = cco("tasks", "show", made["id"]).output
    assert "messages:" in shown and "use the v2 API" in shown
    # a control character, an unknown task: one clear line each, nothing queued
    bad = cco("tasks", "message", made["id"], "a\x1b[2Jb", ok=False)
    assert bad.exit_code != 0 and "message" in bad.output
    gone = cco("tasks", "message", "nosuch", "hi", ok=False)
    assert "no task 'nosuch'" in gone.output

    app = build_app(log_to_file=False)
    try:
        with api_client(app) as client:
            answer = client.post(f"/api/tasks/{made['id']}/messages", json={"text": "via API"})
            assert answer.status_code == 201 and answer.json()["status"] == "pending"
            got = client.get(f"/api/tasks/{made['id']}/messages").json()
            assert [m["text"] for m in got][-1] == "via API" and len(got) == 3
            assert client.post("/api/tasks/nosuch/messages", json={"text": "x"}).status_code == 404
            assert (
                client.post(
                    f"/api/tasks/{made['id']}/messages", json={"text": "a\x00b"}
                ).status_code
                == 422
            )
            app.tasks.cancel(made["id"])
            late = client.post(f"/api/tasks/{made['id']}/messages", json={"text": "late"})
            assert (
                late.status_code == 409 and "no agent will read" in late.json()["error"]["message"]
            )
            task = client.get(f"/api/tasks/{made['id']}").json()
            assert task["parent_id"] is None and task["progress"] is None
    finally:
        app.close()
