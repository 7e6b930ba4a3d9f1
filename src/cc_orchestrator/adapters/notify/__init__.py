"""The senders of notifications: one per channel type, made from a channel's settings.

Each renders a domain Message in its service's dialect, within that service's documented
limits, and answers a SendResult (never raising for the network's sake): slack.py (Block
Kit), discord.py (embeds), webhook.py (signed JSON), ntfy.py (phone push), email.py (SMTP),
apprise.py (the optional extra, for every other service). Only bootstrap imports this.
"""

from __future__ import annotations

from cc_orchestrator.adapters.notify.apprise import AppriseSender
from cc_orchestrator.adapters.notify.discord import DiscordSender
from cc_orchestrator.adapters.notify.email import EmailSender
from cc_orchestrator.adapters.notify.ntfy import NtfySender
from cc_orchestrator.adapters.notify.slack import SlackSender
from cc_orchestrator.adapters.notify.webhook import WebhookSender
from cc_orchestrator.config_notify import ChannelConfig
from cc_orchestrator.ports import Sender

__all__ = ["make_sender"]


def make_sender(channel: ChannelConfig, *, timeout_s: float) -> Sender:
    """The sender for channel (its type given or inferred), each attempt within timeout_s."""
    url = channel.url.get_secret_value().strip()
    kind = channel.kind
    if kind == "slack":
        return SlackSender(url, timeout_s=timeout_s)
    if kind == "discord":
        return DiscordSender(url, timeout_s=timeout_s)
    if kind == "webhook":
        secret = channel.secret.get_secret_value() if channel.secret else ""
        return WebhookSender(url, secret=secret, timeout_s=timeout_s)
    if kind == "ntfy":
        token = channel.token.get_secret_value() if channel.token else None
        return NtfySender(url, token=token, timeout_s=timeout_s)
    if kind == "email":
        return EmailSender(url, to=channel.to, sender=channel.sender, timeout_s=timeout_s)
    return AppriseSender(url, timeout_s=timeout_s)
