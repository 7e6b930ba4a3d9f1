"""Shared helpers of the benchmarks: an isolated sandbox (HOME, XDG dirs, data directory, tmux
socket, config file), repository generation, the daemon as a subprocess, /proc sampling,
percentiles, tables and JSON results.

Everything a benchmark creates lives under one temporary folder and one private tmux socket;
`Sandbox.__exit__` stops what it started (daemons, the tmux server, helper processes) and
removes the folder, whatever happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
AGENT = BENCH_DIR / "agent.sh"
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

for path in (REPO_ROOT / "src", REPO_ROOT):  # cc_orchestrator, and tests.support's helpers
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from tests.support.wait import TimedOut as TimedOut  # noqa: E402  (needs the path above)
from tests.support.wait import wait_for as wait_for  # noqa: E402


# ---------------------------------------------------------------------------- processes
def run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    timeout: float = 600,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a program (argument list, never a shell string) and capture its output."""
    res = subprocess.run(  # noqa: S603 - argument list
        list(args),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        check=False,
    )
    if check and res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {res.returncode}: {res.stderr.strip()}")
    return res


def git(cwd: Path, *args: str) -> str:
    return run(["git", *args], cwd=cwd).stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------- /proc sampling
def proc_cpu_s(pid: int) -> tuple[float, float]:
    """(own user+system CPU seconds, CPU seconds of its reaped children) of a process."""
    with open(f"/proc/{pid}/stat") as fh:
        stat = fh.read()
    fields = stat[stat.rindex(")") + 2 :].split()
    # after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    own = (int(fields[11]) + int(fields[12])) / CLK_TCK
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return own, children


def proc_mem_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) in kB."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def tmux_server_pid(socket_name: str) -> int | None:
    res = run(["tmux", "-L", socket_name, "display-message", "-p", "#{pid}"], check=False)
    text = res.stdout.strip()
    return int(text) if text.isdigit() else None


def cpu_window(pids: dict[str, int], seconds: float) -> dict[str, dict[str, float]]:
    """CPU use of each process over a window, in % of one core (own, and own + children)."""
    start = {name: proc_cpu_s(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - t0
    out: dict[str, dict[str, float]] = {}
    for name, pid in pids.items():
        own, children = proc_cpu_s(pid)
        own0, children0 = start[name]
        out[name] = {
            "cpu_pct": round(100 * (own - own0) / elapsed, 2),
            "cpu_with_children_pct": round(
                100 * ((own - own0) + (children - children0)) / elapsed, 2
            ),
            "window_s": round(elapsed, 2),
        }
    return out


# ---------------------------------------------------------------------------- statistics
def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean of durations given in seconds, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
    }


# ---------------------------------------------------------------------------- output
def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def machine_info() -> dict[str, Any]:
    model = "?"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])

    def version(*args: str) -> str:
        try:
            return run(list(args), check=False).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    return {
        "nproc": os.cpu_count(),
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": model,
        "python": platform.python_version(),
        "git": version("git", "--version"),
        "tmux": version("tmux", "-V"),
        "sqlite": __import__("sqlite3").sqlite_version,
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
    }


def write_results(name: str, payload: dict[str, Any], *, quick: bool) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / (f"{name}.quick.json" if quick else f"{name}.json")
    head = run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, check=False).stdout.strip()
    dirty = run(["git", "status", "--porcelain", "src"], cwd=REPO_ROOT, check=False).stdout
    document = {
        "benchmark": name,
        "quick": quick,
        "src_commit": head + ("+dirty" if dirty.strip() else ""),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\nresults: {path}")
    return path


# ---------------------------------------------------------------------------- repositories
def make_repo(path: Path, *, files: int = 3000, seed: int = 7) -> Path:
    """A committed repository of `files` text files (~2 KB each) in nested folders."""
    rng = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "config",
        "handler",
        "request",
        "value",
        "result",
        "index",
        "buffer",
        "stream",
    ]
    for i in range(files):
        folder = path / "src" / f"pkg{i % 40:02d}" / f"sub{(i // 40) % 8}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f'"""Module {i}."""', ""]
        for j in range(rng.randint(30, 70)):
            a, b = rng.choice(words), rng.choice(words)
            lines.append(f"def {a}_{b}_{j}(x: int) -> int:\n    return x * {j} + {i}  # {a} {b}")
        (folder / f"mod{i:05d}.py").write_text("\n".join(lines) + "\n")
    (path / "README.md").write_text("benchmark repository\n")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    return path


def copy_repo(template: Path, dest: Path) -> Path:
    """An independent copy (its own .git), so every run starts from the same state."""
    shutil.copytree(template, dest, symlinks=True)
    return dest


# ---------------------------------------------------------------------------- the sandbox
def base_config(**sections: dict[str, Any]) -> dict[str, Any]:
    """The user config file of a sandbox: the shell agent as `claude`, no instance limit."""
    config: dict[str, Any] = {
        "instances": {
            "claude_path": str(AGENT),
            "max_running": 0,
            "restart": "never",
        },
        "logging": {"level": "warning"},
    }
    for key, value in sections.items():
        config.setdefault(key, {}).update(value)
    return config


class Sandbox:
    """An isolated world for one benchmark run, applied to os.environ while it is open.

    HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, CC_ORCH_DATA_DIR, TMUX_TMPDIR and
    CC_ORCH_TMUX__SOCKET point inside a fresh temporary folder; the user config file
    ($XDG_CONFIG_HOME/cc-orchestrator/config.yaml) is written from `config`. On exit every
    process it started is stopped, the tmux server on its socket is killed and the folder is
    removed.
    """

    def __init__(
        self, name: str, config: dict[str, Any] | None = None, *, root: Path | None = None
    ) -> None:
        self.name = name
        self.config = config if config is not None else base_config()
        self._given_root = root
        self.root = Path()
        self.socket = f"ccobench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.procs: list[subprocess.Popen[str]] = []
        self.cleanups: list[Callable[[], object]] = []
        self._saved_env: dict[str, str] | None = None

    # paths
    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def config_file(self) -> Path:
        return self.home / ".config" / "cc-orchestrator" / "config.yaml"

    def __enter__(self) -> Sandbox:
        if self._given_root is not None:
            self._given_root.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=f"cco-{self.name}-", dir=self._given_root))
        else:
            self.root = Path(tempfile.mkdtemp(prefix=f"cco-{self.name}-"))
        self.home.mkdir()
        (self.root / "tmux").mkdir()
        self.write_config(self.config)
        self._saved_env = dict(os.environ)
        for key in list(os.environ):
            if key.startswith("CC_ORCH_") or key in ("TMUX", "TMUX_PANE", "CCO_FAULT"):
                del os.environ[key]
        os.environ.update(
            {
                "HOME": str(self.home),
                "XDG_CONFIG_HOME": str(self.home / ".config"),
                "XDG_DATA_HOME": str(self.home / ".local" / "share"),
                "CC_ORCH_DATA_DIR": str(self.data_dir),
                "CC_ORCH_TMUX__SOCKET": self.socket,
                "TMUX_TMPDIR": str(self.root / "tmux"),
                "GIT_AUTHOR_NAME": "Bench",
                "GIT_AUTHOR_EMAIL": "bench@example.com",
                "GIT_COMMITTER_NAME": "Bench",
                "GIT_COMMITTER_EMAIL": "bench@example.com",
                "GIT_CONFIG_GLOBAL": str(self.home / ".gitconfig"),
                "GIT_CONFIG_NOSYSTEM": "1",
            }
        )
        return self

    def write_config(self, config: dict[str, Any]) -> None:
        self.config = config
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(yaml.safe_dump(config))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        for proc in self.procs:
            stop_process(proc)
        self.kill_tmux()
        if self._saved_env is not None:
            os.environ.clear()
            os.environ.update(self._saved_env)
        for _ in range(5):
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                break
            time.sleep(0.5)  # a process was still writing into it

    def kill_tmux(self, socket_name: str | None = None, *, wait_s: float = 10.0) -> None:
        """Kill the tmux server, then wait for its panes' processes to be gone (an agent such
        as Claude Code still writes its files as it exits)."""
        sock = socket_name or self.socket
        listed = run(["tmux", "-L", sock, "list-panes", "-a", "-F", "#{pane_pid}"], check=False)
        pids = [int(p) for p in listed.stdout.split() if p.isdigit()]
        run(["tmux", "-L", sock, "kill-server"], check=False)
        deadline = time.monotonic() + wait_s
        for pid in pids:
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.05)

    def tmux_sessions(self) -> list[str]:
        res = run(
            ["tmux", "-L", self.socket, "list-sessions", "-F", "#{session_name}"], check=False
        )
        return [s for s in res.stdout.split() if s]

    # the CLI and the daemon
    def cco(self, *args: str, check: bool = True, timeout: float = 300) -> str:
        res = run([PYTHON, "-m", "cc_orchestrator", *args], check=check, timeout=timeout)
        return res.stdout

    def start_daemon(
        self, *args: str, extra_env: dict[str, str] | None = None, log_name: str = "daemon"
    ) -> subprocess.Popen[str]:
        """`cco up ARGS` as a subprocess, its output in <root>/<log_name>.log."""
        log = open(self.root / f"{log_name}.log", "a")  # noqa: SIM115 - kept open by the child
        proc = subprocess.Popen(  # noqa: S603 - argument list
            [PYTHON, "-m", "cc_orchestrator", "up", *args],
            env={**os.environ, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def wait_daemon_ready(self, proc: subprocess.Popen[str], timeout: float = 60) -> None:
        """Until the daemon holds its lock and wrote its pid file (it has reconciled)."""
        pid_file = self.data_dir / "daemon.pid"

        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"the daemon exited with {proc.returncode}: {self.log_tail()}")
            return pid_file.exists() and pid_file.read_text().strip() == str(proc.pid)

        wait_for(ready, timeout=timeout, interval=0.05, what="the daemon to start")

    def log_tail(self, name: str = "daemon", lines: int = 20) -> str:
        path = self.root / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purpose
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def stop_process(proc: subprocess.Popen[str], timeout: float = 30) -> int | None:
    """SIGINT (what Ctrl-C sends), then SIGKILL if it does not stop in time."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


def kill9(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """with timer() as elapsed: ...; elapsed() in seconds (frozen at the end of the block)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def build_app() -> Any:
    """The orchestrator's App for the sandbox in os.environ (no log file)."""
    from cc_orchestrator.bootstrap import build_app as _build

    return _build(log_to_file=False)


def prompt_counts(app: Any, *, other: dict[str, int] | None = None) -> dict[str, int]:
    """Per task: UserPromptSubmit lines carrying the task's own prompt, across the events
    files of all its instances (what "the task ran" means). Other prompts (a "continue"
    after a restart, review feedback) are counted in `other` when given."""
    counts: dict[str, int] = {}
    with app.store.read() as tx:
        instances = tx.instances()
        prompts = {t.id: t.prompt for t in tx.tasks()}
    for inst in instances:
        if inst.task_id is None:
            continue
        path = app.instances.files(inst.id).events
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            if '"UserPromptSubmit"' not in line:
                continue
            try:
                text = json.loads(line)["event"].get("prompt")
            except (ValueError, KeyError, TypeError):
                continue
            if text == prompts.get(inst.task_id):
                counts[inst.task_id] = counts.get(inst.task_id, 0) + 1
            elif other is not None:
                other[inst.task_id] = other.get(inst.task_id, 0) + 1
    return counts


def replay_task_events(
    events: Sequence[Any], deps: Mapping[str, Sequence[str]], limit: int
) -> dict[str, int]:
    """Replay task.status events in commit order: peak running, limit and dependency
    violations (a task running before each of its dependencies reached review)."""
    running: set[str] = set()
    peak = 0
    over_limit = 0
    first_running: dict[str, int] = {}
    finished: dict[str, int] = {}
    for e in events:
        if e.kind != "task.status":
            continue
        status = e.data.get("status")
        if status in ("running", "needs_input"):
            running.add(e.entity_id)
            first_running.setdefault(e.entity_id, e.id)
        else:
            running.discard(e.entity_id)
        if status in ("review", "done"):
            finished.setdefault(e.entity_id, e.id)
        peak = max(peak, len(running))
        if limit and len(running) > limit:
            over_limit += 1
    dep_violations = 0
    for task_id, needed in deps.items():
        start = first_running.get(task_id)
        if start is None:
            continue
        for dep in needed:
            done = finished.get(dep)
            if done is None or done > start:
                dep_violations += 1
    return {
        "peak_running": peak,
        "limit_violations": over_limit,
        "dependency_violations": dep_violations,
        "tasks_started": len(first_running),
        "tasks_finished": len(finished),
    }


def all_events(app: Any) -> list[Any]:
    out: list[Any] = []
    after = 0
    while True:
        with app.store.read() as tx:
            batch = tx.events(after_id=after, limit=5000)
        if not batch:
            return out
        out += batch
        after = batch[-1].id


def api_headers() -> dict[str, str]:
    """The API's token for the sandbox in os.environ (the data directory's generated one, the
    same `cco up` uses): every request to the API needs it."""
    from cc_orchestrator.web.auth import load_or_create_token

    token = load_or_create_token(Path(os.environ["CC_ORCH_DATA_DIR"]))
    return {"authorization": f"Bearer {token}"}
