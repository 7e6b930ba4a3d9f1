"""The ``jira`` fixture: a fresh FakeJira per test (basic auth: ``jira.email`` and
``jira.token`` at ``jira.api_url``; its site, for browse URLs, is ``jira.url``), failing the
test at teardown on any request or answer that disagrees with Jira's description (a test that
provokes one takes it with ``jira.take_violations()``).

``make_fake_jira(auth="bearer")`` is the same with an OAuth token, for a test of its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

import pytest

if TYPE_CHECKING:  # imported when used: every test session may load this module (conftest.py)
    from tests.support.fake_jira import FakeJira


def require_spec() -> None:
    from tests.support import jira_spec

    reason = jira_spec.missing()
    if reason is not None:
        pytest.fail(reason)  # the vendored copy is in the repository: never silently skipped


@contextmanager
def make_fake_jira(auth: Literal["basic", "bearer"] = "basic") -> Iterator[FakeJira]:
    """A started FakeJira; at the end, a failure listing any violation left."""
    require_spec()
    from tests.support.fake_jira import FakeJira

    with FakeJira(auth=auth) as fake:
        yield fake
        left = fake.take_violations()
    if left:
        pytest.fail("the fake Jira saw what Jira's description does not allow:\n" + "\n".join(left))


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with make_fake_jira() as fake:
        yield fake
