"""The ``fake_github`` fixture: a FakeGitHub on a fresh bare repository (``main`` with one
commit), failing the test at teardown on any request, answer or webhook that disagrees with
GitHub's description (a test that provokes one takes it with ``take_violations()``)."""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported when used: every test session loads this module (conftest.py)
    from tests.support.fake_github import FakeGitHub

_TEMPLATES: dict[tuple[tuple[str, str], ...], Path] = {}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def _seed(bare: Path, files: dict[str, str]) -> None:
    seed = bare.parent / "seed"
    _git(bare.parent, "init", "-q", "--bare", "-b", "main", str(bare))
    _git(bare.parent, "init", "-q", "-b", "main", str(seed))
    for name, content in files.items():
        (seed / name).parent.mkdir(parents=True, exist_ok=True)
        (seed / name).write_text(content)
    _git(seed, "add", "-A")
    _git(seed, "-c", "user.name=Test", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    _git(seed, "push", "-q", str(bare), "main")


def make_bare_repo(where: Path, files: dict[str, str] | None = None) -> Path:
    """A bare repository at where/remote.git whose ``main`` has one commit of these files (a
    copy of one made once a process for these files: git runs nothing per test)."""
    key = tuple(sorted((files or {"README.md": "hello\n"}).items()))
    template = _TEMPLATES.get(key)
    if template is None or not template.is_dir():
        template = Path(tempfile.mkdtemp(prefix="fake-github-template-")) / "remote.git"
        atexit.register(shutil.rmtree, template.parent, True)
        _seed(template, dict(key))
        _TEMPLATES[key] = template
    bare = where / "remote.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, bare, symlinks=True)
    return bare


def skip_without_specs() -> None:
    from tests.support import github_spec

    reason = github_spec.missing()
    if reason is not None and not github_spec.required():
        pytest.skip(reason)


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    skip_without_specs()
    from tests.support.fake_github import FakeGitHub

    with FakeGitHub(make_bare_repo(tmp_path)) as fake:
        yield fake
        fake.hooks.wait(10)
        left = fake.take_violations()
    if left:
        pytest.fail(
            "the fake GitHub saw what GitHub's description does not allow:\n" + "\n".join(left)
        )


class HookCatcher:
    """A webhook receiver on 127.0.0.1 that keeps what the fake GitHub sends it (and answers
    ``status``), to hand to ``FakeGitHub.hook(catcher.url, secret)``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                catcher.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(catcher.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/github"

    def events(self) -> list[tuple[str, str]]:
        """(X-GitHub-Event, action) of every delivery so far, in order."""
        return [
            (h["x-github-event"], json.loads(raw).get("action", "")) for h, raw in self.received
        ]

    def payloads(self, event: str, action: str) -> list[dict[str, Any]]:
        return [
            json.loads(raw)
            for h, raw in self.received
            if h["x-github-event"] == event and json.loads(raw).get("action") == action
        ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def hook_catcher() -> Iterator[HookCatcher]:
    catcher = HookCatcher()
    yield catcher
    catcher.close()
