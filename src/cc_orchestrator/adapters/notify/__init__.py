"""Notification channels' senders (replaced by the senders branch at its merge)."""

from __future__ import annotations

from cc_orchestrator.config_notify import ChannelConfig
from cc_orchestrator.ports import Sender


def make_sender(channel: ChannelConfig, *, timeout_s: float) -> Sender:
    raise NotImplementedError(channel.kind)  # the senders branch brings every channel's
