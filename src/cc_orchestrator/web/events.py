"""Fan-out of the events table to WebSocket clients.

One poller per server reads new events once (a cheap indexed query) and hands them to every
client's bounded queue. It reads when woken by a commit in this process (the daemon and the
API share it under `cco up`), and otherwise every `interval_s` for commits by other processes
(the CLI), never while nobody listens. A client that falls behind its queue is disconnected,
never waited for, so a slow browser can neither slow the others nor the orchestrator; it
reconnects with the last event id it saw and misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from cc_orchestrator.domain.models import Event
from cc_orchestrator.logs import get_logger

log = get_logger("cco.web.events")


def event_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "ts": event.ts.isoformat(),
        "kind": event.kind,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "data": event.data,
    }


class Client:
    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=maxsize)
        self.overflowed = asyncio.Event()

    def offer(self, item: dict[str, Any]) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed.set()


class EventHub:
    """Polls `read(after_id)` and fans events out to clients."""

    def __init__(
        self,
        read: Callable[[int, int], list[Event]],
        last_id: Callable[[], int],
        *,
        interval_s: float = 0.25,
        batch: int = 500,
    ) -> None:
        self.read = read
        self.last_id = last_id
        self.interval_s = interval_s
        self.batch = batch
        self.clients: set[Client] = set()
        self.cursor = 0
        self._stale = True
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken = asyncio.Event()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.cursor = await asyncio.to_thread(self.last_id)
        self._task = asyncio.create_task(self._run())

    def wake(self) -> None:
        """New events were committed (callable from any thread)."""
        loop = self._loop
        if loop is not None and self.clients and not loop.is_closed():
            loop.call_soon_threadsafe(self._woken.set)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                if self.clients and not self._stale:
                    events = await asyncio.to_thread(self.read, self.cursor, self.batch)
                    for event in events:
                        self.cursor = event.id
                        payload = event_json(event)
                        for client in list(self.clients):
                            client.offer(payload)
                    if len(events) == self.batch:
                        continue
                else:
                    self._stale = True  # nobody listens: no reads at all
            except Exception:
                log.exception("events.poll_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.interval_s)
            self._woken.clear()

    async def subscribe(self, maxsize: int) -> Client:
        """A new client; it then reads its own backlog, up to an id at least the cursor."""
        if self._stale:
            # The first client after a quiet spell: start from now. Read before the client
            # reads its backlog, so nothing falls between the two.
            cursor = await asyncio.to_thread(self.last_id)
            if self._stale:
                self.cursor = cursor
                self._stale = False
        client = Client(maxsize)
        self.clients.add(client)
        return client

    def unsubscribe(self, client: Client) -> None:
        self.clients.discard(client)
