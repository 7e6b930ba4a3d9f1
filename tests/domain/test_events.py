"""The vocabulary of events: each kind's constructor builds what its definition says."""

from __future__ import annotations

import ast
import inspect
import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cc_orchestrator.domain import events as ev
from cc_orchestrator.domain.links import InboxItem, InboxStatus, IssueLink, PullRequest, PullState
from cc_orchestrator.domain.models import (
    Instance,
    InstanceStatus,
    Message,
    NewEvent,
    Task,
    TaskStatus,
    Worktree,
    WorktreeStatus,
)
from cc_orchestrator.domain.questions import Answer, Choice, Question
from tests.support.event_check import stored_problems

TASK = Task(id="t1", title="Fix it", prompt="p", status=TaskStatus.READY, depends_on=("t0",))
MESSAGE = Message(id=7, to_task_id="t2", sender="task:t1", text="hi", from_task_id="t1")
WT = Worktree(
    id="w1",
    repo_id=1,
    repo_path=Path("/r"),
    name="n",
    path=Path("/r/w"),
    branch="cco/w1",
    base_ref="main",
    base_commit="abc",
    created_branch=True,
    status=WorktreeStatus.ACTIVE,
    created_at=datetime.now(UTC),
)
INST = Instance(
    id="i1",
    name="one",
    agent="claude",
    mode="interactive",
    status=InstanceStatus.STARTING,
    session_name="cco-i1",
    task_id="t1",
)
LONE = Instance(
    id="i2",
    name="two",
    agent="claude",
    mode="headless",
    status=InstanceStatus.IDLE,
    session_name="s",
)
Q = Question(id="q1", tool="Bash", command="ls")
ITEM = InboxItem(
    id=7,
    source="github",
    delivery_id="72d3162e-cc78-11e3-81ab-4c9367dc0958",
    event="issues",
    action="opened",
    payload={"action": "opened"},
    status=InboxStatus.PENDING,
    received_at=datetime.now(UTC),
)


class _Denial:
    tool = "Bash"
    detail = "rm -rf x"


LINK = IssueLink("t1", "github", "acme/widgets", "12", "https://github.com/acme/widgets/issues/12")
PR = PullRequest(
    "t1",
    "acme/widgets",
    "cco/t1",
    "main",
    PullState.OPEN,
    3,
    "https://github.com/acme/widgets/pull/3",
)
S = InstanceStatus
# one call of each constructor, with every optional field given
BUILT: dict[str, Callable[[], NewEvent]] = {
    "repo.added": lambda: ev.repo_added(3, Path("/r")),
    "worktree.created": lambda: ev.worktree_created(WT, base="main"),
    "worktree.removed": lambda: ev.worktree_removed(WT, reason="removed", notes=["kept"]),
    "task.created": lambda: ev.task_created(TASK),
    "task.edited": lambda: ev.task_edited(TASK, ["title", "priority"]),
    "task.subtask": lambda: ev.task_subtask(TASK, replace(TASK, id="sub1", depth=1), waits=True),
    "task.message": lambda: ev.task_message(MESSAGE),
    "task.message_sent": lambda: ev.task_message_sent(MESSAGE),
    "task.messages_delivered": lambda: ev.task_messages_delivered("t1", [1, 2]),
    "task.progress": lambda: ev.task_progress(TASK, "tests pass, docs next"),
    "task.waiting": lambda: ev.task_waiting(TASK, ["sub1"], "waiting for sub1"),
    "task.review_requested": lambda: ev.task_review_requested(TASK, "did it"),
    "task.status": lambda: ev.task_status(TASK, TaskStatus.PENDING),
    "task.result": lambda: ev.task_result(
        TASK,
        committed_leftovers=True,
        commits_ahead=2,
        files_changed=1,
        cost_usd=0.5,
        permission_denials=[_Denial()],
    ),
    "task.restart_start": lambda: ev.task_restart_start(TASK, "rejected"),
    "task.approving": lambda: ev.task_approving(
        TASK, how="merge", into="main", branch="b", tip="abc", remove_worktree=True, reason=None
    ),
    "task.approved": lambda: ev.task_approved(TASK, merged_into=None, notes=[]),
    "task.approve_failed": lambda: ev.task_approve_failed(TASK),
    "task.over_budget": lambda: ev.task_over_budget(TASK, cost_usd=1.5, max_cost_usd=1.0),
    "daemon.unhealthy": lambda: ev.daemon_unhealthy(
        "host:12", what="crashed", pid=12, reason="killed"
    ),
    "delivery.failed": lambda: ev.delivery_failed(
        4, subscriber="notifications", channel="team", kind="failed", error="HTTP 404"
    ),
    "webhook.received": lambda: ev.webhook_received(ITEM),
    "backup.made": lambda: ev.backup_made("/b.tar.gz", size=9, tasks=2, events=5, scheduled=True),
    "backup.failed": lambda: ev.backup_failed("/b.tar.gz", error="disk full", scheduled=False),
    "backup.restored": lambda: ev.backup_restored(
        "/b.tar.gz", made_at="2026-01-01T00:00:00+00:00", schema_revision="0008", set_aside="/a"
    ),
    "task.linked": lambda: ev.task_linked(LINK),
    "task.pr_requested": lambda: ev.task_pr_requested(PR),
    "task.pr_opened": lambda: ev.task_pr_opened(PR),
    "task.pr_pushed": lambda: ev.task_pr_pushed(PR, "abc"),
    "task.pr_updated": lambda: ev.task_pr_updated(PR, "main", "def"),
    "task.pr_checks": lambda: ev.task_pr_checks(PR, "failure", ["tests"]),
    "task.pr_feedback": lambda: ev.task_pr_feedback(PR, "ci", 1, 3, "ci:abc"),
    "task.pr_closed": lambda: ev.task_pr_closed(PR, merged=True),
    "instance.created": lambda: ev.instance_created(INST),
    "instance.started": lambda: ev.instance_started(INST, WT),
    "instance.status": lambda: ev.instance_status(
        INST, S.FAILED, "crashed", previous=S.WORKING, restarts=2
    ),
    "instance.input": lambda: ev.instance_input(INST, chars=5, answered=False),
    "instance.result": lambda: ev.instance_result(
        INST, is_error=False, num_turns=3, cost_usd=0.01, subtype="success"
    ),
    "instance.dialog": lambda: ev.instance_dialog(INST, "trust"),
    "instance.restart_failed": lambda: ev.instance_restart_failed(INST, "no claude"),
    "instance.answered": lambda: ev.instance_answered(
        INST,
        question=Q,
        answer=Answer(decision="deny", message="no", by="api"),
        picked=Choice(key="3", label="No", kind="deny"),
        via="keys",
    ),
}


def test_every_kind_has_one_constructor_and_it_builds_a_valid_event() -> None:
    assert sorted(BUILT) == sorted(ev.KINDS)
    for name, build in BUILT.items():
        event = build()
        kind = ev.KINDS[name]
        assert (event.kind, event.entity_type) == (name, kind.entity)
        assert ev.problems(event.kind, event.entity_type, event.data) == [], name
        # every field, the optional ones too, is given by the calls above
        assert set(event.data) == {f.name for f in kind.fields}, name


def test_kinds_are_named_after_their_entity_and_documented() -> None:
    prefix = {
        "task": "task.",
        "instance": "instance.",
        "worktree": "worktree.",
        "repository": "repo.",
        "daemon": "daemon.",
        "delivery": "delivery.",
        "webhook": "webhook.",
        "backup": "backup.",
    }
    for kind in ev.KINDS.values():
        assert kind.name.startswith(prefix[kind.entity]), kind.name
        assert kind.doc, f"{kind.name} has no docstring"
        assert kind.fields or kind.name == "task.approve_failed"
    constructors = {
        n for n, f in inspect.getmembers(ev, inspect.isfunction) if f.__module__ == ev.__name__
    }
    for kind in ev.KINDS:
        assert kind.replace(".", "_") in constructors, kind


def test_payloads_hold_the_values_not_the_objects() -> None:
    status = ev.task_status(TASK, TaskStatus.PENDING)
    assert status.data == {"task_id": "t1", "status": "ready", "previous": "pending", "reason": ""}
    assert type(status.data["status"]) is str  # the enum's value, as JSON stores it
    assert ev.task_created(TASK).data["depends_on"] == ["t0"]
    removed = ev.worktree_removed(WT, reason="abandoned")
    assert removed.data == {"worktree_id": "w1", "path": "/r/w", "reason": "abandoned", "notes": []}


def test_a_webhook_event_is_about_its_delivery_never_its_payload() -> None:
    received = ev.webhook_received(ITEM)
    assert (received.entity_type, received.entity_id) == ("webhook", ITEM.delivery_id)
    assert received.data == {
        "source": "github",
        "event": "issues",
        "action": "opened",
        "status": "pending",
    }
    ping = replace(ITEM, event="ping", action=None, status=InboxStatus.IGNORED)
    assert ev.webhook_received(ping).data["action"] is None
    assert ev.problems("webhook.received", "webhook", ev.webhook_received(ping).data) == []


def test_instance_events_name_their_task_only_when_they_have_one() -> None:
    assert ev.instance_input(INST, chars=1, answered=True).data["task_id"] == "t1"
    lone = ev.instance_status(LONE, S.STARTING, "new turn")
    assert lone.data == {
        "instance_id": "i2",
        "name": "two",
        "status": "starting",
        "reason": "new turn",
    }
    assert ev.problems(lone.kind, lone.entity_type, lone.data) == []


DROP = object()


def _changed(kind: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = dict(BUILT[kind]().data)
    for key, value in changes.items():
        if value is DROP:
            del data[key]
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("kind", "entity", "data", "expected"),
    [
        ("task.renamed", "task", {}, "unknown event kind 'task.renamed'"),
        ("task.edited", "instance", _changed("task.edited"), "entity 'instance'"),
        ("task.edited", "task", _changed("task.edited", fields=DROP), "'fields' is missing"),
        ("task.edited", "task", _changed("task.edited", x=1), "field 'x' is not in"),
        ("task.edited", "task", _changed("task.edited", fields=[1]), "is not list of string"),
        ("task.status", "task", _changed("task.status", status="gone"), "field 'status'"),
        ("task.result", "task", _changed("task.result", committed_leftovers=1), "not boolean"),
        ("task.result", "task", _changed("task.result", commits_ahead=True), "not integer"),
        (
            "task.result",
            "task",
            _changed("task.result", permission_denials=[{"tool": "Bash"}]),
            "permission_denials",
        ),
        ("instance.answered", "instance", _changed("instance.answered", via="mail"), "'via'"),
        ("instance.result", "instance", _changed("instance.result", cost_usd="1"), "number | null"),
    ],
)
def test_problems_name_what_does_not_match(
    kind: str, entity: str, data: dict[str, object], expected: str
) -> None:
    found = ev.problems(kind, entity, data)
    assert len(found) == 1 and expected in found[0], found


def test_numbers_may_come_back_from_json_as_integers() -> None:
    data = {**BUILT["task.result"]().data, "cost_usd": 0}
    assert ev.problems("task.result", "task", data) == []


def test_the_suite_check_reads_stored_events(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE events (kind TEXT, entity_type TEXT, data TEXT)")
        good = ev.task_restart_start(TASK, "retry")
        insert = "INSERT INTO events VALUES (?, ?, ?)"
        conn.execute(insert, (good.kind, good.entity_type, json.dumps(good.data)))
        conn.execute(insert, (good.kind, good.entity_type, '{"task_id": "t1"}'))
    conn.close()
    assert stored_problems(db) == [f"{db}: task.restart_start: field 'reason' is missing"]
    assert stored_problems(tmp_path / "none.db") == []


# modules allowed to build a NewEvent by hand besides domain/events.py (none: keep it so)
NOT_YET: set[str] = set()


def test_events_are_built_only_by_their_constructors() -> None:
    """No module but domain/events.py builds a NewEvent: each kind is built in one place."""
    package = Path(ev.__file__).parents[1]
    builders: dict[str, list[int]] = {}
    for path in sorted(package.rglob("*.py")):
        if path == Path(ev.__file__) or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "NewEvent":
                    builders.setdefault(str(path.relative_to(package)), []).append(node.lineno)
    others = {m: lines for m, lines in builders.items() if m not in NOT_YET}
    assert others == {}, f"build these with a constructor of domain/events.py: {others}"
    done = sorted(NOT_YET - set(builders))
    assert done == [], f"{done} build no NewEvent any more: take them out of NOT_YET"
