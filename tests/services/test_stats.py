"""`cco stats`, /api/stats and /metrics on a real fleet (the fake claude agent in tmux): each
figure against sums computed here independently, from the events and the instances' rows."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cc_orchestrator.bootstrap import App, build_app
from tests.conftest import Cco, make_repo, wait_for
from tests.web.conftest import api_client

N = 8


@pytest.fixture
def app(fake_claude: Path) -> Iterator[App]:
    app = build_app(log_to_file=False)
    yield app
    app.close()


def _settle(app: App, ids: list[str], status: str) -> None:
    def there() -> bool:
        app.tasks.tick()
        return all(app.tasks.get(i).status.value == status for i in ids)

    wait_for(there, timeout=120, interval=0.1, what=f"the tasks to reach {status}")


@pytest.fixture
def fleet(app: App, repo: Path, tmp_path: Path) -> list[str]:
    """N tasks at different costs run to review; one rejected and run again, one approved,
    one cancelled before it ran; a second repository with one task."""
    ids = [
        app.tasks.add(
            title=f"t{n}", prompt=f"cost {0.01 * (n + 1):.2f}; write f{n}.txt {n}", repo=repo
        ).id
        for n in range(N)
    ]
    other = make_repo(tmp_path / "other")
    ids.append(app.tasks.add(title="elsewhere", prompt="write g.txt g", repo=other).id)
    _settle(app, ids, "review")
    app.tasks.reject(ids[0], "again, please")
    _settle(app, ids, "review")
    app.tasks.approve(ids[1])
    cancelled = app.tasks.add(title="never ran", prompt="x", repo=repo, depends_on=[ids[2]])
    app.tasks.cancel(cancelled.id)
    return [*ids, cancelled.id]


def _independent(app: App) -> dict[str, dict[str, float]]:
    """Per task, from the rows and the task.status events, computed without the service."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with app.store.read() as tx:
        for inst in tx.instances(statuses=None):
            if inst.task_id:
                row = out[inst.task_id]
                row["cost"] += inst.cost_usd
                row["tokens"] += inst.input_tokens + inst.output_tokens
                row["turns"] += inst.turns
        changes = [
            e for e in tx.events(limit=100_000, entity_types=["task"]) if e.kind == "task.status"
        ]
    last: dict[str, tuple[str, object]] = {}
    for event in changes:
        task = event.entity_id
        if task in last:
            status, since = last[task]
            if status == "running":
                out[task]["active"] += (event.ts - since).total_seconds()  # type: ignore[operator]
        if event.data["previous"] == "review" and event.data["status"] == "running":
            out[task]["rejects"] += 1
        last[task] = (event.data["status"], event.ts)
    return out


def test_stats_agree_with_sums_from_the_events_and_rows(
    app: App, fleet: list[str], cco: Cco
) -> None:
    found = app.stats.report()
    mine = _independent(app)
    by_id = {t.id: t for t in found.tasks}
    assert set(by_id) == set(fleet)
    for task_id, row in mine.items():
        t = by_id[task_id]
        assert t.cost_usd == pytest.approx(row["cost"])
        assert t.input_tokens + t.output_tokens == row["tokens"]
        assert t.turns == row["turns"]
        assert t.active_s == pytest.approx(row["active"], abs=0.01)
        assert t.rejects == row["rejects"]
    totals = found.totals
    assert totals.tasks == N + 2
    assert totals.cost_usd == pytest.approx(sum(r["cost"] for r in mine.values()))
    assert totals.cost_usd > 0 and totals.turns > 0
    assert totals.rejects == 1 and totals.rejected_tasks == 1
    assert totals.done == 1 and totals.success_rate == 1.0
    assert totals.reject_rate == pytest.approx(1 / (N + 1))
    for groups in (found.by_repo, found.by_agent, found.by_day):
        assert sum(g.tasks for g in groups) == totals.tasks
        assert sum(g.cost_usd for g in groups) == pytest.approx(totals.cost_usd)
    assert len(found.by_repo) == 2
    assert found.costliest[0].cost_usd == max(t.cost_usd for t in found.tasks)
    assert found.slowest[0].wall_s == max(t.wall_s for t in found.tasks)
    # the same from the CLI, and filtered (the first run tightens what the app made 0755)
    table = cco("stats").output
    assert "by repo" in table and "slowest" in table and "100%" in table
    cli = json.loads(cco("stats", "--json").output)
    assert cli["totals"]["tasks"] == N + 2
    assert cli["totals"]["cost_usd"] == pytest.approx(totals.cost_usd)
    repo = found.by_repo[-1].key if found.by_repo[0].key.endswith("other") else found.by_repo[0].key
    one = json.loads(cco("stats", "--repo", repo, "--json").output)
    assert one["totals"]["tasks"] == N + 1
    assert json.loads(cco("stats", "--agent", "codex", "--json").output)["totals"]["tasks"] == 0
    assert "no tasks in that selection" in cco("stats", "--since", "1m", "--agent", "x").output
    bad = cco("stats", "--since", "yesterday", ok=False)
    assert bad.exit_code == 2 and "neither a duration nor a date" in bad.output


def test_the_api_and_metrics(app: App, fleet: list[str]) -> None:
    with api_client(app) as client:
        body = client.get("/api/stats").json()
        assert body["totals"]["tasks"] == N + 2
        assert client.get("/api/stats", params={"since": "not a date"}).status_code == 422
        scraped = client.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain; version=0.0.4")
        families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    tasks = {s.labels["status"]: s.value for s in families["cco_tasks"].samples}
    assert tasks == {"review": N, "done": 1, "cancelled": 1}
    cost = sum(s.value for s in families["cco_cost_usd"].samples)
    assert cost == pytest.approx(body["totals"]["cost_usd"])
    assert {s.labels["direction"] for s in families["cco_tokens"].samples} == {"input", "output"}
    assert "cco_backup_age_seconds" in families
    from fastapi.testclient import TestClient

    from cc_orchestrator.web.app import create_app

    with TestClient(create_app(app), base_url="http://127.0.0.1:8080") as stranger:
        assert stranger.get("/metrics").status_code == 401
