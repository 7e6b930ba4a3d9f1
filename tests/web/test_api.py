"""The REST API through the in-process ASGI client and over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.web.app import create_app
from cc_orchestrator.web.events import Client
from cc_orchestrator.web.security import session_value
from tests.conftest import git, wait_for
from tests.web.conftest import LiveServer


def error_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"]
    return dict(body["error"])


def test_health_config_and_openapi(client: httpx.Client) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    config = client.get("/api/config").json()
    assert config["instances"]["max_running"] == 10
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/tasks/{task_id}/approve" in paths and "/api/instances/{instance_id}/send" in paths


def test_task_lifecycle_over_the_api(client: httpx.Client, services: App, repo: Path) -> None:
    created = client.post(
        "/api/tasks", json={"title": "Greet", "repo": str(repo), "prompt": "write hi.txt hello"}
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["status"] == "ready"
    dep = client.post(
        "/api/tasks", json={"title": "After", "repo": str(repo), "depends_on": [task["id"]]}
    ).json()
    assert dep["status"] == "pending" and dep["prompt"] == "After"
    deps = client.get(f"/api/tasks/{dep['id']}/deps").json()
    assert [t["id"] for t in deps["depends_on"]] == [task["id"]]
    assert client.patch(f"/api/tasks/{dep['id']}", json={"priority": 7}).json()["priority"] == 7

    wait_for(
        lambda: (services.tasks.tick(), services.tasks.get(task["id"]).status.value)[1] == "review",
        timeout=30,
        interval=0.1,
        what="review",
    )
    shown = client.get(f"/api/tasks/{task['id']}").json()
    assert shown["commits_ahead"] == 1 and "hi.txt" in shown["diff_stat"]
    inst = client.get(f"/api/instances/{shown['instance_id']}").json()
    assert inst["status"] == "stopped"
    log = client.get(f"/api/instances/{inst['id']}/log").json()
    assert log["lines"] and log["offset"] > 0
    assert client.post(f"/api/tasks/{task['id']}/approve").json()["status"] == "done"
    assert (repo / "hi.txt").read_text() == "hello"
    events = client.get("/api/events", params={"entity_id": task["id"]}).json()
    assert [e["data"]["status"] for e in events if e["kind"] == "task.status"] == [
        "running",
        "review",
        "done",
    ]
    status = client.get("/api/status").json()
    assert status["tasks"]["done"] == 1


def test_instances_and_worktrees_over_the_api(client: httpx.Client, repo: Path) -> None:
    wt = client.post("/api/worktrees", json={"repo": str(repo), "name": "side"})
    assert wt.status_code == 201, wt.text
    inst = client.post(
        "/api/instances", json={"worktree_id": wt.json()["id"], "prompt": "ask touch ok.txt"}
    ).json()
    wait_for(
        lambda: (
            client.get(f"/api/instances/{inst['id']}").json()["status"] == "waiting_input"
            or (client.get("/api/instances"), False)[1]
        ),
        what="question",
    )
    # typing a digit into a permission dialog is refused over the API too (409, says how)
    refused = client.post(f"/api/instances/{inst['id']}/send", json={"text": "1"})
    assert refused.status_code == 409 and "instances answer" in refused.text, refused.text
    sent = client.post(f"/api/instances/{inst['id']}/send", json={"text": "1", "force": True})
    assert sent.status_code == 200, sent.text
    wait_for(
        lambda: (
            (
                client.get("/api/instances"),
                client.get(f"/api/instances/{inst['id']}").json()["status"],
            )[1]
            == "idle"
        ),
        what="answered",
    )
    assert (Path(wt.json()["path"]) / "ok.txt").exists()
    stopped = client.post(f"/api/instances/{inst['id']}/stop", json={})
    assert stopped.json()["status"] == "stopped"
    gone = client.delete(f"/api/worktrees/{wt.json()['id']}", params={"force": True})
    assert gone.status_code == 200
    assert client.get("/api/worktrees").json() == []


def test_tasks_listed_page_after_page(client: httpx.Client, repo: Path) -> None:
    made = [
        client.post("/api/tasks", json={"title": f"T{i}", "repo": str(repo)}).json()["id"]
        for i in range(5)
    ]
    pages, after = [], None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"after": after} if after else {})}
        page = [t["id"] for t in client.get("/api/tasks", params=params).json()]
        if not page:
            break
        pages.append(page)
        after = page[-1]
    assert pages == [made[0:2], made[2:4], made[4:5]]
    assert [t["id"] for t in client.get("/api/tasks", params={"limit": 2, "offset": 2}).json()] == (
        made[2:4]
    )
    missing = client.get("/api/tasks", params={"after": "nope"})
    assert missing.status_code == 404
    assert "no task 'nope'" in error_of(missing)["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        ("get", "/api/tasks/nope", None, 404, "NotFound"),
        ("get", "/api/instances/nope", None, 404, "NotFound"),
        ("post", "/api/tasks/nope/approve", None, 404, "NotFound"),
        ("delete", "/api/worktrees/nope", None, 404, "NotFound"),
        ("get", "/api/nothing-here", None, 404, "HTTPError"),
        ("post", "/api/tasks", {"title": "x"}, 422, "InvalidInput"),
        ("post", "/api/tasks", {"title": "x", "repo": "/", "bogus": 1}, 422, "InvalidInput"),
        ("post", "/api/tasks", {"title": "x", "repo": "/", "priority": 10**9}, 422, "InvalidInput"),
        ("post", "/api/tasks", {"title": "x", "repo": "/tmp"}, 422, "InvalidInput"),
        ("post", "/api/instances", {"prompt": "hi"}, 422, "InvalidInput"),
        ("get", "/api/events?after_id=-1", None, 422, "InvalidInput"),
    ],
)
def test_errors_are_json_with_the_right_status(
    client: httpx.Client, method: str, path: str, body: object, status: int, kind: str
) -> None:
    response = client.request(method.upper(), path, json=body)
    assert response.status_code == status, response.text
    assert error_of(response)["type"] == kind


def test_malformed_json_and_oversized_bodies(client: httpx.Client) -> None:
    bad = client.post(
        "/api/tasks", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 422 and error_of(bad)["type"] == "InvalidInput"
    huge = client.post(
        "/api/tasks", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413 and "larger than" in error_of(huge)["message"]

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 65536

    streamed = client.post(
        "/api/tasks", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_token_required_everywhere_when_set(
    fake_claude: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_ORCH_WEB__TOKEN", "s3cret-token")
    services = build_app(log_to_file=False)
    c = TestClient(create_app(services), base_url="http://127.0.0.1:8080")
    if True:
        for path in ("/api/health", "/api/tasks", "/api/config", "/api/events"):
            missing = c.get(path)
            assert missing.status_code == 401 and error_of(missing)["type"] == "Unauthorized"
            wrong = c.get(path, headers={"authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert c.get(path, headers={"authorization": "Bearer s3cret-token"}).status_code == 200
        c.cookies.set("cco_token", session_value("s3cret-token"))
        assert c.get("/api/health").status_code == 200
        c.cookies.clear()
        # no secret ever goes to the browser
        config = c.get("/api/config", headers={"authorization": "Bearer s3cret-token"}).text
        assert "s3cret-token" not in config
    services.close()


def test_exposed_host_without_token_is_refused(cco, services: App) -> None:  # type: ignore[no-untyped-def]
    result = cco("up", "--host", "0.0.0.0", "--port", "1", ok=False)
    assert result.exit_code == 2 and "no web.token is set" in result.stderr
    result = cco("web", "--host", "0.0.0.0", "--port", "1", ok=False)
    assert "no web.token is set" in result.stderr


def test_real_http_and_websocket_events_with_resume(
    live: LiveServer, services: App, repo: Path
) -> None:
    async def scenario() -> None:
        ws_url = live.url.replace("http", "ws") + "/api/ws"
        async with httpx.AsyncClient(base_url=live.url, headers=live.headers) as http:
            async with websockets.connect(ws_url, additional_headers=live.headers) as ws:
                ready = json.loads(await ws.recv())
                assert ready["kind"] == "ready"
                created = (
                    await http.post(
                        "/api/tasks", json={"title": "Live", "repo": str(repo), "prompt": "x"}
                    )
                ).json()
                event = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                while event["kind"] != "task.created":  # first the repository's own event
                    event = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                assert event["entity_id"] == created["id"]
                last = event["id"]
            # while disconnected, two more events happen ...
            a = (
                await http.post(
                    "/api/tasks", json={"title": "Missed 1", "repo": str(repo), "prompt": "x"}
                )
            ).json()
            b = (
                await http.post(
                    "/api/tasks", json={"title": "Missed 2", "repo": str(repo), "prompt": "x"}
                )
            ).json()
            # ... and a client resuming from its last id gets them, in order, then "ready"
            async with websockets.connect(
                f"{ws_url}?after_id={last}", additional_headers=live.headers
            ) as ws:
                got = [json.loads(await ws.recv()) for _ in range(3)]
        assert [g["entity_id"] for g in got[:2]] == [a["id"], b["id"]]
        assert got[2]["kind"] == "ready"

    asyncio.run(scenario())


def test_commits_wake_the_event_hub_and_other_processes_are_polled(
    services: App, repo: Path
) -> None:
    """In-process commits reach a WebSocket at once (no polling wait); the table is still
    polled, slowly, for what other processes (the CLI) write."""
    other = build_app(log_to_file=False)  # its own store: another process's writes

    async def first_of(ws: Any, kind: str, timeout: float) -> dict[str, Any]:
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            if event["kind"] == kind:
                return event

    async def scenario(live: LiveServer) -> None:
        ws_url = live.url.replace("http", "ws") + "/api/ws"
        async with websockets.connect(ws_url, additional_headers=live.headers) as ws:
            assert json.loads(await ws.recv())["kind"] == "ready"
            # an API write (the same process): woken, not waiting for the 60 s poll
            services.tasks.add(title="Here", prompt="x", repo=repo)
            assert (await first_of(ws, "task.created", 10))["data"]
        async with websockets.connect(ws_url, additional_headers=live.headers) as ws:
            assert json.loads(await ws.recv())["kind"] == "ready"
            # another process's write wakes nothing: it waits for the (here, 60 s) poll
            other.tasks.add(title="There", prompt="x", repo=repo)
            with pytest.raises(TimeoutError):
                await first_of(ws, "task.created", 1.5)

    try:
        with LiveServer(services, poll_interval_s=60) as live:
            asyncio.run(scenario(live))
        with LiveServer(services, poll_interval_s=0.2) as live:

            async def polled() -> None:
                ws_url = live.url.replace("http", "ws") + "/api/ws"
                async with websockets.connect(ws_url, additional_headers=live.headers) as ws:
                    assert json.loads(await ws.recv())["kind"] == "ready"
                    created = other.tasks.add(title="Polled", prompt="x", repo=repo)
                    event = await first_of(ws, "task.created", 10)
                    assert event["entity_id"] == created.id

            asyncio.run(polled())
    finally:
        other.close()


def test_websocket_token_and_terminal(
    fake_claude: Path, monkeypatch: pytest.MonkeyPatch, repo: Path
) -> None:
    monkeypatch.setenv("CC_ORCH_WEB__TOKEN", "tok-123456")
    services = build_app(log_to_file=False)
    inst = services.instances.spawn(repo=repo, prompt="write t.txt x")

    async def scenario(url: str) -> None:
        ws_url = url.replace("http", "ws")
        with pytest.raises(websockets.exceptions.ConnectionClosed) as refused:
            async with websockets.connect(f"{ws_url}/api/ws") as ws:
                await ws.recv()
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4401
        async with websockets.connect(
            f"{ws_url}/api/instances/{inst.id}/terminal?token=tok-123456"
        ) as ws:
            data = b""
            while "❯".encode() not in data:
                data += await asyncio.wait_for(ws.recv(), 10)  # type: ignore[operator]
        with pytest.raises(websockets.exceptions.ConnectionClosed) as missing:
            async with websockets.connect(
                f"{ws_url}/api/instances/nope/terminal?token=tok-123456"
            ) as ws:
                await ws.recv()
        assert missing.value.rcvd is not None and missing.value.rcvd.code == 4404

    try:
        with LiveServer(services) as server:
            asyncio.run(scenario(server.url))
    finally:
        services.close()


def test_slow_client_overflows_alone() -> None:
    """A client that does not keep up is marked for disconnection; offering never blocks."""
    slow, fast = Client(maxsize=3), Client(maxsize=1000)
    for n in range(10):
        slow.offer({"id": n})
        fast.offer({"id": n})
        fast.queue.get_nowait()
    assert slow.overflowed.is_set() and slow.queue.qsize() == 3
    assert not fast.overflowed.is_set()


def test_git_state_untouched_by_failed_requests(client: httpx.Client, repo: Path) -> None:
    before = git(repo, "for-each-ref")
    client.post("/api/worktrees", json={"repo": str(repo), "base": "--upload-pack=x"})
    client.post("/api/worktrees", json={"repo": str(repo), "name": "../../escape"})
    assert git(repo, "for-each-ref") == before
