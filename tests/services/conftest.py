"""Fixtures of the service tests: the fake GitHub on a bare remote of the test repository."""

from tests.support.github_flow import apps, github  # noqa: F401 (fixtures)
