"""Tasks: list, add, show, edit, their dependencies, and the actions that move them. Every
answer carries each task's issue and pull request, read in one batch (task_outs)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query

from cc_orchestrator.bootstrap import App
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.web.bodies import Feedback, TaskCreate, TaskEdit
from cc_orchestrator.web.deps import MAX_OFFSET, Services
from cc_orchestrator.web.schemas import DepsOut, TaskOut

router = APIRouter(prefix="/api/tasks")


def task_outs(services: App, tasks: Sequence[Task]) -> list[TaskOut]:
    """The answers for these tasks: their links in two queries, whatever their number."""
    links = services.task_links.of(tasks)
    return [TaskOut.from_domain(t, links=links[t.id]) for t in tasks]


def task_out(services: App, task: Task) -> TaskOut:
    return task_outs(services, [task])[0]


@router.get("", response_model=list[TaskOut])
def list_tasks(
    services: Services,
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    after: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Only tasks after this one (the last id of the previous page): "
            "every page then costs what the first does.",
        ),
    ] = None,
) -> list[TaskOut]:
    """Oldest first, a page at a time (limit, and after= the previous page's last id, or
    offset)."""
    found = services.tasks.all(statuses=status, limit=limit, offset=offset, after=after)
    return task_outs(services, found)


@router.post("", response_model=TaskOut, status_code=201)
def add_task(body: TaskCreate, services: Services) -> TaskOut:
    task = services.tasks.add(
        title=body.title,
        prompt=body.title if body.prompt is None else body.prompt,
        repo=Path(body.repo),
        base=body.base,
        priority=body.priority,
        labels=body.labels,
        notify=body.notify,
        depends_on=body.depends_on,
        agent=body.agent,
        mode=body.mode,
        max_turns=body.max_turns,
        max_cost_usd=body.max_cost_usd,
    )
    return task_out(services, task)


@router.get("/{task_id}", response_model=TaskOut)
def get_task(task_id: str, services: Services) -> TaskOut:
    return task_out(services, services.tasks.get(task_id))


@router.patch("/{task_id}", response_model=TaskOut)
def edit_task(task_id: str, body: TaskEdit, services: Services) -> TaskOut:
    task = services.tasks.edit(
        task_id,
        title=body.title,
        prompt=body.prompt,
        priority=body.priority,
        labels=body.labels,
        notify=body.notify,
        base=body.base,
        add_deps=body.add_deps,
        remove_deps=body.remove_deps,
    )
    return task_out(services, task)


@router.get("/{task_id}/deps", response_model=DepsOut)
def task_deps(task_id: str, services: Services) -> DepsOut:
    view = services.tasks.deps(task_id)
    every = task_outs(services, [view.task, *view.dependencies, *view.dependents])
    n = len(view.dependencies)
    return DepsOut(task=every[0], depends_on=every[1 : 1 + n], dependents=every[1 + n :])


def _add_action(name: str, run: Callable[[App, str], Task]) -> None:
    def action(task_id: str, services: Services) -> TaskOut:
        return task_out(services, run(services, task_id))

    router.add_api_route(
        f"/{{task_id}}/{name}",
        action,
        methods=["POST"],
        response_model=TaskOut,
        name=f"{name}_task",
        summary=f"{name.capitalize()} a task",
    )


_add_action("start", lambda app, task_id: app.tasks.start(task_id))
_add_action("cancel", lambda app, task_id: app.tasks.cancel(task_id))
_add_action("retry", lambda app, task_id: app.tasks.retry(task_id))
_add_action("approve", lambda app, task_id: app.tasks.approve(task_id))


@router.post("/{task_id}/update-branch", response_model=TaskOut)
def update_branch(task_id: str, services: Services) -> TaskOut:
    """The pull request's base moved: merge it into the task's branch and push that to the
    pull request (`cco github update-branch`). 409: no open PR, the agent at work, nothing to
    update, or a conflict (nothing changed; it names the files)."""
    return task_out(services, services.github_pulls.update_branch(task_id))


@router.post("/{task_id}/reject", response_model=TaskOut)
def reject_task(task_id: str, body: Feedback, services: Services) -> TaskOut:
    return task_out(services, services.tasks.reject(task_id, body.feedback))
