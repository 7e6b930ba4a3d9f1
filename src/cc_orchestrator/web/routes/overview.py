"""The fleet at a glance: health, configuration, status, the event history, repositories."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cc_orchestrator import __version__
from cc_orchestrator.config import public_dump
from cc_orchestrator.web.deps import MAX_OFFSET, Services
from cc_orchestrator.web.schemas import EventOut, Health, RepositoryOut, Status, StatusGroups

router = APIRouter(prefix="/api")


@router.get("/health", response_model=Health)
def health(services: Services) -> Health:
    daemon = "running" if services.overview.daemon_running() else "stopped"
    return Health(status="ok", version=__version__, daemon=daemon)


@router.get("/config")
def config(services: Services) -> dict[str, Any]:
    return public_dump(services.config.settings)


@router.get("/status", response_model=Status)
def status(services: Services) -> Status:
    return Status(**services.overview.snapshot(), groups=StatusGroups.from_domain())


@router.get("/events", response_model=list[EventOut])
def events(
    services: Services,
    after_id: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[EventOut]:
    found = services.overview.events(after_id=after_id, limit=limit, entity_id=entity_id)
    return [EventOut.from_domain(e) for e in found]


@router.get("/repositories", response_model=list[RepositoryOut])
def repositories(services: Services) -> list[RepositoryOut]:
    return [RepositoryOut.from_domain(r) for r in services.overview.repositories()]
