"""The live routes: the event stream (backlog, then live events) and an instance's terminal."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from cc_orchestrator.domain.errors import NotFound
from cc_orchestrator.web.deps import Hub, Services
from cc_orchestrator.web.events import Client, EventHub, event_json

router = APIRouter(prefix="/api")
SEND_TIMEOUT_S = 5.0


@router.websocket("/ws")
async def ws_events(ws: WebSocket, services: Services, hub: Hub) -> None:
    raw_after = ws.query_params.get("after_id", "")
    await ws.accept()
    client = await hub.subscribe(services.config.settings.web.client_queue)
    try:
        await _until_gone(ws, _stream_events(ws, hub, client, raw_after))
    finally:
        hub.unsubscribe(client)


async def _stream_events(ws: WebSocket, hub: EventHub, client: Client, raw_after: str) -> None:
    if raw_after.isdigit() and len(raw_after) < 16:
        last = int(raw_after)
    else:
        last = await asyncio.to_thread(hub.last_id)
    # the backlog the client missed, then live events (duplicates dropped by id)
    while True:
        backlog = await asyncio.to_thread(hub.read, last, 500)
        for event in backlog:
            await ws.send_json(event_json(event))
            last = event.id
        if len(backlog) < 500:
            break
    await ws.send_json({"kind": "ready", "id": last})
    while True:
        getter = asyncio.ensure_future(client.queue.get())
        overflow = asyncio.ensure_future(client.overflowed.wait())
        done, pending = await asyncio.wait({getter, overflow}, return_when=asyncio.FIRST_COMPLETED)
        for p in pending:
            p.cancel()
        if overflow in done and getter not in done:
            await ws.close(code=4008, reason="too slow: reconnect with after_id")
            return
        item = getter.result()
        if item["id"] > last:
            try:
                # a client that cannot take a message in time is dropped, not awaited
                await asyncio.wait_for(ws.send_json(item), timeout=SEND_TIMEOUT_S)
            except TimeoutError:
                await ws.close(code=4008, reason="too slow: reconnect with after_id")
                return
            last = item["id"]


@router.websocket("/instances/{instance_id}/terminal")
async def ws_terminal(ws: WebSocket, instance_id: str, services: Services) -> None:
    try:
        path = services.instances.files(services.instances.get(instance_id).id).raw_log
    except NotFound:
        await ws.accept()
        await ws.close(code=4404, reason=f"no instance {instance_id!r}")
        return
    await ws.accept()

    async def tail() -> None:
        offset = max(0, path.stat().st_size - 256 * 1024) if path.exists() else 0
        while True:
            data, offset = await asyncio.to_thread(_read_from, path, offset)
            if data:
                await ws.send_bytes(data)
            else:
                await asyncio.sleep(0.05)

    await _until_gone(ws, tail())


async def _until_gone(ws: WebSocket, work: Coroutine[Any, Any, None]) -> None:
    """Run a sender until it ends or the client goes away (read its disconnect, so a closed
    tab never leaves a sender running and shutdown never waits for one)."""

    async def listen() -> None:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass

    sender = asyncio.ensure_future(work)
    listener = asyncio.ensure_future(listen())
    done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    for task in done:
        exc = task.exception()
        if exc is not None and not isinstance(exc, WebSocketDisconnect | RuntimeError):
            raise exc


def _read_from(path: Path, offset: int) -> tuple[bytes, int]:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return b"", 0
    if size < offset:  # the log was capped (truncated): start over from its new beginning
        offset = 0
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(64 * 1024)
    return data, offset + len(data)
