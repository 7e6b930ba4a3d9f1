"""`cco jira status` and GET /api/jira/status: how cco is connected to Jira Cloud.

The site, the REST API's root, where the credentials come from (a label, never the value),
the account they act as, and per registered repository whose effective settings have a
jira.jql: its JQL, whether it syncs, its last sync and last error. Jira unreachable or
refusing (or no site set): the status says so in `error` (and `hint`) and shows the rest;
nothing here raises for Jira's sake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.jira import JiraUnavailable, sync_project
from cc_orchestrator.logs import redact_text
from cc_orchestrator.ports import Store
from cc_orchestrator.ports_jira import JiraApi

TRACKER = "jira"


@runtime_checkable
class CredentialSource(Protocol):
    """A JiraApi that can say where its credentials come from (adapters/jira does)."""

    def credential_source(self) -> str: ...


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _error(exc: CcoError) -> dict[str, Any]:
    """An error as the status shows it (JiraUnavailable's hint, "it is retried later", is the
    outbox's, not the status's: left out)."""
    hint = exc.hint if exc.hint and not isinstance(exc, JiraUnavailable) else None
    return {
        "error": redact_text(exc.message),
        "hint": redact_text(hint) if hint else None,
        "retry_after_s": getattr(exc, "retry_after_s", None),
        "unavailable": isinstance(exc, JiraUnavailable),
    }


class JiraConnection:
    def __init__(
        self,
        store: Store,
        api_factory: Callable[[], JiraApi],
        settings: JiraConfig,
        *,
        repo_settings: Callable[[Path], JiraConfig] | None = None,
    ) -> None:
        self.store = store
        self.api_factory = api_factory
        self.settings = settings
        self.repo_settings = repo_settings or (lambda _root: settings)

    def status(self, repo_paths: Sequence[Path] | None = None) -> dict[str, Any]:
        """The connection and each registered repository with a JQL (or only those of
        repo_paths)."""
        site = self.settings.site_url
        out: dict[str, Any] = {
            "site_url": site.rstrip("/") if site else None,
            "api_url": (self.settings.api_url or site or "").rstrip("/") or None,
            "credentials": None,
            "account": None,
            "connected": False,
            "error": None,
            "hint": None,
            "retry_after_s": None,
            "unavailable": False,
        }
        try:
            api = self.api_factory()
            if isinstance(api, CredentialSource):
                out["credentials"] = api.credential_source()
            out["account"] = api.myself()
            out["connected"] = True
        except CcoError as exc:  # JiraError, or InvalidInput: no site set
            out.update(_error(exc))
        out["repositories"] = self._repositories(repo_paths)
        return out

    def _repositories(self, repo_paths: Sequence[Path] | None) -> list[dict[str, Any]]:
        with self.store.read() as tx:
            repos = tx.repos()
        if repo_paths is not None:
            wanted = {p.resolve() for p in repo_paths}
            repos = [r for r in repos if r.path.resolve() in wanted]
        found = []
        for repo in sorted(repos, key=lambda r: r.name):
            entry: dict[str, Any] = {
                "name": repo.name,
                "path": str(repo.path),
                "jql": None,
                "sync": False,
                "last_sync_at": None,
                "last_sync_error": None,
                "error": None,
            }
            try:
                settings = self.repo_settings(repo.path)
            except CcoError as exc:  # its project file does not load
                entry["error"] = redact_text(str(exc))
                found.append(entry)
                continue
            if not settings.jql:
                continue
            entry["jql"] = settings.jql
            entry["sync"] = settings.sync
            with self.store.read() as tx:
                sync = tx.sync_state(TRACKER, sync_project(settings.jql))
            if sync is not None:
                entry["last_sync_at"] = _iso(sync.last_sync_at)
                entry["last_sync_error"] = redact_text(sync.last_error) if sync.last_error else None
            found.append(entry)
        return found
