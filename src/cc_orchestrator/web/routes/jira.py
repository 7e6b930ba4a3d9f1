"""Jira: the connection's status (the same as `cco jira status`)."""

from __future__ import annotations

from fastapi import APIRouter

from cc_orchestrator.web.deps import Services
from cc_orchestrator.web.schemas_jira import JiraStatusOut

router = APIRouter(prefix="/api/jira")


@router.get("/status", response_model=JiraStatusOut)
def jira_status(services: Services) -> JiraStatusOut:
    """The site and API root, where the credentials come from (never them), the account they
    act as, and each repository's JQL and last sync. Answered 200 when Jira is unreachable,
    no site is set or the credentials are refused too: `connected` is false and `error` says
    why."""
    return JiraStatusOut.from_status(services.jira_connection.status())
