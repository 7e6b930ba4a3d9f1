"""Which GitHub repository a git remote's URL names (credentials in it are never kept)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from cc_orchestrator.domain.github import RepoRef

_NAME = r"[A-Za-z0-9_.-]+"
_SCP = re.compile(
    rf"^(?:[A-Za-z0-9_.-]+@)?(?P<host>[^:/\s]+):(?P<owner>{_NAME})/(?P<repo>{_NAME})/?$"
)
_PATH = re.compile(rf"^/*(?P<owner>{_NAME})/(?P<repo>{_NAME})/?$")


def _ref(owner: str, repo: str) -> RepoRef | None:
    if repo.endswith(".git"):
        repo = repo[: -len(".git")]
    if not repo or owner in (".", "..") or repo in (".", ".."):
        return None
    return RepoRef(owner, repo)


def repo_from_remote(url: str, host: str = "github.com") -> RepoRef | None:
    """owner/name of `url` when it points at `host` (https, ssh:// or scp-like git@host:o/r)."""
    url = url.strip()
    host = host.lower()
    if "://" in url:
        try:
            parts = urlsplit(url)
            found = (parts.hostname or "").lower()
        except ValueError:
            return None
        if parts.scheme not in ("https", "http", "ssh", "git") or found != host:
            return None
        m = _PATH.match(parts.path)
        return _ref(m["owner"], m["repo"]) if m else None
    m = _SCP.match(url)
    if m is None or m["host"].lower() != host:
        return None
    return _ref(m["owner"], m["repo"])


def api_host(api_url: str) -> str:
    """The web host of an API root: api.github.com -> github.com; GHES keeps its host."""
    host = (urlsplit(api_url).hostname or "").lower()
    return "github.com" if host == "api.github.com" else host
