"""Which GitHub repository a local repository is, and its `github` settings (its project
file applies). Shared by the GitHub services."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from cc_orchestrator.config import GithubConfig
from cc_orchestrator.domain.errors import CcoError, InvalidInput
from cc_orchestrator.domain.github import RepoRef
from cc_orchestrator.domain.github_remote import repo_from_remote, web_host
from cc_orchestrator.ports_github import GitHubApi, GitRemote

CHANNEL_MAX = 64  # deliveries.channel


def channel_of(repo: str) -> str:
    """The outbox channel of a GitHub repository (its updates go in order)."""
    name = f"github:{repo}"
    if len(name) <= CHANNEL_MAX:
        return name
    digest = hashlib.sha256(repo.encode()).hexdigest()[:10]
    return f"{name[: CHANNEL_MAX - 11]}~{digest}"


class GitHubRepos:
    def __init__(
        self,
        *,
        settings_for: Callable[[Path], GithubConfig],
        remote: GitRemote,
        api: Callable[[], GitHubApi],
        defaults: GithubConfig,
    ) -> None:
        self.settings_for = settings_for
        self.remote = remote
        self._api = api
        self.defaults = defaults  # the user's settings: the connection

    def api(self) -> GitHubApi:
        return self._api()

    def settings(self, root: Path | None) -> GithubConfig:
        if root is None:
            return self.defaults
        try:
            return self.settings_for(root)
        except CcoError:
            return self.defaults  # a project file gone bad: its own commands say why

    def ref(self, root: Path) -> RepoRef | None:
        """github.repository, else the remote's URL when it is on this GitHub's host."""
        cfg = self.settings(root)
        if cfg.repository:
            return RepoRef.parse(cfg.repository)
        url = self.remote.remote_url(root, cfg.remote)
        return repo_from_remote(url, web_host(cfg.api_url)) if url else None

    def need_ref(self, root: Path) -> RepoRef:
        ref = self.ref(root)
        if ref is None:
            raise InvalidInput(
                f"{root} is not a GitHub repository that cco can tell",
                hint="set github.repository: owner/name in its .cc-orchestrator.yaml "
                "(or github.remote to the remote that is on GitHub)",
            )
        return ref
