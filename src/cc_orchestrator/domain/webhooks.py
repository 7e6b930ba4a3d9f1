"""A webhook delivery, before it is stored: its proof (GitHub's HMAC-SHA256 signature of the raw
body), its headers and its JSON payload, and which events cco applies.

Every refusal is one message GitHub shows in the webhook's delivery log, saying what to do;
none tells anything about the secret. The proof is checked first, so a sender without the
secret learns nothing about what else is wrong with its request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.links import InboxStatus

GITHUB = "github"
SIGNATURE = "x-hub-signature-256"
SHA1_SIGNATURE = "x-hub-signature"
EVENT = "x-github-event"
DELIVERY = "x-github-delivery"
#: the events the daemon applies (the others, ping included, are stored as ignored)
GITHUB_APPLIED = frozenset(
    {
        "issues",
        "issue_comment",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
        "check_run",
        "check_suite",
        "workflow_run",
        "sub_issues",
    }
)
JIRA = "jira"
#: the Jira events (webhookEvent) the daemon applies; the others are stored as ignored
JIRA_APPLIED = frozenset(
    {
        "jira:issue_created",
        "jira:issue_updated",
        "jira:issue_deleted",
        "comment_created",
        "comment_updated",
        "comment_deleted",
        "issuelink_created",
        "issuelink_deleted",
    }
)
APPLIED = {GITHUB: GITHUB_APPLIED, JIRA: JIRA_APPLIED}
MAX_NAME = 64  # an event's name, a delivery id, an action (the columns' and event ids' size)
_NAME = re.compile(rf"[\x21-\x7e]{{1,{MAX_NAME}}}")  # printable ASCII, no space
_SIGNED = re.compile(r"sha256=([0-9a-fA-F]{64})")
JSON_HINT = "set the webhook's content type to application/json"
SECRET_HINT = (
    "give the repository's webhook a secret and set the same one in cco: "
    "`cco config set --user github.webhook_secret <secret>` (or CC_ORCH_GITHUB__WEBHOOK_SECRET), "
    "then restart cco"
)


class Unauthorized(CcoError):
    """No proof that GitHub sent it: no secret here, no signature, or not the right one."""

    http_status = 401


class BadDelivery(CcoError):
    """A signed request that is not a webhook delivery (headers or payload)."""

    http_status = 400


class UnsupportedMediaType(CcoError):
    """A signed delivery that is not JSON (a webhook whose content type is form-encoded)."""

    http_status = 415


@dataclass(frozen=True)
class Delivery:
    """A delivery that passed every check, as it is stored."""

    source: str
    delivery_id: str
    event: str
    action: str | None
    payload: dict[str, Any]

    @property
    def status(self) -> InboxStatus:
        applied = self.event in APPLIED.get(self.source, frozenset())
        return InboxStatus.PENDING if applied else InboxStatus.IGNORED


@dataclass(frozen=True)
class Receipt:
    """What the sender is answered: queued (the daemon applies it), ignored (stored, not
    applied), or duplicate (this delivery id was received before; nothing stored again)."""

    status: Literal["queued", "ignored", "duplicate"]
    delivery: str
    event: str
    item_id: int | None = None


def sign(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256's value for this body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def check_signature(secret: str | None, headers: Mapping[str, str], body: bytes) -> None:
    """Unauthorized unless X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with the
    secret (compared in constant time). `headers`' names are lower case."""
    if not secret:
        raise Unauthorized(
            "cco has no webhook secret, so it accepts no delivery: set github.webhook_secret",
            hint=SECRET_HINT,
        )
    given = headers.get(SIGNATURE)
    if given is None:
        if headers.get(SHA1_SIGNATURE) is not None:
            raise Unauthorized(
                "only X-Hub-Signature (SHA-1) was sent: cco checks X-Hub-Signature-256 "
                "(HMAC-SHA256)",
                hint="GitHub sends both when the webhook has a secret; check that nothing "
                "between GitHub and cco drops the header",
            )
        raise Unauthorized(
            "the delivery is not signed: X-Hub-Signature-256 is missing", hint=SECRET_HINT
        )
    found = _SIGNED.fullmatch(given.strip())
    if found is None:
        raise Unauthorized("X-Hub-Signature-256 is not sha256=<64 hex digits>")
    expected = sign(secret, body).removeprefix("sha256=")
    if not hmac.compare_digest(found[1].lower().encode("ascii"), expected.encode("ascii")):
        raise Unauthorized(
            "the signature does not match the body: the webhook's secret is not "
            "github.webhook_secret (or the body was changed on the way)",
            hint="set the same secret in the webhook's settings and in github.webhook_secret",
        )


def _name(headers: Mapping[str, str], header: str, shown: str) -> str:
    value = headers.get(header)
    if value is None or not value.strip():
        raise BadDelivery(f"{shown} is missing", hint="only GitHub's webhook deliveries go here")
    value = value.strip()
    if not _NAME.fullmatch(value):
        raise BadDelivery(
            f"{shown} is not a name (printable ASCII without spaces, at most {MAX_NAME} characters)"
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _payload(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise BadDelivery("the payload is not UTF-8 text", hint=JSON_HINT) from None
    except (ValueError, RecursionError):
        raise BadDelivery("the payload is not JSON", hint=JSON_HINT) from None
    if not isinstance(value, dict):
        raise BadDelivery("the payload is not a JSON object", hint=JSON_HINT)
    return value


def _media(headers: Mapping[str, str]) -> None:
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        return
    shown = "form-encoded" if media == "application/x-www-form-urlencoded" else "not JSON"
    if media and shown == "not JSON":
        shown += f" (content type {media[:MAX_NAME]!r})"
    raise UnsupportedMediaType(
        f"the delivery is {shown}: {JSON_HINT}",
        hint="in the repository's Settings > Webhooks > the hook > Content type",
    )


def read_github(headers: Mapping[str, str], body: bytes, secret: str | None) -> Delivery:
    """A GitHub delivery from its request (header names in lower case), or the refusal:
    Unauthorized (401), UnsupportedMediaType (415) or BadDelivery (400), in that order."""
    check_signature(secret, headers, body)
    _media(headers)
    event = _name(headers, EVENT, "X-GitHub-Event")
    delivery = _name(headers, DELIVERY, "X-GitHub-Delivery")
    payload = _payload(body)
    action = payload.get("action")
    return Delivery(
        source=GITHUB,
        delivery_id=delivery,
        event=event,
        action=action[:MAX_NAME] if isinstance(action, str) else None,
        payload=payload,
    )
