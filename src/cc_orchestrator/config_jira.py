"""The `jira` settings section: the connection to one Jira Cloud site (user-only), and per
repository which issues become tasks (a JQL query) and how a task's state moves the issue
through its workflow (transitions)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

#: cco's task states that can move a Jira issue, and the default transition names
STATE_TRANSITIONS: dict[str, str] = {
    "running": "In Progress",
    "needs_input": "",
    "review": "In Review",
    "failed": "",
    "done": "Done",
}


class JiraConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # ---- the connection: only the user's own settings choose these (config_trust)
    site_url: str | None = Field(
        default=None,
        description="The Jira Cloud site, https://your-domain.atlassian.net (its issues' "
        "links point there).",
        pattern=r"^https?://[^\s?#]+$",
    )
    api_url: str | None = Field(
        default=None,
        description="The REST API's root (default: site_url); for OAuth 2.0 (3LO) tokens "
        "https://api.atlassian.com/ex/jira/CLOUD_ID.",
        pattern=r"^https?://[^\s?#]+$",
    )
    email: str | None = Field(
        default=None,
        description="The Atlassian account's email, with api_token (basic auth).",
        max_length=254,
    )
    api_token: SecretStr | None = Field(
        default=None,
        description="An Atlassian API token (default: $JIRA_API_TOKEN). Secret: never shown, "
        "logged or returned by the API.",
    )
    oauth_token: SecretStr | None = Field(
        default=None,
        description="An OAuth 2.0 (3LO) access token, sent as a bearer token instead of "
        "email and api_token (default: $JIRA_OAUTH_TOKEN).",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the Jira admin webhook (X-Hub-Signature); without it "
        "POST /api/webhooks/jira refuses every delivery.",
    )
    projects: list[str] | None = Field(
        default=None,
        description="The Jira project keys whose issues may become tasks (default: any the "
        "account can see). A repository's jira.jql cannot reach past them.",
    )
    # ---- per repository (a project file may set these)
    jql: str | None = Field(
        default=None,
        description="Which issues become this repository's tasks, e.g. "
        "'project = WEB AND labels = cco'.",
        max_length=2000,
    )
    sync: bool = Field(default=False, description="The daemon turns the JQL's issues into tasks.")
    include_comments: bool = Field(
        default=False, description="The issue's comments are added to the task's prompt."
    )
    priorities: dict[str, int] = Field(
        default_factory=lambda: {"Highest": 20, "High": 10, "Low": -10, "Lowest": -20},
        description="Jira priority name -> task priority.",
    )
    transitions: dict[str, str] = Field(
        default_factory=lambda: dict(STATE_TRANSITIONS),
        description="Task state -> the workflow transition (or target status) that says it "
        f"on the issue ({', '.join(STATE_TRANSITIONS)}); an empty name moves nothing.",
    )
    project_transitions: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per Jira project key, transitions that differ from `transitions` "
        "(e.g. WEB: {review: Code Review}).",
    )
    comment: bool = Field(
        default=True, description="One comment per task on its issue, edited in place."
    )
    link_pull_requests: bool = Field(
        default=True, description="The task's pull request is linked on the issue (a remote link)."
    )
    poll_s: float = Field(
        default=60.0, ge=1.0, description="How often the daemon runs the JQL queries."
    )
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per-request limit.")

    def transition_for(self, project: str, state: str) -> str | None:
        """The transition (or target status) name that says `state` in a project, if any."""
        own = self.project_transitions.get(project, {})
        name = own[state] if state in own else self.transitions.get(state)
        return name or None

    def secrets(self) -> list[str]:
        return [
            s.get_secret_value()
            for s in (self.api_token, self.oauth_token, self.webhook_secret)
            if s is not None
        ]
