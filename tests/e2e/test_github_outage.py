"""GitHub down for a minute in the middle of a run of the real daemon (`cco up --no-web`, the
fake claude CLI as the agents): the scheduler keeps going (the tasks reach review while GitHub
refuses every connection, then while it answers 500s and a rate limit), and once it is back
every status, push and pull request arrives, none twice."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from cc_orchestrator.bootstrap import build_app
from cc_orchestrator.config import user_config_file
from cc_orchestrator.domain.links import PullState
from cc_orchestrator.domain.outbox import DeliveryStatus
from tests.support.fake_github import FakeGitHub
from tests.support.github_flow import configure, pull_of
from tests.support.notify_drill import Daemon
from tests.support.wait import wait_for

DOWN_S = 60
TASKS = 3


def test_github_down_for_a_minute_delays_but_loses_and_repeats_nothing(
    fake_claude: Path, github: FakeGitHub, repo: Path, tmp_path: Path
) -> None:
    configure(github, repo, pull_requests=True, open_pr_at="review")
    path = user_config_file()
    settings = json.loads(path.read_text())
    settings["github"]["poll_s"] = 1
    settings["notifications"] = {"retry_initial_s": 1, "retry_max_s": 4}
    path.write_text(json.dumps(settings))
    app = build_app(log_to_file=False)
    try:
        numbers = [
            github.add_issue(f"Task {i}", f"sleep 2\nwrite out{i}.txt {i}", labels=["cco"])
            for i in range(TASKS)
        ]
        made = dict(app.tracker_sync.sync(repo).created)
        assert sorted(made) == numbers
        with Daemon(tmp_path) as daemon:
            daemon.start()
            wait_for(
                lambda: all(app.tasks.get(t).status.value == "running" for t in made.values()),
                timeout=60,
                what="every task running",
            )
            github.down()
            went_down, down_at = time.monotonic(), datetime.now(UTC)
            # the scheduler goes on: every task reaches review while GitHub is unreachable
            wait_for(
                lambda: all(app.tasks.get(t).status.value == "review" for t in made.values()),
                timeout=DOWN_S - 5,
                what="every task in review with GitHub down",
            )
            wait_for(
                lambda: all(
                    (p := pull_of(app, t)) is not None and p.state is PullState.OPENING
                    for t in made.values()
                ),
                timeout=10,
                what="every pull request's intent recorded",
            )
            waiting = [
                d
                for d in app.notifications.deliveries(limit=1000)
                if d.subscriber == "github" and d.created_at >= down_at
            ]
            assert waiting and all(d.status is DeliveryStatus.PENDING for d in waiting)
            tried = [d for d in app.notifications.deliveries(limit=1000) if d.attempts]
            assert any("refused" in (d.last_error or "") for d in tried), tried  # and kept
            left = DOWN_S - (time.monotonic() - went_down)
            time.sleep(max(0.0, left - 20))
            github.up()
            github.fail_next(5, status=500)  # back, but shaky
            github.rate_limited(8, status=429)
            time.sleep(max(0.0, DOWN_S - (time.monotonic() - went_down)))
            wait_for(
                lambda: all(
                    (p := pull_of(app, t)) is not None and p.state is PullState.OPEN
                    for t in made.values()
                ),
                timeout=90,
                what="every pull request open",
            )

            def settled() -> bool:
                found = [
                    d for d in app.notifications.deliveries(limit=1000) if d.subscriber == "github"
                ]
                return all(d.status is DeliveryStatus.SENT for d in found)

            wait_for(settled, timeout=60, what="every GitHub delivery sent")
            for number in numbers:
                wait_for(
                    lambda n=number: "cco:review" in github.issue(n).labels,
                    timeout=30,
                    what=f"#{number} labelled",
                )
        pulls = [i for i in github.state.issues.values() if i.pull is not None]
        assert len(pulls) == TASKS  # none twice
        for number in numbers:
            said = [c for c in github.state.comments.values() if c.issue == number]
            assert len(said) == 1, [c.body for c in said]
            assert "ready for review" in said[0].body
        failed = app.notifications.deliveries(status=DeliveryStatus.FAILED)
        assert failed == []
    finally:
        app.close()
