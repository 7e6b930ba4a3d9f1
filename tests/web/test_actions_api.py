"""The actions a response offers are exactly those the service then accepts: every action
tried on a real task and a real instance in every status (set in the database), over the API.
And what the API answers carries no bookkeeping."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cc_orchestrator.bootstrap import App, build_app
from cc_orchestrator.domain.actions import (
    InstanceAction,
    TaskAction,
    instance_refusal,
    task_refusal,
)
from cc_orchestrator.domain.models import Instance, InstanceStatus, TaskStatus
from cc_orchestrator.web.openapi import schema
from tests.conftest import wait_for
from tests.web.conftest import api_client

S = InstanceStatus

# what the records keep for themselves: never in an answer, so never in the schema
BOOKKEEPING = {
    "events_offset",
    "stream_offset",
    "transcript_offset",
    "cost_base_usd",
    "worktree_plan",
    "approve_plan",
    "turns_at_start",
    "stop_requested",
    "restart_after",
    "pane_pid",
    "transcript_path",
    "hook_until",
    "owns_worktree",
    "agent_state",  # an agent adapter's own cursor in its files
}


def property_names(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
            found |= property_names(value)
    elif isinstance(node, list):
        for item in node:
            found |= property_names(item)
    return found


def test_the_schema_has_no_bookkeeping_and_offers_actions() -> None:
    spec = schema()
    leaked = property_names(spec) & BOOKKEEPING
    assert leaked == set(), f"bookkeeping in the API's schema: {sorted(leaked)}"
    shipped = json.loads((Path(__file__).parents[2] / "web" / "openapi.json").read_text())
    assert property_names(shipped) & BOOKKEEPING == set()
    schemas = spec["components"]["schemas"]  # type: ignore[index]
    assert schemas["TaskAction"]["enum"] == [a.value for a in TaskAction]
    assert schemas["InstanceAction"]["enum"] == [a.value for a in InstanceAction]
    for model in ("TaskOut", "InstanceOut"):
        assert "actions" in schemas[model]["required"], model


def refused_as(response: httpx.Response, refusal: Any) -> bool:
    """Whether the answer is the rule's own refusal (its status, its message)."""
    if response.status_code != refusal.http_status:
        return False
    return bool(response.json()["error"]["message"] == refusal.message)


# ---------------------------------------------------------------------------- tasks
def try_task(client: httpx.Client, task_id: str, action: TaskAction) -> httpx.Response:
    if action is TaskAction.REJECT:
        return client.post(f"/api/tasks/{task_id}/reject", json={"feedback": "once more"})
    if action is TaskAction.EDIT:
        return client.patch(f"/api/tasks/{task_id}", json={"title": "Greet again"})
    if action is TaskAction.EDIT_PROMPT:
        return client.patch(f"/api/tasks/{task_id}", json={"prompt": "write hi.txt hello"})
    if action is TaskAction.DEPEND_ON:
        task = client.get(f"/api/tasks/{task_id}").json()
        body = {"title": "After", "repo": task["repo_path"], "depends_on": [task_id]}
        return client.post("/api/tasks", json=body)
    return client.post(f"/api/tasks/{task_id}/{action.value}")


def test_a_tasks_actions_are_what_the_service_accepts(
    client: httpx.Client, services: App, repo: Path
) -> None:
    created = client.post(
        "/api/tasks", json={"title": "Greet", "repo": str(repo), "prompt": "write hi.txt hello"}
    ).json()
    task_id = created["id"]

    def in_review() -> bool:
        services.tasks.tick()
        return services.tasks.get(task_id).status == TaskStatus.REVIEW

    wait_for(
        in_review,
        timeout=30,
        interval=0.1,
        what="review",
    )
    agent = services.tasks.get(task_id).instance_id
    states: list[tuple[TaskStatus, dict[str, Any]]] = [(s, {}) for s in TaskStatus]
    states.append((TaskStatus.REVIEW, {"approve_plan": {"how": "merge"}}))
    tried = 0
    for status, extra in states:
        for action in TaskAction:
            if extra and action is TaskAction.APPROVE:
                continue  # that would finish an approve this test never started
            with services.store.write() as tx:
                values = {"instance_id": agent, "approve_plan": None, **extra}
                tx.update_task(task_id, status=status, status_reason="as set", **values)
            shown = client.get(f"/api/tasks/{task_id}").json()
            assert shown["status"] == status.value
            offered = action.value in shown["actions"]
            response = try_task(client, task_id, action)
            where = f"{action.value} on a {status.value} task {extra or ''}: {response.text}"
            if offered:
                assert response.is_success, where
            else:
                refusal = task_refusal(services.tasks.get(task_id), action)
                assert refusal is not None and refused_as(response, refusal), where
            tried += 1
    assert tried == len(states) * len(TaskAction) - 1


# ---------------------------------------------------------------------------- instances
def try_instance(client: TestClient, inst: Instance, action: InstanceAction) -> Any:
    url = f"/api/instances/{inst.id}"
    if action in (InstanceAction.SEND, InstanceAction.FORCE_SEND):
        force = action is InstanceAction.FORCE_SEND
        text = "1" if inst.question is not None else "say hi"  # into a dialog: its option 1
        return client.post(f"{url}/send", json={"text": text, "force": force})
    if action is InstanceAction.ANSWER:
        return client.post(f"{url}/answer", json={"decision": "allow"})
    if action is InstanceAction.STOP:
        return client.post(f"{url}/stop", json={})
    return client.post(f"{url}/restart")


def back_idle(services: App, inst_id: str, turns: int) -> Callable[[], bool]:
    def done() -> bool:
        inst = look(services, inst_id)
        return inst.status == S.IDLE and inst.turns >= turns

    return done


def status_events(services: App, inst_id: str) -> int:
    with services.store.read() as tx:
        events = tx.events(entity_id=inst_id, limit=1000)
    return len([e for e in events if e.kind == "instance.status"])


def look(services: App, inst_id: str) -> Instance:
    services.instances.sync()
    return services.instances.get(inst_id)


@pytest.fixture
def hooked(fake_claude: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """Services whose agents' permission hooks wait for cco's answer (the hook channel)."""
    monkeypatch.setenv("CC_ORCH_INSTANCES__ANSWER_WAIT_S", "30")
    app = build_app(log_to_file=False)
    yield app
    app.close()


def test_an_instances_actions_are_what_the_service_accepts(hooked: App, repo: Path) -> None:
    """The live states and the ended ones are set in the database (the agent idles behind
    them); a question is a real one: the fake claude asks before it runs a command."""
    services = hooked
    client = api_client(services)
    inst_id = client.post("/api/instances", json={"repo": str(repo)}).json()["id"]
    wait_for(lambda: look(services, inst_id).status == S.IDLE, what="idle")
    asked = 0
    for status in InstanceStatus:
        for action in InstanceAction:
            inst = services.instances.get(inst_id)
            if not services.tmux.has_session(inst.session_name):
                services.instances.restart(inst_id)  # a live agent again (after a stop)
                wait_for(lambda: look(services, inst_id).status == S.IDLE, what="restarted")
            turns = services.instances.get(inst_id).turns
            current = look(services, inst_id)
            if status == S.WAITING_INPUT and current.question is None:  # (still) asks or not
                asked += 1
                services.instances.send(inst_id, f"ask touch asked{asked}.txt")
                wait_for(
                    lambda: (
                        (i := look(services, inst_id)).status == S.WAITING_INPUT
                        and i.question is not None
                    ),
                    what="a question",
                )
            else:
                with services.store.write() as tx:
                    tx.update_instance(inst_id, status=status, status_reason="as set")
            shown = client.get(f"/api/instances/{inst_id}").json()
            assert shown["status"] == status.value
            assert shown["live"] == (status not in (S.EXITED, S.FAILED, S.STOPPED))
            assert (shown["question"] is not None) == (status == S.WAITING_INPUT)
            offered = action.value in shown["actions"]
            before = services.instances.get(inst_id)
            status_events_before = status_events(services, inst_id)
            response = try_instance(client, before, action)
            where = f"{action.value} on a {status.value} instance: {response.text}"
            if status == S.STOPPED and action is InstanceAction.STOP:
                # not offered: the service takes it (to remove the worktree too, say) and
                # changes nothing
                assert not offered and response.is_success, where
                assert services.instances.get(inst_id).status == S.STOPPED
                assert status_events(services, inst_id) == status_events_before, where
                continue
            if not offered:
                refusal = instance_refusal(before, action)
                assert refusal is not None and refused_as(response, refusal), where
                continue
            assert response.is_success, where
            if action is InstanceAction.STOP:
                continue
            if status == S.WAITING_INPUT and action is InstanceAction.FORCE_SEND:
                # the waiting hook holds the dialog: what was typed waits behind it
                services.instances.restart(inst_id)
            more = 1 if action in (InstanceAction.SEND, InstanceAction.ANSWER) else 0
            if status != S.WAITING_INPUT and action is InstanceAction.FORCE_SEND:
                more = 1
            wait_for(back_idle(services, inst_id, turns + more), what=f"{where}: at its prompt")
    assert asked == 4  # a refused send leaves it asking; each accepted action ends it
