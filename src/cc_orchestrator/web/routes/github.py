"""GitHub: the connection's status (the same as `cco github status`)."""

from __future__ import annotations

from fastapi import APIRouter

from cc_orchestrator.web.deps import Services
from cc_orchestrator.web.schemas_github import GitHubStatusOut

router = APIRouter(prefix="/api/github")


@router.get("/status", response_model=GitHubStatusOut)
def github_status(services: Services) -> GitHubStatusOut:
    """The API root, where the credentials come from (never them), who they act as, the rate
    limit, and each repository's GitHub side. Answered 200 when GitHub is unreachable or
    refuses the credentials too: `connected` is false and `error` says why."""
    return GitHubStatusOut.from_status(services.github_connection.status())
