"""Notifications: the deliveries (failed ones to retry), the channels, a test message."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cc_orchestrator.domain.outbox import DeliveryStatus
from cc_orchestrator.web.deps import MAX_OFFSET, Services
from cc_orchestrator.web.schemas_notify import ChannelOut, DeliveryOut, TestBody, TestOut

router = APIRouter(prefix="/api/notifications")


@router.get("", response_model=list[DeliveryOut])
def list_deliveries(
    services: Services,
    status: DeliveryStatus | None = None,
    channel: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    """Newest first."""
    found = services.notifications.deliveries(status=status, channel=channel, limit=limit)
    return [DeliveryOut.from_domain(d) for d in found]


@router.get("/channels", response_model=list[ChannelOut])
def list_channels(services: Services) -> list[ChannelOut]:
    """The configured channels, with where they point (scheme and host) and their counts."""
    return [ChannelOut.from_domain(c) for c in services.notifications.channels()]


@router.post("/retry", response_model=list[DeliveryOut])
def retry_failed(services: Services) -> list[DeliveryOut]:
    """Send every failed delivery again (the daemon sends them)."""
    return [DeliveryOut.from_domain(d) for d in services.notifications.retry(all_failed=True)]


@router.post("/test", response_model=list[TestOut])
def send_test(body: TestBody, services: Services) -> list[TestOut]:
    """A test message to one channel (or every one), sent now; each channel's outcome."""
    return [TestOut.from_domain(o) for o in services.notifications.test(body.channel)]


@router.post("/{delivery_id}/retry", response_model=DeliveryOut)
def retry_one(
    delivery_id: Annotated[int, Path(ge=1, le=MAX_OFFSET)], services: Services
) -> DeliveryOut:
    """Send a failed delivery again (404: no such delivery; 409: it is not failed)."""
    (done,) = services.notifications.retry([delivery_id])
    return DeliveryOut.from_domain(done)
