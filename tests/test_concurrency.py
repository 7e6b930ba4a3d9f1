"""Two real `cco` processes create worktrees and write rows at once, on a fresh database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import git


def test_parallel_processes_create_worktrees(repo: Path, data_dir: Path) -> None:
    per_process = 6
    script = (
        "import sys\n"
        "from cc_orchestrator.cli.main import main\n"
        "sys.argv = ['cco', 'worktrees', 'create', '--repo', sys.argv[1], sys.argv[2]]\n"
        "main()\n"
    )
    env = dict(os.environ)
    runners = []
    # Both loops start against a database that does not exist yet: migrations race too.
    for worker in range(2):
        loop = "; ".join(
            f'{sys.executable} -c "$S" {repo} w{worker}-{i} || echo FAIL {worker}-{i}'
            for i in range(per_process)
        )
        runners.append(
            subprocess.Popen(
                ["/bin/sh", "-c", loop],
                env={**env, "S": script},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [r.communicate(timeout=240) for r in runners]
    for out, err in outputs:
        assert "FAIL" not in out, err
        assert "locked" not in err.lower(), err
        assert "error" not in err.lower(), err

    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "cc_orchestrator", "worktrees", "list", "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    names = sorted(w["name"] for w in listed)
    assert names == sorted(f"w{w}-{i}" for w in range(2) for i in range(per_process))
    paths = {Path(w["path"]) for w in listed}
    assert all(p.is_dir() for p in paths)
    out = git(repo, "worktree", "list", "--porcelain")
    assert len([line for line in out.splitlines() if line.startswith("worktree ")]) == 13
    assert data_dir.joinpath("state.db").exists()
