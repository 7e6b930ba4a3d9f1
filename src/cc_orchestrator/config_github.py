"""The `github` settings section: the connection (user-only), and per repository which issues
become tasks, which labels say a task's state, and how work lands as a pull request."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, SecretStr

#: cco's task states that a label can say on the issue, and the default label names
STATE_LABELS: dict[str, str] = {
    "running": "cco:running",
    "needs_input": "cco:needs-input",
    "review": "cco:review",
    "failed": "cco:failed",
    "done": "cco:done",
}


class GithubConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    # ---- the connection: only the user's own settings choose these (config_trust)
    api_url: str = Field(
        default="https://api.github.com",
        description="The REST API's root: https://api.github.com, or "
        "https://HOST/api/v3 for GitHub Enterprise Server.",
        pattern=r"^https?://[^\s?#]+$",
    )
    token: SecretStr | None = Field(
        default=None,
        description="A token (default: $GITHUB_TOKEN, $GH_TOKEN, then `gh auth token`). "
        "Secret: never shown, logged or returned by the API.",
    )
    app_id: PositiveInt | None = Field(default=None, description="A GitHub App's id.")
    app_private_key_file: str | None = Field(
        default=None, description="The GitHub App's private key (a PEM file)."
    )
    app_installation_id: PositiveInt | None = Field(
        default=None, description="The GitHub App's installation on the repositories."
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the repository's webhook (X-Hub-Signature-256); without "
        "it POST /api/webhooks/github refuses every delivery.",
    )
    # ---- per repository (a project file may set these)
    repository: str | None = Field(
        default=None,
        description="owner/name on GitHub (default: from the remote's URL).",
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
    )
    remote: str = Field(
        default="origin",
        description="The git remote that is the GitHub repository.",
        pattern=r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$",
    )
    sync: bool = Field(
        default=False, description="The daemon turns this repository's issues into tasks."
    )
    label: str | None = Field(
        default="cco", description="Issues with this label become tasks (None: any)."
    )
    assignee: str | None = Field(default=None, description="Only issues assigned to this login.")
    milestone: str | None = Field(
        default=None, description="Only issues of this milestone (its number, or * or none)."
    )
    include_comments: bool = Field(
        default=False, description="The issue's comments are added to the task's prompt."
    )
    priority_labels: dict[str, int] = Field(
        default_factory=lambda: {"priority:high": 10, "priority:low": -10},
        description="Issue label -> task priority.",
    )
    status_labels: dict[str, str] = Field(
        default_factory=lambda: dict(STATE_LABELS),
        description="Task state -> the label that says it on the issue "
        f"({', '.join(STATE_LABELS)}); an empty name puts none.",
    )
    comment: bool = Field(
        default=True, description="One comment per task on its issue, edited in place."
    )
    pull_requests: bool = Field(
        default=False,
        description="Work lands as a pull request (push the branch, open a PR) instead of "
        "a local merge.",
    )
    open_pr_at: Literal["approve", "review"] = Field(
        default="approve",
        description="When the pull request opens: on approve, or as soon as the task is in review.",
    )
    draft: bool = Field(default=False, description="Pull requests open as drafts.")
    ci_rounds: NonNegativeInt = Field(
        default=3, description="Failing CI sent back to the agent at most this many times."
    )
    review_rounds: NonNegativeInt = Field(
        default=3, description="Changes requested sent back to the agent at most this often."
    )
    log_tail_bytes: PositiveInt = Field(
        default=4000, le=65536, description="How much of a failing job's log the agent gets."
    )
    poll_s: float = Field(
        default=60.0, ge=1.0, description="How often the daemon syncs issues and polls PRs."
    )
    timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per-request limit.")

    def state_label(self, state: str) -> str | None:
        return self.status_labels.get(state) or None

    def secrets(self) -> list[str]:
        return [s.get_secret_value() for s in (self.token, self.webhook_secret) if s is not None]
