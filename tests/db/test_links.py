"""The outside world's tables (db/tx_links.py, LinkRows) on both databases: issue links unique
per tracker, project and key; pull requests recorded once per task, updated, found by number
and state; the webhook inbox (a redelivery is recognized, two racing deliveries make one row
and no exception), its settling; the trackers' sync state."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cc_orchestrator.db.store import SqlStore, SqlTx
from cc_orchestrator.domain.links import (
    InboxItem,
    InboxStatus,
    IssueLink,
    PullRequest,
    PullState,
    SyncState,
)
from cc_orchestrator.domain.models import Task, TaskStatus

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
S = InboxStatus


def add_tasks(store: SqlStore, *ids: str) -> None:
    with store.write() as tx:
        for task_id in ids:
            tx.add_task(Task(id=task_id, title=task_id, prompt="p", status=TaskStatus.PENDING))


def link(
    task_id: str, key: str, *, project: str = "acme/web", tracker: str = "github"
) -> IssueLink:
    return IssueLink(
        task_id=task_id,
        tracker=tracker,
        project=project,
        key=key,
        url=f"https://github.com/{project}/issues/{key}",
    )


def receive(tx: SqlTx, delivery: str, **kw: Any) -> InboxItem | None:
    values: dict[str, Any] = {
        "source": "github",
        "delivery_id": delivery,
        "event": "issues",
        "action": "opened",
        "payload": {"action": "opened", "issue": {"number": 1}},
        "received_at": T0,
        **kw,
    }
    return tx.add_inbox(**values)


# ----------------------------------------------------------------------------- issue links
def test_issue_links_add_find_list_update(store: SqlStore) -> None:
    add_tasks(store, "t-1", "t-2", "t-3")
    with store.write() as tx:
        first = tx.add_issue_link(link("t-1", "12"))
        tx.add_issue_link(link("t-2", "13", project="acme/api"))
        tx.add_issue_link(link("t-3", "WEB-3", tracker="jira", project="acme.atlassian.net/WEB"))
    assert first.state == "open" and first.data == {} and first.created_at is not None
    with store.read() as tx:
        assert tx.issue_link("t-1") == first
        assert tx.issue_link("t-9") is None
        assert tx.issue_link_for("github", "acme/web", "12") == first
        assert tx.issue_link_for("github", "acme/api", "12") is None
        assert tx.issue_link_for("jira", "acme/web", "12") is None
        assert [x.task_id for x in tx.issue_links()] == ["t-1", "t-2", "t-3"]
        assert [x.task_id for x in tx.issue_links(tracker="github")] == ["t-1", "t-2"]
        assert [x.task_id for x in tx.issue_links(project="acme/api")] == ["t-2"]
        assert [x.task_id for x in tx.issue_links(task_ids=["t-3", "t-1"])] == ["t-1", "t-3"]
        assert tx.issue_links(task_ids=[]) == []
    edited = T0 + timedelta(minutes=5)
    with store.write() as tx:
        updated = tx.update_issue_link(
            "t-1", state="closed", updated_at=edited, data={"comment_id": 77}
        )
    assert (updated.state, updated.updated_at, updated.data) == (
        "closed",
        edited,
        {"comment_id": 77},
    )
    with store.read() as tx:
        again = tx.issue_link("t-1")
    assert again is not None and again.updated_at == edited and again.data == {"comment_id": 77}
    assert again.key == "12" and again.created_at == first.created_at
    with store.write() as tx:
        with pytest.raises(AttributeError, match="not an updatable field: key"):
            tx.update_issue_link("t-1", key="99")
        with pytest.raises(KeyError):
            tx.update_issue_link("t-9", state="closed")


def test_an_issue_is_linked_to_one_task_only(store: SqlStore) -> None:
    add_tasks(store, "t-1", "t-2")
    with store.write() as tx:
        tx.add_issue_link(link("t-1", "12"))
    with pytest.raises(IntegrityError), store.write() as tx:
        tx.add_issue_link(link("t-2", "12"))  # the same issue for another task
    with pytest.raises(IntegrityError), store.write() as tx:
        tx.add_issue_link(link("t-1", "14"))  # a second issue for the same task
    with store.write() as tx:  # the same key elsewhere is another issue
        tx.add_issue_link(link("t-2", "12", project="acme/api"))
    with store.read() as tx:
        assert [(x.task_id, x.project) for x in tx.issue_links()] == [
            ("t-1", "acme/web"),
            ("t-2", "acme/api"),
        ]


def test_a_link_goes_with_its_task(store: SqlStore) -> None:
    add_tasks(store, "t-1")
    with store.write() as tx:
        tx.add_issue_link(link("t-1", "12"))
        tx.add_pull_request(
            PullRequest(task_id="t-1", repo="acme/web", head="cco/t-1", base="main")
        )
    with store.write() as tx:
        tx.session.execute(text("DELETE FROM tasks WHERE id = 't-1'"))
    with store.read() as tx:
        assert tx.issue_links() == [] and tx.pull_requests() == []


# ----------------------------------------------------------------------------- pull requests
def test_pull_requests_add_once_update_and_find(store: SqlStore) -> None:
    add_tasks(store, "t-1", "t-2", "t-3")
    pr = PullRequest(task_id="t-1", repo="acme/web", head="cco/t-1", base="main")
    with store.write() as tx:
        opening = tx.add_pull_request(pr)
        # a second add for the task answers the one it has, changing nothing
        again = tx.add_pull_request(
            PullRequest(task_id="t-1", repo="acme/other", head="x", base="y", number=5)
        )
        tx.add_pull_request(
            PullRequest(
                task_id="t-2",
                repo="acme/web",
                head="cco/t-2",
                base="cco/t-1",
                state=PullState.OPEN,
                number=8,
                fed=["check:1"],
            )
        )
        tx.add_pull_request(
            PullRequest(
                task_id="t-3",
                repo="acme/api",
                head="cco/t-3",
                base="main",
                number=8,
                state=PullState.MERGED,
            )
        )
    assert opening.state is PullState.OPENING and opening.number is None
    assert opening.updated_at is not None and opening.fed == [] and opening.ci_rounds == 0
    assert again == opening
    with store.read() as tx:
        assert tx.pull_request("t-1") == opening
        assert tx.pull_request("t-9") is None
        by_number = tx.pull_request_by_number("acme/web", 8)
        assert by_number is not None and by_number.task_id == "t-2" and by_number.fed == ["check:1"]
        assert tx.pull_request_by_number("acme/api", 8) is not None
        assert tx.pull_request_by_number("acme/web", 9) is None
        assert [p.task_id for p in tx.pull_requests()] == ["t-1", "t-2", "t-3"]
        active = [PullState.OPENING, PullState.OPEN]
        assert [p.task_id for p in tx.pull_requests(states=active)] == ["t-1", "t-2"]
        assert [p.task_id for p in tx.pull_requests(states=[PullState.MERGED])] == ["t-3"]
        assert tx.pull_requests(states=[]) == []
        assert [p.task_id for p in tx.pull_requests(task_ids=["t-3"])] == ["t-3"]
        assert [p.task_id for p in tx.pull_requests(states=active, task_ids=["t-2", "t-3"])] == [
            "t-2"
        ]
    time.sleep(0.01)
    with store.write() as tx:
        opened = tx.update_pull_request(
            "t-1",
            state=PullState.OPEN,
            number=7,
            url="https://github.com/acme/web/pull/7",
            head_sha="a" * 40,
            checks="pending",
            ci_rounds=1,
            fed=["check:9"],
            etag='W/"abc"',
        )
    assert opened.state is PullState.OPEN and opened.number == 7 and opened.ci_rounds == 1
    assert opened.updated_at is not None and opening.updated_at is not None
    assert opened.updated_at > opening.updated_at  # stamped by every update
    with store.read() as tx:
        assert tx.pull_request("t-1") == opened
        found = tx.pull_request_by_number("acme/web", 7)
        assert found is not None and found.task_id == "t-1" and found.etag == 'W/"abc"'
    with store.write() as tx:
        with pytest.raises(AttributeError, match="title"):
            tx.update_pull_request("t-1", title="not a field")
        with pytest.raises(AttributeError, match="updated_at"):
            tx.update_pull_request("t-1", updated_at=T0)
        with pytest.raises(KeyError):
            tx.update_pull_request("t-9", state=PullState.CLOSED)


# ----------------------------------------------------------------------------- the inbox
def test_inbox_add_a_redelivery_and_the_listing(store: SqlStore) -> None:
    with store.write() as tx:
        first = receive(tx, "d-1")
        assert receive(tx, "d-1", event="ping", payload={"zen": "x"}) is None  # same txn
        ping = receive(tx, "d-2", event="ping", action=None, status=S.IGNORED)
        jira = receive(tx, "d-1", source="jira", event="jira:issue_updated")  # another source
    assert first is not None and ping is not None and jira is not None
    with store.write() as tx:
        assert receive(tx, "d-1") is None  # a later transaction
        assert receive(tx, "d-2", status=S.IGNORED) is None
    with store.read() as tx:
        items = tx.inbox_items()
        assert [(i.source, i.delivery_id) for i in items] == [
            ("github", "d-1"),
            ("github", "d-2"),
            ("jira", "d-1"),
        ]
        one = items[0]
        assert one == first
        assert (one.event, one.action, one.status) == ("issues", "opened", S.PENDING)
        assert one.payload == {"action": "opened", "issue": {"number": 1}}
        assert one.received_at == T0 and one.processed_at is None and one.error is None
        two = items[1]
        assert two.status is S.IGNORED and two.action is None and two.processed_at == T0
        assert tx.inbox_item(one.id) == one and tx.inbox_item(10**9) is None
        assert [i.delivery_id for i in tx.inbox_items(source="jira")] == ["d-1"]
        assert [i.id for i in tx.inbox_items(statuses=[S.PENDING])] == [one.id, items[2].id]
        assert [i.id for i in tx.inbox_items(source="github", statuses=[S.IGNORED])] == [two.id]
        assert tx.inbox_items(statuses=[]) == []
        assert [i.id for i in tx.inbox_items(limit=2)] == [one.id, two.id]  # oldest first
        assert [i.id for i in tx.inbox_items(limit=2, newest_first=True)] == [
            items[2].id,
            two.id,
        ]


def test_inbox_settle(store: SqlStore) -> None:
    with store.write() as tx:
        a = receive(tx, "d-1")
        b = receive(tx, "d-2")
    assert a is not None and b is not None
    done_at, failed_at = T0 + timedelta(seconds=3), T0 + timedelta(seconds=4)
    with store.write() as tx:
        tx.settle_inbox(a.id, status=S.DONE, when=done_at)
        tx.settle_inbox(b.id, status=S.FAILED, when=failed_at, error="no such repository")
        with pytest.raises(KeyError):
            tx.settle_inbox(10**9, status=S.DONE, when=done_at)
    with store.read() as tx:
        settled_a, settled_b = tx.inbox_item(a.id), tx.inbox_item(b.id)
        assert tx.inbox_items(statuses=[S.PENDING]) == []
    assert settled_a is not None and settled_b is not None
    assert (settled_a.status, settled_a.processed_at, settled_a.error) == (S.DONE, done_at, None)
    assert (settled_b.status, settled_b.processed_at) == (S.FAILED, failed_at)
    assert settled_b.error == "no such repository"
    with store.write() as tx:  # retried and done: the error goes
        tx.settle_inbox(b.id, status=S.DONE, when=done_at)
    with store.read() as tx:
        final = tx.inbox_item(b.id)
    assert final is not None and final.error is None and final.status is S.DONE


def test_two_writers_of_one_delivery_make_one_row(store: SqlStore, db_url: str) -> None:
    """Two transactions (Store.write) delivering the same id at once: one stores it, the
    other is told it is a redelivery; no exception, one row. The first holds its transaction
    open until the second is waiting."""
    other = SqlStore.open(db_url)
    answers: dict[str, InboxItem | None] = {}
    errors: list[Exception] = []

    def second() -> None:
        try:
            with other.write() as tx:
                answers["second"] = receive(tx, "d-race")
        except Exception as exc:  # pragma: no cover - what the test is there to catch
            errors.append(exc)

    thread = threading.Thread(target=second)
    try:
        with store.write() as tx:
            answers["first"] = receive(tx, "d-race")
            thread.start()
            time.sleep(0.3)  # the second is waiting for the write lock (or the row's)
        thread.join(30)
    finally:
        other.close()
    assert not errors and not thread.is_alive()
    assert answers["first"] is not None and answers["second"] is None
    with store.read() as tx:
        assert [i.delivery_id for i in tx.inbox_items()] == ["d-race"]


def test_many_threads_deliver_the_same_id_at_once(store: SqlStore) -> None:
    start = threading.Barrier(8)
    results: list[InboxItem | None] = []
    errors: list[Exception] = []

    def deliver() -> None:
        try:
            start.wait(10)
            with store.write() as tx:
                results.append(receive(tx, "d-burst"))
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(r is not None for r in results) == 1 and len(results) == 8
    with store.read() as tx:
        assert len(tx.inbox_items()) == 1


def _deliver_in_process(url: str, delivery: str, barrier: Any, out: Any) -> None:
    store = SqlStore.open(url)
    try:
        barrier.wait(30)
        with store.write() as tx:
            got = receive(tx, delivery)
        out.put(got is not None)
    finally:
        store.close()


def test_two_processes_deliver_the_same_id_at_once(store: SqlStore, db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_deliver_in_process, args=(db_url, "d-procs", barrier, out))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert sorted([out.get(timeout=10), out.get(timeout=10)]) == [False, True]
    with store.read() as tx:
        assert [i.delivery_id for i in tx.inbox_items()] == ["d-procs"]


def test_the_savepoint_catches_the_unique_race(pg_url: str) -> None:
    """PostgreSQL: two transactions that do not take the store's write lock both find no row
    for the delivery and insert it; the second waits on the unique index, then fails there
    (its SAVEPOINT rolls back, not its transaction) and hears "a redelivery". SQLite cannot
    run two writers at once: its write transactions take the lock at BEGIN."""
    store = SqlStore.open(pg_url)
    answers: dict[str, InboxItem | None] = {}
    errors: list[Exception] = []

    def second() -> None:
        try:
            with Session(store.engine) as session, session.begin():
                tx = SqlTx(session)
                answers["second"] = receive(tx, "d-sp")
                # the transaction goes on after the failed insert
                answers["other"] = receive(tx, "d-after")
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    thread = threading.Thread(target=second)
    try:
        with Session(store.engine) as session, session.begin():
            answers["first"] = receive(SqlTx(session), "d-sp")
            thread.start()
            _wait_for_a_lock_wait(store)
        thread.join(30)
        assert not errors and not thread.is_alive()
        assert answers["first"] is not None and answers["second"] is None
        assert answers["other"] is not None
        with store.read() as tx:
            assert [i.delivery_id for i in tx.inbox_items()] == ["d-sp", "d-after"]
    finally:
        store.close()


def _wait_for_a_lock_wait(store: SqlStore) -> None:
    """Until another session of this database waits on a lock (the unique index's)."""
    deadline = time.monotonic() + 20
    with store.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited on the row")


# ----------------------------------------------------------------------------- sync state
def test_sync_state_put_get_update(store: SqlStore) -> None:
    with store.read() as tx:
        assert tx.sync_state("github", "acme/web") is None and tx.sync_states() == []
    reset = T0 + timedelta(hours=1)
    with store.write() as tx:
        fresh = tx.put_sync_state("github", "acme/web")
        tx.put_sync_state("jira", "acme.atlassian.net/WEB", last_sync_at=T0)
        tx.put_sync_state("github", "acme/api", etag='"e1"', data={"since": "2026-12-01"})
    assert fresh == SyncState(tracker="github", project="acme/web")
    with store.write() as tx:
        updated = tx.put_sync_state(
            "github",
            "acme/web",
            last_sync_at=T0,
            last_error="HTTP 502 from api.github.com",
            etag='W/"x"',
            rate_limit=5000,
            rate_remaining=4990,
            rate_reset_at=reset,
            data={"cursor": 3},
        )
        # a second put changes only what it names
        kept = tx.put_sync_state("github", "acme/web", last_error=None)
    assert updated.rate_remaining == 4990 and updated.rate_reset_at == reset
    assert kept.last_error is None and kept.etag == 'W/"x"' and kept.data == {"cursor": 3}
    with store.read() as tx:
        assert tx.sync_state("github", "acme/web") == kept
        assert tx.sync_state("github", "acme/nope") is None
        assert [(s.tracker, s.project) for s in tx.sync_states()] == [
            ("github", "acme/api"),
            ("github", "acme/web"),
            ("jira", "acme.atlassian.net/WEB"),
        ]
        assert [s.project for s in tx.sync_states("jira")] == ["acme.atlassian.net/WEB"]
        api = tx.sync_state("github", "acme/api")
    assert api is not None and api.etag == '"e1"' and api.data == {"since": "2026-12-01"}
    with store.write() as tx, pytest.raises(AttributeError, match="labels"):
        tx.put_sync_state("github", "acme/web", labels=["x"])
