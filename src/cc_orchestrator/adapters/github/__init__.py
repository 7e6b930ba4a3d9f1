"""GitHub: the REST API through githubkit (client.py), where its credentials come from
(auth.py), what a failure means (errors.py), GitHub's JSON into cco's records (mapping.py).

githubkit is imported only when a client is made (make_github): importing it costs ~0.7 s,
which no command that does not talk to GitHub should pay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cc_orchestrator.config_github import GithubConfig

if TYPE_CHECKING:
    from cc_orchestrator.adapters.github.client import GitHubClient


def make_github(settings: GithubConfig) -> GitHubClient:
    """A client for these settings; lazy: no network, no `gh` and no key read until its
    first request."""
    from cc_orchestrator.adapters.github.client import GitHubClient

    return GitHubClient(settings)
