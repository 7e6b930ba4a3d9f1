"""Instances: list, spawn, show, and the actions on a running agent (send, answer, stop,
restart), and its structured log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import Instance
from cc_orchestrator.domain.questions import Answer
from cc_orchestrator.web.bodies import AnswerBody, InstanceSpawn, SendText, StopOptions
from cc_orchestrator.web.deps import MAX_OFFSET, Services, active_worktrees
from cc_orchestrator.web.schemas import InstanceOut, LogLines

router = APIRouter(prefix="/api/instances")


def one(app: App, inst: Instance) -> InstanceOut:
    return InstanceOut.from_domain(inst, worktrees=active_worktrees(app, [inst]))


@router.get("", response_model=list[InstanceOut])
def list_instances(
    services: Services,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    live: bool = False,
) -> list[InstanceOut]:
    """Oldest first, a page at a time; live=true for running ones only."""
    services.overview.fresh()
    found = services.instances.all(include_ended=not live, limit=limit, offset=offset)
    worktrees = active_worktrees(services, found)
    return [InstanceOut.from_domain(i, worktrees=worktrees) for i in found]


@router.post("", response_model=InstanceOut, status_code=201)
def spawn(body: InstanceSpawn, services: Services) -> InstanceOut:
    inst = services.instances.spawn(
        repo=Path(body.repo) if body.repo else None,
        worktree_id=body.worktree_id,
        prompt=body.prompt,
        agent=body.agent,
        mode=body.mode,
        name=body.name,
        base=body.base,
    )
    return one(services, inst)


@router.get("/{instance_id}", response_model=InstanceOut)
def get_instance(instance_id: str, services: Services) -> InstanceOut:
    return one(services, services.instances.get(instance_id))


@router.post("/{instance_id}/send", response_model=InstanceOut)
def send(instance_id: str, body: SendText, services: Services) -> InstanceOut:
    return one(services, services.instances.send(instance_id, body.text, force=body.force))


@router.post("/{instance_id}/answer", response_model=InstanceOut)
def answer(instance_id: str, body: AnswerBody, services: Services) -> InstanceOut:
    ans = Answer(
        decision=body.decision,
        choice=body.choice,
        message=body.message,
        question_id=body.question_id,
        by="api",
    )
    return one(services, services.instances.answer(instance_id, ans))


@router.post("/{instance_id}/stop", response_model=InstanceOut)
def stop(instance_id: str, services: Services, body: StopOptions | None = None) -> InstanceOut:
    options = body or StopOptions()
    inst = services.instances.stop(
        instance_id, remove_worktree=options.remove_worktree, force=options.force
    )
    return one(services, inst)


@router.post("/{instance_id}/restart", response_model=InstanceOut)
def restart(instance_id: str, services: Services) -> InstanceOut:
    return one(services, services.instances.restart(instance_id))


@router.get("/{instance_id}/log", response_model=LogLines)
def instance_log(
    instance_id: str, services: Services, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0
) -> LogLines:
    lines, new_offset, source = services.instances.structured_log(instance_id, offset)
    return LogLines(
        source=source,
        lines=lines,
        offset=new_offset,
    )
