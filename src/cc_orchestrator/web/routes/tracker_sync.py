"""Tracker issues to tasks now (`POST /api/github/sync`, `POST /api/jira/sync`), as `cco sync
github|jira` does; the daemon does it every <tracker>.poll_s for the repositories with
<tracker>.sync."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from cc_orchestrator.domain.errors import InvalidInput, NotFound
from cc_orchestrator.web.bodies import SyncBody
from cc_orchestrator.web.deps import Services
from cc_orchestrator.web.schemas import ErrorOut
from cc_orchestrator.web.schemas_links import SyncOut

router = APIRouter(prefix="/api")


def _sync(services: Services, tracker: str, body: SyncBody) -> SyncOut:
    path = Path(body.repo)
    if not path.is_absolute():
        raise InvalidInput(f"{body.repo!r} is not an absolute path", hint="name the repository's")
    root = services.worktrees.check(repo=path)
    with services.store.read() as tx:
        known = tx.repo_by_path(root)
    if known is None:
        raise NotFound(
            f"cco knows no repository at {root}",
            hint=f"add a task there first, or run `cco sync {tracker} --repo {root}`",
        )
    report = services.tracker_sync.sync(root, tracker, dry_run=body.dry_run, force=True)
    return SyncOut.model_validate(report.as_json())


@router.post(
    "/github/sync",
    response_model=SyncOut,
    responses={502: {"model": ErrorOut, "description": "GitHub refused or cannot be reached"}},
)
def sync_github(body: SyncBody, services: Services) -> SyncOut:
    """The repository's issues matching its filter (github.label, assignee, milestone) become
    tasks, once each; edits update tasks not yet started; closed issues cancel theirs.
    404: a repository cco does not know; 422: not a GitHub repository cco can tell;
    502: GitHub's refusal, with its message."""
    return _sync(services, "github", body)


@router.post(
    "/jira/sync",
    response_model=SyncOut,
    responses={502: {"model": ErrorOut, "description": "Jira refused or cannot be reached"}},
)
def sync_jira(body: SyncBody, services: Services) -> SyncOut:
    """The issues the repository's jira.jql finds become tasks, once each; edits update tasks
    not yet started; issues done cancel theirs. 404: a repository cco does not know; 422: a
    repository without jira.jql; 502: Jira's refusal (a JQL syntax error, an expired token),
    with its message."""
    return _sync(services, "jira", body)
