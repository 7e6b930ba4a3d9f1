"""Jira Cloud: the REST API v3 over httpx (client.py), where its credentials come from
(auth.py), what a failure means (errors.py), Jira's JSON into cco's records (mapping.py), and
Atlassian Document Format <-> Markdown (adf.py), and Jira behind the issue-tracker port
(tracker.py)."""

from __future__ import annotations

from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.ports_jira import JiraApi


def make_jira(cfg: JiraConfig) -> JiraApi:
    """A client for these settings; lazy: no network and no credentials read until its first
    request. InvalidInput when jira.site_url is not set."""
    from cc_orchestrator.adapters.jira.client import JiraClient

    return JiraClient(cfg)
