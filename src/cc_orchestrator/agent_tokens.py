"""Credentials of agents on the fleet's MCP server: one per instance, derived from the web
token, so nothing is stored and every daemon restart still recognizes a running agent.

`cco-agent.<instance id>.<mac>`: the server recomputes the MAC from the id it names. Such a
token opens the MCP endpoint only (never /api/), as that instance; the server refuses it once
the instance is stopped or gone (services/coordination.py). Rotating web.token revokes all."""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "cco-agent."
_ID = re.compile(r"[0-9a-z]{1,32}\Z")


def _mac(web_token: str, instance_id: str) -> str:
    key = web_token.encode("utf-8", "surrogatepass")
    return hmac.new(key, f"cco-mcp-agent-v1:{instance_id}".encode(), hashlib.sha256).hexdigest()


def mint(web_token: str, instance_id: str) -> str:
    if not _ID.match(instance_id):
        raise ValueError(f"not an instance id: {instance_id!r}")
    return f"{PREFIX}{instance_id}.{_mac(web_token, instance_id)}"


def looks_like(token: str) -> bool:
    return token.startswith(PREFIX)


def verify(web_token: str, token: str | None) -> str | None:
    """The instance id an agent token names when its MAC is right, else None (never raises)."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    instance_id, _, mac = token[len(PREFIX) :].partition(".")
    if not _ID.match(instance_id):
        return None
    expected = _mac(web_token, instance_id).encode()
    return (
        instance_id if hmac.compare_digest(mac.encode("utf-8", "surrogatepass"), expected) else None
    )
