"""The fake GitHub's webhooks out: every change POSTed to each hook's URL as GitHub sends it.

A payload is shaped like @octokit/webhooks-examples' example of that event and action (the
example is the template; the fake's own objects, numbers, branches and SHAs replace its values),
checked against the description's ``x-webhooks`` schema (what disagrees goes to the fake's
violations), and sent by one thread in order with ``X-GitHub-Event``, ``X-GitHub-Delivery`` (a
uuid), ``X-Hub-Signature-256: sha256=<hmac>`` (and the older sha1 ``X-Hub-Signature``)."""

from __future__ import annotations

import copy
import functools
import hmac
import json
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tests.support import github_spec
from tests.support.fake_github_objects import JSON, Site, repository, user

if TYPE_CHECKING:
    from tests.support.fake_github import FakeGitHub

#: what an example has that the fake has not: another account's organization and App install
_FOREIGN = ("organization", "enterprise", "installation")


@dataclass
class Delivery:
    event: str
    action: str
    guid: str
    url: str
    payload: JSON
    headers: dict[str, str]
    raw: bytes
    status: int | None = None  # the receiver's answer; None: not sent (yet) or failed
    error: str | None = None


@functools.cache
def _templates() -> dict[tuple[str, str], JSON]:
    found: dict[tuple[str, str], JSON] = {}
    for event, action, payload in github_spec.webhook_examples():
        found.setdefault((event, action), payload)
        found.setdefault((event, ""), payload)
    return found


def _blank(value: Any) -> bool:
    """A value that says nothing of the example's own account (null, a flag, an empty {})."""
    return value is None or isinstance(value, bool) or value in ({}, [])


def shaped(event: str, action: str, ours: JSON) -> JSON:
    """The example payload of this event and action, its values replaced by ours. Of the keys
    only the example has, inside the objects ours fills, only the blank ones stay (fields a
    webhook has and the REST answer has not, e.g. a repository's ``custom_properties: {}``)."""
    template = _templates().get((event, action)) or _templates().get((event, "")) or {}
    payload: JSON = {k: copy.deepcopy(v) for k, v in template.items() if k not in _FOREIGN}
    for key, value in ours.items():
        old = payload.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            kept = {k: v for k, v in old.items() if k not in value and _blank(v)}
            payload[key] = {**kept, **value}
        else:
            payload[key] = value
    for key in [k for k in payload if k not in ours and k != "action"]:
        if key in ("changes", "label", "assignee", "before", "after", "requested_reviewer"):
            del payload[key]  # another change's details
    return payload


def signature(secret: str, raw: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}=" + hmac.new(secret.encode(), raw, algorithm).hexdigest()


class Webhooks:
    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.targets: list[tuple[str, str]] = []
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    def add(self, url: str, secret: str) -> None:
        self.targets.append((url, secret))
        if self._thread is None:
            self._client = httpx.Client(timeout=10)
            self._thread = threading.Thread(target=self._send_all, daemon=True)
            self._thread.start()

    def emit(self, event: str, action: str, sender: str, build: Callable[[Site], JSON]) -> None:
        """Send this change to every hook (built only when there is one)."""
        if not self.targets:
            return
        fake = self.fake
        site = fake.site()
        ours = {
            "action": action,
            **build(site),
            "repository": repository(site, fake.state),
            "sender": user(site, fake.state, sender, "Bot" if "[bot]" in sender else "User"),
        }
        payload = shaped(event, action, ours)
        for problem in github_spec.check_webhook(event, payload):
            fake.violations.append(f"webhook {problem}")
        raw = json.dumps(payload).encode()
        for url, secret in self.targets:
            guid = str(uuid.uuid4())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "GitHub-Hookshot/fake",
                "X-GitHub-Event": event,
                "X-GitHub-Delivery": guid,
                "X-GitHub-Hook-ID": "1",
                "X-GitHub-Hook-Installation-Target-ID": str(fake.repo_id),
                "X-GitHub-Hook-Installation-Target-Type": "repository",
                "X-Hub-Signature": signature(secret, raw, "sha1"),
                "X-Hub-Signature-256": signature(secret, raw),
            }
            delivery = Delivery(event, action, guid, url, payload, headers, raw)
            with self._idle:
                self._pending += 1
                self.deliveries.append(delivery)
            self._queue.put(delivery)

    def _send_all(self) -> None:
        while (delivery := self._queue.get()) is not None:
            try:
                assert self._client is not None
                sent = self._client.post(
                    delivery.url, content=delivery.raw, headers=delivery.headers
                )
                delivery.status = sent.status_code
            except httpx.HTTPError as failed:
                delivery.error = repr(failed)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait(self, timeout: float = 10.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError(f"{self._pending} webhook deliveries still pending")

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
        if self._client is not None:
            self._client.close()
            self._client = None
