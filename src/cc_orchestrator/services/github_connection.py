"""`cco github status` and GET /api/github/status: how cco is connected to GitHub.

The API root, where the credentials come from (a label, never the value), who they act as,
the rate limit left, and per registered repository: the GitHub repository it is (github.repository
of its project file, else its remote's URL), whether it syncs, its last sync and its open pull
requests. GitHub unreachable or refusing: the status says so in `error` (and `hint`) and shows
the rest; nothing here raises for GitHub's sake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.github import GitHubError, GitHubUnavailable, RepoRef
from cc_orchestrator.domain.github_remote import repo_from_remote, web_host
from cc_orchestrator.domain.links import PullState
from cc_orchestrator.logs import redact_text
from cc_orchestrator.ports import Store
from cc_orchestrator.ports_github import GitHubApi, GitRemote

TRACKER = "github"


@runtime_checkable
class CredentialSource(Protocol):
    """A GitHubApi that can say where its credentials come from (adapters/github does)."""

    def credential_source(self) -> str: ...


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _error(exc: CcoError) -> dict[str, Any]:
    """An error as the status shows it (GitHubUnavailable's hint, "it is retried later", is
    the outbox's, not the status's: left out)."""
    hint = exc.hint if exc.hint and not isinstance(exc, GitHubUnavailable) else None
    return {
        "error": redact_text(exc.message),
        "hint": redact_text(hint) if hint else None,
        "retry_after_s": getattr(exc, "retry_after_s", None),
        "unavailable": isinstance(exc, GitHubUnavailable),
    }


class GitHubConnection:
    def __init__(
        self,
        store: Store,
        api_factory: Callable[[], GitHubApi],
        settings: GithubConfig,
        vcs: GitRemote,
        *,
        repo_settings: Callable[[Path], GithubConfig] | None = None,
    ) -> None:
        self.store = store
        self.api_factory = api_factory
        self.settings = settings
        self.vcs = vcs
        self.repo_settings = repo_settings or (lambda _root: settings)

    def status(self, repo_paths: Sequence[Path] | None = None) -> dict[str, Any]:
        """The connection and each registered repository (or only those of repo_paths)."""
        out: dict[str, Any] = {
            "api_url": self.settings.api_url,
            "host": web_host(self.settings.api_url),
            "credentials": None,
            "login": None,
            "connected": False,
            "rate_limit": None,
            "rate_limit_error": None,
            "error": None,
            "hint": None,
            "retry_after_s": None,
            "unavailable": False,
        }
        try:
            api = self.api_factory()
            if isinstance(api, CredentialSource):
                out["credentials"] = api.credential_source()
            out["login"] = api.whoami()
            out["connected"] = True
        except GitHubError as exc:
            out.update(_error(exc))
        if out["connected"]:
            try:
                limit = api.rate_limit()
                out["rate_limit"] = {
                    "limit": limit.limit,
                    "remaining": limit.remaining,
                    "reset_at": _iso(limit.reset_at),
                }
            except GitHubError as exc:
                out["rate_limit_error"] = redact_text(exc.message)
        out["repositories"] = self._repositories(repo_paths)
        return out

    def _repositories(self, repo_paths: Sequence[Path] | None) -> list[dict[str, Any]]:
        with self.store.read() as tx:
            repos = tx.repos()
            syncs = {s.project: s for s in tx.sync_states(TRACKER)}
            open_prs = tx.pull_requests(states=[PullState.OPEN])
        if repo_paths is not None:
            wanted = {p.resolve() for p in repo_paths}
            repos = [r for r in repos if r.path.resolve() in wanted]
        found = []
        for repo in sorted(repos, key=lambda r: r.name):
            entry: dict[str, Any] = {
                "name": repo.name,
                "path": str(repo.path),
                "repository": None,
                "resolved_from": None,
                "remote": None,
                "sync": False,
                "pull_requests": False,
                "last_sync_at": None,
                "last_sync_error": None,
                "open_pull_requests": 0,
                "error": None,
            }
            try:
                settings = self.repo_settings(repo.path)
                entry["remote"] = settings.remote
                entry["sync"] = settings.sync
                entry["pull_requests"] = settings.pull_requests
                ref, entry["resolved_from"], problem = self._resolve(repo.path, settings)
            except CcoError as exc:  # its project file does not load, git fails there
                ref, problem = None, redact_text(str(exc))
            if ref is None:
                entry["error"] = problem
            else:
                entry["repository"] = ref.full_name
                sync = syncs.get(ref.full_name)
                if sync is not None:
                    entry["last_sync_at"] = _iso(sync.last_sync_at)
                    entry["last_sync_error"] = (
                        redact_text(sync.last_error) if sync.last_error else None
                    )
                entry["open_pull_requests"] = sum(
                    1 for pr in open_prs if pr.repo.lower() == ref.full_name.lower()
                )
            found.append(entry)
        return found

    def _resolve(
        self, root: Path, settings: GithubConfig
    ) -> tuple[RepoRef | None, str | None, str | None]:
        """The GitHub repository (github.repository, else the remote's URL), what said so,
        and why there is none."""
        if settings.repository:
            return RepoRef.parse(settings.repository), "settings", None
        if not root.is_dir():
            return None, None, f"{root} is gone"
        url = self.vcs.remote_url(root, settings.remote)
        if url is None:
            why = (
                f"it has no git remote {settings.remote!r} (set github.remote or github.repository)"
            )
            return None, None, why
        host = web_host(self.settings.api_url)
        ref = repo_from_remote(url, host)
        if ref is None:
            why = (
                f"its remote {settings.remote!r} is not a repository on {host} "
                "(set github.repository in its project file)"
            )
            return None, None, why
        return ref, f"remote {settings.remote}", None
