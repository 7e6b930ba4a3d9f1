"""What a route depends on, through FastAPI's Depends: the services (the same the CLI uses)
and the event hub, both set on the app by create_app."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.web.events import EventHub

MAX_OFFSET = 2**53  # ids and byte offsets; beyond is nonsense (and overflows SQLite)


def services(conn: HTTPConnection) -> App:
    return cast(App, conn.app.state.services)


def hub(conn: HTTPConnection) -> EventHub:
    return cast(EventHub, conn.app.state.hub)


Services = Annotated[App, Depends(services)]
Hub = Annotated[EventHub, Depends(hub)]


def active_worktrees(app: App, instances: Iterable[Instance]) -> set[str]:
    """Which of these instances' worktrees are still there (it restarts only in one)."""
    return app.overview.active_worktree_ids({i.worktree_id for i in instances if i.worktree_id})
