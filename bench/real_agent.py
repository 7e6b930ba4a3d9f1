"""10 real Claude Code instances through the orchestrator vs the same 10 started by a plain
shell script, against a scripted fake model server; the wall-time ratio (goal <= 1.1).

    .venv/bin/python bench/real_agent.py [--quick] [--instances 10] [--repeat 2]

The CLI is the pinned real one (tests/support/claude_cli.py: find_real_claude, bundled in the
claude-agent-sdk wheel), in an isolated config (isolated_claude_env: onboarding done, the
repository trusted, the fake API key approved), talking to tests/support/fake_anthropic.py on
127.0.0.1, which is scripted so that each instance's turn writes one file.

  baseline      a shell loop: git worktree add + tmux new-session running claude with the same
                flags cco uses (--permission-mode acceptEdits, --settings with cco's hooks and
                status line, --session-id, the prompt), on its own tmux socket
  orchestrator  App.instances.spawn, one after the other, with `cco up --no-web` watching

Both are timed by the same observer, from the first command until every instance has written
its file and fired its Stop hook. For the orchestrator, the time until the daemon had recorded
every instance as idle with its turn counted is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import common
from common import Sandbox

sys.path.insert(0, str(common.REPO_ROOT))

from tests.support.claude_cli import find_real_claude, isolated_claude_env
from tests.support.fake_anthropic import FakeAnthropic

PROMPT = "Please write the file you are asked to write."


BASELINE_SH = r"""
set -e
repo=$1; n=$2; wtroot=$3; files=$4; sock=$5; claude=$6; settings=$7; prompt=$8
i=0
while [ "$i" -lt "$n" ]; do
    git -C "$repo" worktree add -q --no-track -b "bench/w$i" "$wtroot/w$i" HEAD
    mkdir -p "$files/$i"
    tmux -L "$sock" new-session -d -s "bench-$i" -x 200 -y 50 -c "$wtroot/w$i" \
        -e "CCO_EVENTS_FILE=$files/$i/events.jsonl" -e "CCO_STATUS_FILE=$files/$i/status.json" \
        -e "CCO_INSTANCE_ID=b$i" \
        -- "$claude" --permission-mode acceptEdits --settings "$settings" \
        --session-id "$(cat /proc/sys/kernel/random/uuid)" -- "$prompt"
    i=$((i + 1))
done
"""


def apply_claude_env(sb: Sandbox, fake: FakeAnthropic, repo: Path) -> None:
    env = isolated_claude_env(sb.root / "claude", fake.url, [repo])
    for key, value in env.items():
        if key not in ("PATH", "HOME", "USER", "LOGNAME", "SHELL"):
            os.environ[key] = value


def script(fake: FakeAnthropic, n: int, run: str) -> None:
    for i in range(n):
        fake.script_write_file(f"out-{run}-{i}.txt", f"written in {run} by step {i}\n")


def done(events: Path, folder: Path) -> bool:
    try:
        stopped = '"Stop"' in events.read_text()
    except FileNotFoundError:
        return False
    return stopped and any(folder.glob("out-*.txt"))


def run_baseline(template: Path, fake: FakeAnthropic, claude: str, n: int) -> dict[str, Any]:
    from cc_orchestrator.adapters.claude import hook_settings

    with Sandbox("real-baseline") as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        apply_claude_env(sb, fake, repo)
        script(fake, n, "baseline")
        sh = sb.root / "baseline.sh"
        sh.write_text(BASELINE_SH)
        (sb.root / "wt").mkdir()
        settings = json.dumps(hook_settings(), separators=(",", ":"))
        start = time.monotonic()
        common.run(
            [
                "sh",
                str(sh),
                str(repo),
                str(n),
                str(sb.root / "wt"),
                str(sb.root / "files"),
                sb.socket,
                claude,
                settings,
                PROMPT,
            ]
        )
        launched = time.monotonic() - start
        common.wait_for(
            lambda: all(
                done(sb.root / "files" / str(i) / "events.jsonl", sb.root / "wt" / f"w{i}")
                for i in range(n)
            ),
            timeout=300,
            interval=0.05,
            what="the baseline's agents",
        )
        wall = time.monotonic() - start
        return {"wall_s": round(wall, 2), "launched_s": round(launched, 2)}


def run_orchestrator(template: Path, fake: FakeAnthropic, claude: str, n: int) -> dict[str, Any]:
    config = common.base_config(instances={"claude_path": claude, "monitor_interval_s": 0.5})
    with Sandbox("real-orchestrator", config) as sb:
        repo = common.copy_repo(template, sb.root / "repo")
        apply_claude_env(sb, fake, repo)
        script(fake, n, "orchestrator")
        app = common.build_app()
        sb.cleanups.append(app.close)
        app.store  # noqa: B018 - the database exists before the clock starts, as a user's does
        daemon = sb.start_daemon("--no-web")
        sb.wait_daemon_ready(daemon)
        start = time.monotonic()
        instances = [app.instances.spawn(repo=repo, prompt=PROMPT) for _ in range(n)]
        launched = time.monotonic() - start
        # find(): any state, since the daemon may have undone one (see "killed" below)
        paths = {i.id: app.worktrees.find(i.worktree_plan or "") for i in instances}
        killed: set[str] = set()

        def all_done() -> bool:
            for i in instances:
                wt = paths[i.id]
                if i.id in killed or (
                    wt is not None and done(app.instances.files(i.id).events, wt.path)
                ):
                    continue
                current = app.instances.get(i.id)
                if current.status.value == "failed":
                    killed.add(i.id)  # a race in the daemon's look: reported, not waited for
                    continue
                return False
            return True

        common.wait_for(all_done, timeout=300, interval=0.05, what="the orchestrator's agents")
        wall = time.monotonic() - start

        def known() -> bool:
            with app.store.read() as tx:
                rows = [tx.instance(i.id) for i in instances]
            return all(
                r is not None and (r.id in killed or (r.status.value == "idle" and r.turns >= 1))
                for r in rows
            )

        common.wait_for(known, timeout=60, interval=0.05, what="the daemon to see them idle")
        seen = time.monotonic() - start
        with app.store.read() as tx:
            dialogs = sum(1 for e in tx.events(limit=100_000) if e.kind == "instance.dialog")
        common.stop_process(daemon)
        return {
            "wall_s": round(wall, 2),
            "launched_s": round(launched, 2),
            "daemon_saw_all_idle_s": round(seen, 2),
            "dialogs_answered": dialogs,
            "failed_by_daemon": len(killed),
            "failed_reasons": sorted({str(app.instances.get(k).status_reason) for k in killed}),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 instances, one repeat")
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    n = 3 if args.quick else args.instances
    repeat = 1 if args.quick else args.repeat
    claude = find_real_claude()
    if claude is None:
        sys.exit("the pinned Claude Code CLI is not installed (pip install claude-agent-sdk)")
    results: dict[str, Any] = {"instances": n, "claude": claude, "runs": []}
    saved = dict(os.environ)
    try:
        with Sandbox("real-template") as tsb, FakeAnthropic() as fake:
            template = common.make_repo(tsb.root / "repo", files=200)
            times: dict[str, list[float]] = {"baseline": [], "orchestrator": []}
            for r in range(repeat):
                order = ["baseline", "orchestrator"]
                for way in order if r % 2 == 0 else reversed(order):
                    if way == "baseline":
                        out = run_baseline(template, fake, claude, n)
                    else:
                        out = run_orchestrator(template, fake, claude, n)
                    if not out.get("failed_by_daemon"):
                        times[way].append(out["wall_s"])
                    results["runs"].append({"way": way, "repeat": r, **out})
                    print(f"  {way:13} {json.dumps(out)}", flush=True)
            results["fake_model_calls"] = len(fake.calls)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if not times["orchestrator"]:  # every run lost instances to the race: time them anyway
        times["orchestrator"] = [r["wall_s"] for r in results["runs"] if r["way"] == "orchestrator"]
    base = statistics.median(times["baseline"])
    orch = statistics.median(times["orchestrator"])
    ratio = orch / base
    results.update(
        {
            "baseline_wall_s": base,
            "orchestrator_wall_s": orch,
            "ratio": round(ratio, 3),
            "goal_ratio_below_1_1": ratio <= 1.1,
        }
    )
    rows = [
        ["baseline (shell + tmux)", n, base, 1.0],
        ["orchestrator (spawn + daemon)", n, orch, round(ratio, 3)],
    ]
    common.print_table(
        "real Claude Code instances against a scripted fake model: wall time until every "
        "file is written and every turn ended",
        ["way", "instances", "median wall s", "ratio"],
        rows,
    )
    common.write_results("real_agent", results, quick=args.quick)


if __name__ == "__main__":
    main()
