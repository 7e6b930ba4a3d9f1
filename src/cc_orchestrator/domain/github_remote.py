"""Which GitHub repository a git remote's URL names, and which host an API URL is on.

Pure parsing: no git, no network. Every form git accepts for GitHub is read
(`git@github.com:o/r.git`, `https://github.com/o/r(.git)`, `ssh://git@github.com/o/r.git`,
`https://user:token@github.com/o/r`, a GitHub Enterprise Server host); anything else is None.
Only owner and name come out: credentials in a URL are never kept.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from cc_orchestrator.domain.github import RepoRef

#: GitHub's own rule for owner and repository names (letters, digits, `-`, `_`, `.`)
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
#: scp-like syntax: [user@]host:path (no scheme, and the path does not start with //)
_SCP = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s\[\]]+):(?!//)(?P<path>[^\s]+)$")
_SCHEMES = ("https", "http", "ssh", "git", "git+ssh", "ssh+git")
#: hosts that are github.com too (SSH over port 443 answers as ssh.github.com)
_ALIASES = {"github.com": ("github.com", "www.github.com", "ssh.github.com")}


def _hosts(host: str) -> tuple[str, ...]:
    host = host.strip().lower()
    if host.count(":") == 1:  # a port written with the host: URLs are matched by name
        host = host.partition(":")[0]
    return _ALIASES.get(host, (host,))


def _repo_of_path(path: str) -> RepoRef | None:
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    parts = path.split("/")
    if len(parts) != 2:
        return None
    owner, name = parts
    if not (_NAME.match(owner) and _NAME.match(name)):
        return None
    if owner in (".", "..") or name in (".", ".."):
        return None
    return RepoRef(owner, name)


def repo_from_remote(url: str | None, host: str = "github.com") -> RepoRef | None:
    """owner/name on GitHub (or the GHES `host`) that this remote URL names, else None."""
    if not url:
        return None
    text = url.strip()
    if not text or any(c.isspace() for c in text):
        return None
    accepted = _hosts(host)
    if "://" in text:
        try:
            parts = urlsplit(text)
            found = (parts.hostname or "").lower()
        except ValueError:
            return None
        if parts.scheme.lower() not in _SCHEMES or found not in accepted:
            return None
        if parts.query or parts.fragment:
            return None
        return _repo_of_path(parts.path)
    match = _SCP.match(text)
    if match is None or match["host"].lower() not in accepted:
        return None
    return _repo_of_path(match["path"])


def web_host(api_url: str) -> str:
    """The web host of an API root: github.com for https://api.github.com, HOST for a GitHub
    Enterprise Server's https://HOST/api/v3 (with its port, when one is written)."""
    try:
        parts = urlsplit(api_url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    if host == "api.github.com":
        return "github.com"
    return f"{host}:{port}" if port else host
