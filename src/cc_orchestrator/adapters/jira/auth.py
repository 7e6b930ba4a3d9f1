"""Where cco's Jira credentials come from, in this order:

1. an OAuth 2.0 (3LO) access token: `jira.oauth_token`, else `$JIRA_OAUTH_TOKEN`, sent as
   `Authorization: Bearer`;
2. an Atlassian account's email and API token: `jira.email` (else `$JIRA_EMAIL`) with
   `jira.api_token` (else `$JIRA_API_TOKEN`), sent as basic auth.

Only the label of the source is ever shown (`jira.oauth_token`, `JIRA_OAUTH_TOKEN`,
`jira.email + JIRA_API_TOKEN`...), never the value, and every token found (and its basic-auth
encoding) is registered with the log redaction (logs.register_secrets), so it is masked
wherever it would appear. None found, or half of a pair: JiraError with the ways to set them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from cc_orchestrator.config_jira import JiraConfig
from cc_orchestrator.domain.jira import JiraError
from cc_orchestrator.logs import register_secrets

API_TOKENS_URL = "https://id.atlassian.com/manage-profile/security/api-tokens"
NO_CREDENTIALS_HINT = (
    "set JIRA_EMAIL and JIRA_API_TOKEN (an API token made at "
    f"{API_TOKENS_URL}), or jira.email and jira.api_token in your user settings; "
    "or JIRA_OAUTH_TOKEN for an OAuth 2.0 access token"
)


@dataclass(frozen=True)
class Credentials:
    """The Authorization header, and the label of where it came from (never the secret)."""

    source: str  # jira.oauth_token | JIRA_OAUTH_TOKEN | jira.email + JIRA_API_TOKEN | ...
    kind: str  # bearer | basic
    authorization: str = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # to blot out of any message

    @property
    def is_oauth(self) -> bool:
        return self.kind == "bearer"


def _setting(value: SecretStr | str | None) -> str:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return (value or "").strip()


def _pick(
    setting: SecretStr | str | None, key: str, env: Mapping[str, str], var: str
) -> tuple[str, str]:
    """(value, its label): the setting, else the environment variable; ("", "") when neither."""
    value = _setting(setting)
    if value:
        return value, f"jira.{key}"
    value = env.get(var, "").strip()
    return (value, var) if value else ("", "")


def find_credentials(
    settings: JiraConfig, *, environ: Mapping[str, str] | None = None
) -> Credentials:
    """The first source that has credentials (the module's order); JiraError when none."""
    env = os.environ if environ is None else environ
    token, source = _pick(settings.oauth_token, "oauth_token", env, "JIRA_OAUTH_TOKEN")
    if token:
        register_secrets([token])
        return Credentials(source, "bearer", f"Bearer {token}", (token,))
    email, email_from = _pick(settings.email, "email", env, "JIRA_EMAIL")
    api_token, token_from = _pick(settings.api_token, "api_token", env, "JIRA_API_TOKEN")
    if api_token and not email:
        raise JiraError(
            f"an API token is set ({token_from}) but not the account's email",
            hint="set JIRA_EMAIL or jira.email to the email of the Atlassian account the "
            "token belongs to",
        )
    if email and not api_token:
        raise JiraError(
            f"the account's email is set ({email_from}) but not its API token",
            hint=f"make an API token at {API_TOKENS_URL} and set JIRA_API_TOKEN or "
            "jira.api_token in your user settings",
        )
    if not api_token:
        raise JiraError("no Jira credentials", hint=NO_CREDENTIALS_HINT)
    encoded = base64.b64encode(f"{email}:{api_token}".encode()).decode("ascii")
    register_secrets([api_token, encoded])
    return Credentials(
        f"{email_from} + {token_from}", "basic", f"Basic {encoded}", (api_token, encoded)
    )
