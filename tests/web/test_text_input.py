"""Control characters are refused where text enters over the API (422, nothing created)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cc_orchestrator.bootstrap import App


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "nul\u0000commit"),
        ("title", "bell\u0007"),
        ("title", "esc\u001b[2J"),
        ("prompt", "do it\u0000"),
        ("prompt", "clear\u001b[2J"),
        ("labels", ["ok", "bad\u001b"]),
    ],
)
def test_post_task_with_a_control_character_is_422_and_creates_nothing(
    client: httpx.Client, services: App, repo: Path, field: str, value: object
) -> None:
    body: dict[str, object] = {"title": "fine", "prompt": "fine", "repo": str(repo), field: value}
    response = client.post("/api/tasks", json=body)
    assert response.status_code == 422, response.text
    assert "control character" in response.json()["error"]["message"]
    assert services.tasks.all() == []


def test_prompt_keeps_newlines_and_tabs(client: httpx.Client, repo: Path) -> None:
    response = client.post(
        "/api/tasks", json={"title": "t", "prompt": "line 1\n\tline 2", "repo": str(repo)}
    )
    assert response.status_code == 201, response.text
    assert response.json()["prompt"] == "line 1\n\tline 2"


def test_edit_with_a_control_character_is_422_and_changes_nothing(
    client: httpx.Client, services: App, repo: Path
) -> None:
    task = client.post("/api/tasks", json={"title": "t", "prompt": "p", "repo": str(repo)}).json()
    for body in ({"title": "a\u0007"}, {"prompt": "p\u0000"}, {"labels": ["x\u009b"]}):
        response = client.patch(f"/api/tasks/{task['id']}", json=body)
        assert response.status_code == 422, (body, response.text)
    after = services.tasks.get(task["id"])
    assert (after.title, after.prompt, after.labels) == ("t", "p", [])
