"""Worktrees: the active ones with who works in each, create, remove."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from cc_orchestrator.web.bodies import WorktreeCreate
from cc_orchestrator.web.deps import Services
from cc_orchestrator.web.schemas import Removed, WorktreeOut

router = APIRouter(prefix="/api/worktrees")


@router.get("", response_model=list[WorktreeOut])
def list_worktrees(services: Services) -> list[WorktreeOut]:
    """Each with its owner: the instance working in it (the live one, else the latest) and
    its task, as `cco worktrees list` shows them."""
    views = services.worktrees.views()
    owners = services.overview.worktree_owners([v.worktree.id for v in views])
    return [
        WorktreeOut.from_domain(v.worktree, exists=v.exists, owner=owners.get(v.worktree.id))
        for v in views
    ]


@router.post("", response_model=WorktreeOut, status_code=201)
def create_worktree(body: WorktreeCreate, services: Services) -> WorktreeOut:
    wt = services.worktrees.create(
        repo=Path(body.repo), name=body.name, base=body.base, branch=body.branch
    )
    owner = services.overview.worktree_owners([wt.id]).get(wt.id)
    return WorktreeOut.from_domain(wt, exists=wt.path.is_dir(), owner=owner)


@router.delete("/{worktree_id}", response_model=Removed)
def remove_worktree(
    worktree_id: str, services: Services, force: bool = False, delete_branch: bool = False
) -> Removed:
    notes = services.worktrees.remove(worktree_id, force=force, delete_branch=delete_branch)
    return Removed(notes=notes)
