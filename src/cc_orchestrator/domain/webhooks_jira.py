"""A Jira Cloud admin webhook's delivery, before it is stored: its proof (`X-Hub-Signature:
sha256=<hex>`, the HMAC-SHA256 of the raw body with the webhook's secret), its JSON payload,
and its delivery id.

- the proof first (no secret here, none sent, malformed, wrong: 401 each), so a sender without
  the secret learns nothing about what else is wrong with its request;
- JSON only (415);
- the delivery id is `X-Atlassian-Webhook-Identifier` (the same on Jira's retries), else
  `sha256:` and the body's digest (cut to the 64 characters an event's id holds), so a
  redelivery is still recognised;
- the event is the payload's `webhookEvent` (jira:issue_updated, comment_created...), the
  action its `issue_event_type_name` (issue_generic, issue_assigned...) when there is one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from cc_orchestrator.domain.webhooks import (
    JIRA,
    MAX_NAME,
    BadDelivery,
    Delivery,
    Unauthorized,
    UnsupportedMediaType,
    sign,
)

SIGNATURE = "x-hub-signature"
IDENTIFIER = "x-atlassian-webhook-identifier"
DIGEST_ID = "sha256:"
_NAME = re.compile(rf"[\x21-\x7e]{{1,{MAX_NAME}}}")  # printable ASCII, no space
_SIGNED = re.compile(r"sha256=([0-9a-fA-F]{64})")
ONLY_JIRA = "only Jira's admin webhooks (JSON) go here"
SECRET_HINT = (
    "give the Jira webhook a secret (Jira settings > System > WebHooks > the webhook > "
    "Secret) and set the same one in cco: `cco config set --user jira.webhook_secret <secret>` "
    "(or CC_ORCH_JIRA__WEBHOOK_SECRET), then restart cco"
)


def check_signature(secret: str | None, headers: Mapping[str, str], body: bytes) -> None:
    """Unauthorized unless X-Hub-Signature is sha256= the HMAC-SHA256 of the raw body with the
    secret (compared in constant time). `headers`' names are lower case."""
    if not secret:
        raise Unauthorized(
            "cco has no Jira webhook secret, so it accepts no delivery: set jira.webhook_secret",
            hint=SECRET_HINT,
        )
    given = headers.get(SIGNATURE)
    if given is None:
        raise Unauthorized(
            "the delivery is not signed: X-Hub-Signature is missing", hint=SECRET_HINT
        )
    found = _SIGNED.fullmatch(given.strip())
    if found is None:
        raise Unauthorized("X-Hub-Signature is not sha256=<64 hex digits>", hint=SECRET_HINT)
    expected = sign(secret, body).removeprefix("sha256=")
    if not hmac.compare_digest(found[1].lower().encode("ascii"), expected.encode("ascii")):
        raise Unauthorized(
            "the signature does not match the body: the Jira webhook's secret is not "
            "jira.webhook_secret (or the body was changed on the way)",
            hint="set the same secret in the Jira webhook and in jira.webhook_secret",
        )


def _media(headers: Mapping[str, str]) -> None:
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        shown = f" (content type {media[:MAX_NAME]!r})" if media else ""
        raise UnsupportedMediaType(f"the delivery is not JSON{shown}: {ONLY_JIRA}")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _payload(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise BadDelivery("the payload is not UTF-8 text", hint=ONLY_JIRA) from None
    except (ValueError, RecursionError):
        raise BadDelivery("the payload is not JSON", hint=ONLY_JIRA) from None
    if not isinstance(value, dict):
        raise BadDelivery("the payload is not a JSON object", hint=ONLY_JIRA)
    return value


def _delivery_id(headers: Mapping[str, str], body: bytes) -> str:
    given = headers.get(IDENTIFIER)
    if given is None or not given.strip():
        digest = hashlib.sha256(body).hexdigest()
        return (DIGEST_ID + digest)[:MAX_NAME]
    value = given.strip()
    if not _NAME.fullmatch(value):
        raise BadDelivery(
            "X-Atlassian-Webhook-Identifier is not a name (printable ASCII without spaces, "
            f"at most {MAX_NAME} characters)"
        )
    return value


def read_jira(headers: Mapping[str, str], body: bytes, secret: str | None) -> Delivery:
    """A Jira delivery from its request (header names in lower case), or the refusal:
    Unauthorized (401), UnsupportedMediaType (415) or BadDelivery (400), in that order."""
    check_signature(secret, headers, body)
    _media(headers)
    payload = _payload(body)
    event = payload.get("webhookEvent")
    if not isinstance(event, str) or not event.strip():
        raise BadDelivery("the payload has no webhookEvent", hint=ONLY_JIRA)
    event = event.strip()
    if not _NAME.fullmatch(event):
        raise BadDelivery(
            "the payload's webhookEvent is not a name (printable ASCII without spaces, "
            f"at most {MAX_NAME} characters)"
        )
    action = payload.get("issue_event_type_name")
    return Delivery(
        source=JIRA,
        delivery_id=_delivery_id(headers, body),
        event=event,
        action=(action.strip()[:MAX_NAME] or None) if isinstance(action, str) else None,
        payload=payload,
    )
