"""The ``fake_github`` fixture: a FakeGitHub on a fresh bare repository (``main`` with one
commit), failing the test at teardown on any request, answer or webhook that disagrees with
GitHub's description (a test that provokes one takes it with ``take_violations()``)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import github_spec
from tests.support.fake_github import FakeGitHub


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def make_bare_repo(where: Path, files: dict[str, str] | None = None) -> Path:
    """A bare repository at where/remote.git whose ``main`` has one commit of these files."""
    bare = where / "remote.git"
    seed = where / "remote-seed"
    bare.parent.mkdir(parents=True, exist_ok=True)
    _git(where, "init", "-q", "--bare", "-b", "main", str(bare))
    _git(where, "init", "-q", "-b", "main", str(seed))
    for name, content in (files or {"README.md": "hello\n"}).items():
        (seed / name).parent.mkdir(parents=True, exist_ok=True)
        (seed / name).write_text(content)
    _git(seed, "add", "-A")
    _git(seed, "-c", "user.name=Test", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    _git(seed, "push", "-q", str(bare), "main")
    return bare


def skip_without_specs() -> None:
    reason = github_spec.missing()
    if reason is not None and not github_spec.required():
        pytest.skip(reason)


@pytest.fixture
def fake_github(tmp_path: Path) -> Iterator[FakeGitHub]:
    skip_without_specs()
    with FakeGitHub(make_bare_repo(tmp_path)) as fake:
        yield fake
        fake.hooks.wait(10)
        left = fake.take_violations()
    if left:
        pytest.fail(
            "the fake GitHub saw what GitHub's description does not allow:\n" + "\n".join(left)
        )
