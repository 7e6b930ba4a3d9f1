"""The `notifications` settings: where cco tells people what happened, and how often.

Re-exported by config.py. Only the user's own file, CC_ORCH_* variables or flags set them: a
repository never chooses where its data is sent (config_trust.USER_ONLY).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    SecretStr,
    field_validator,
    model_validator,
)

from cc_orchestrator.domain.notices import NOTICE_KINDS

ChannelType = Literal["slack", "discord", "webhook", "ntfy", "email", "apprise"]
HTTP_TYPES = ("slack", "discord", "webhook", "ntfy")
SCHEMES: dict[str, tuple[str, ...]] = {
    "slack": ("https", "http"),
    "discord": ("https", "http"),
    "webhook": ("https", "http"),
    "ntfy": ("https", "http"),
    "email": ("smtp", "smtps"),
}
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_QUIET_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def infer_type(url: str) -> ChannelType | None:
    """The channel type an address says by itself (Slack's, Discord's hosts, smtp://)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme in ("smtp", "smtps"):
        return "email"
    if host == "hooks.slack.com":
        return "slack"
    if host in ("discord.com", "discordapp.com") and parts.path.startswith("/api/webhooks/"):
        return "discord"
    return None


def parse_quiet_hours(value: str) -> tuple[time, time]:
    m = _QUIET_RE.match(value)
    if m is None:
        raise ValueError(f"expected HH:MM-HH:MM, e.g. 22:00-07:00 (got {value!r})")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if (h1, m1) == (h2, m2):
        raise ValueError("the start and the end of quiet hours must differ")
    return time(h1, m1), time(h2, m2)


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str = Field(description="Unique name: letters a-z, digits, '-' and '_' (1-32).")
    type: ChannelType | None = Field(
        default=None,
        description="slack, discord, webhook, ntfy, email or apprise; inferred from "
        "hooks.slack.com, discord.com/api/webhooks and smtp(s):// addresses.",
    )
    url: SecretStr = Field(
        description="The address: a Slack or Discord webhook URL, a JSON webhook, an ntfy "
        "topic URL, smtp(s)://[user:password@]host[:port], or an Apprise URL. Secret: never "
        "shown, logged or returned by the API.",
    )
    events: list[str] = Field(
        default_factory=lambda: list(NOTICE_KINDS),
        description="What it is told: " + ", ".join(NOTICE_KINDS) + " (default: all).",
    )
    repos: list[str] = Field(
        default_factory=list, description="Only these repositories (names or paths; [] = all)."
    )
    labels: list[str] = Field(
        default_factory=list, description="Only tasks with one of these labels ([] = any)."
    )
    only_named: bool = Field(
        default=False,
        description="Only tasks that name this channel (`cco tasks add --notify NAME`).",
    )
    burst: bool | None = Field(
        default=None,
        description="Burst control (one message per task and kind per window_s, a digest "
        "when many are due at once); default on, off for webhook.",
    )
    quiet_hours: str | None = Field(
        default=None,
        description="HH:MM-HH:MM (notifications.timezone): messages wait until it ends.",
    )
    secret: SecretStr | None = Field(
        default=None, description="webhook: the HMAC-SHA256 key of X-CCO-Signature-256."
    )
    token: SecretStr | None = Field(default=None, description="ntfy: an access token.")
    to: list[str] = Field(default_factory=list, description="email: the recipients.")
    sender: str | None = Field(default=None, description="email: the From address.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.fullmatch(value):
            raise ValueError("expected 1-32 of a-z, 0-9, '-' and '_', starting with a letter/digit")
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in NOTICE_KINDS:
                raise ValueError(
                    f"unknown event {name!r}; expected some of: {', '.join(NOTICE_KINDS)}"
                )
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quiet_hours(value)
        return value

    @field_validator("to")
    @classmethod
    def _to(cls, value: list[str]) -> list[str]:
        for address in value:
            if not _EMAIL_RE.match(address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL_RE.match(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @model_validator(mode="after")
    def _address(self) -> ChannelConfig:
        url = self.url.get_secret_value().strip()
        if any(ord(c) < 32 or c.isspace() for c in url):
            raise ValueError("url: must not contain spaces or control characters")
        kind = self.type or infer_type(url)
        if kind is None:
            raise ValueError(
                "type: cannot tell the channel's type from its url; set type to one of "
                "slack, discord, webhook, ntfy, email, apprise"
            )
        if kind != "apprise":
            try:
                parts = urlsplit(url)
                parts.port  # noqa: B018  (a bad port raises here)
            except ValueError:
                raise ValueError("url: is not a valid URL") from None
            allowed = SCHEMES[kind]
            if parts.scheme not in allowed:
                shown = parts.scheme + "://" if parts.scheme else "none"
                raise ValueError(
                    f"url: a {kind} channel's address starts with "
                    + " or ".join(f"{s}://" for s in allowed)
                    + f" (scheme {shown})"
                )
            if not parts.hostname:
                raise ValueError("url: has no host")
        elif "://" not in url:
            raise ValueError("url: an Apprise URL looks like service://... (see Apprise's docs)")
        if kind == "webhook" and (self.secret is None or not self.secret.get_secret_value()):
            raise ValueError("secret: a webhook channel needs one (its HMAC-SHA256 key)")
        if kind == "email" and not self.to:
            raise ValueError("to: an email channel needs at least one recipient")
        return self

    @property
    def kind(self) -> ChannelType:
        """The channel's type, given or inferred (validated: never None)."""
        found = self.type or infer_type(self.url.get_secret_value())
        assert found is not None
        return found

    @property
    def bursts(self) -> bool:
        return self.burst if self.burst is not None else self.kind != "webhook"

    @property
    def where(self) -> str:
        """A form of the address safe to show: its scheme and host, nothing secret."""
        url = self.url.get_secret_value()
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            return "(address hidden)"
        if self.kind == "apprise":
            return f"{parts.scheme}://…"
        return (
            f"{parts.scheme}://{host}{port}/…"
            if parts.path not in ("", "/")
            else (f"{parts.scheme}://{host}{port}")
        )

    def secrets(self) -> list[str]:
        """Every secret this channel holds, for the log redaction (the address, its path
        and password, the HMAC key, the token)."""
        url = self.url.get_secret_value()
        found = [url]
        try:
            parts = urlsplit(url)
            if len(parts.path) > 1:
                found.append(parts.path)
            if parts.password:
                found.append(parts.password)
            if parts.query:
                found.append(parts.query)
        except ValueError:
            pass
        for secret in (self.secret, self.token):
            if secret is not None and secret.get_secret_value():
                found.append(secret.get_secret_value())
        return found


class NotificationsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    channels: list[ChannelConfig] = Field(
        default_factory=list,
        description="Where notifications go: a list of channels (name, url, events, "
        "filters); see docs/notifications.md.",
    )
    window_s: NonNegativeInt = Field(
        default=300,
        description="Burst control: one message per task, kind and channel in this window.",
    )
    digest_after: NonNegativeInt = Field(
        default=5,
        description="More messages than this due at once on a channel go as one digest "
        "(0 = never a digest).",
    )
    timezone: str | None = Field(
        default=None, description="IANA time zone of quiet hours (default: the machine's)."
    )
    timeout_s: PositiveFloat = Field(
        default=10.0, le=120, description="Limit on one attempt to deliver (HTTP or SMTP)."
    )
    retry_initial_s: PositiveFloat = Field(
        default=2.0, le=3600, description="First delay before a retry; doubles each time."
    )
    retry_max_s: PositiveFloat = Field(
        default=300.0, le=86400, description="Longest delay between two attempts."
    )
    give_up_after_s: PositiveFloat = Field(
        default=86400.0,
        description="A delivery not taken by then is failed, with its last error "
        "(`cco notifications retry` sends it again).",
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Paris)") from None
        return value

    @model_validator(mode="after")
    def _unique(self) -> NotificationsConfig:
        seen: set[str] = set()
        for channel in self.channels:
            if channel.name in seen:
                raise ValueError(f"channels: two channels are named {channel.name!r}")
            seen.add(channel.name)
        return self

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)
