"""What a failed Jira request means for cco: JiraUnavailable (retry later) or JiraError (refused
for good), with Jira's own words and never an httpx exception or a token.

- no connection, a timeout, a closed connection, a 5xx (or 408): JiraUnavailable;
- 429: JiraUnavailable with retry_after_s from Retry-After (seconds or an HTTP date);
- 401: the credentials were refused, may have expired, where they came from and where to make
  new ones;
- any other 4xx (400 such as a JQL syntax error, 403, 404, 410...): Jira's `errorMessages` and
  `errors` joined.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from cc_orchestrator.adapters.jira.auth import API_TOKENS_URL
from cc_orchestrator.adapters.notify.http import retry_after, scrub
from cc_orchestrator.domain.jira import JiraError, JiraUnavailable
from cc_orchestrator.logs import redact_text

MESSAGE_MAX = 300


def jira_message(response: httpx.Response) -> str:
    """Jira's own words: `errorMessages` and `errors` (field: message), else `message`, else a
    short body text."""
    try:
        raw = response.read().decode("utf-8", "replace").strip()
    except (httpx.HTTPError, OSError):
        raw = ""
    try:
        data: Any = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        said = [str(m) for m in data.get("errorMessages") or () if m]
        errors = data.get("errors")
        if isinstance(errors, Mapping):
            said.extend(f"{k}: {v}" for k, v in errors.items() if v)
        if not said and data.get("message"):
            said.append(str(data["message"]))
        text = "; ".join(said) or response.reason_phrase or ""
    elif raw and not raw.startswith("<"):  # a proxy's HTML page says nothing worth keeping
        text = raw
    else:
        text = response.reason_phrase or ""
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def refused_hint(source: str, kind: str) -> str:
    """How to get credentials Jira takes again."""
    if kind == "bearer":
        return (
            f"they came from {source}; an OAuth 2.0 access token lasts an hour: get a new one "
            "(refresh it) and set JIRA_OAUTH_TOKEN or jira.oauth_token"
        )
    return (
        f"they came from {source}; make a new API token at {API_TOKENS_URL} and set "
        "JIRA_API_TOKEN or jira.api_token (with the email of the account it belongs to)"
    )


def judge_response(
    response: httpx.Response,
    *,
    what: str,
    source: str,
    kind: str,
    secrets: Iterable[str] = (),
) -> JiraError:
    """The error a failed answer is (what: the request, `POST /rest/api/3/search/jql`)."""
    code = response.status_code
    message = clean(jira_message(response), secrets)
    said = f": {message}" if message else ""
    if code == 429:
        wait = retry_after(response.headers.get("retry-after"))
        when = f" (retry in {wait:.0f} s)" if wait is not None else ""
        return JiraUnavailable(
            f"Jira's rate limit (429) on {what}{said}{when}", status=code, retry_after_s=wait
        )
    if code == 401:
        return JiraError(
            f"Jira refused the credentials from {source} (401){said}; the token may have "
            "expired or been revoked",
            status=code,
            hint=refused_hint(source, kind),
        )
    if code >= 500 or code == 408:
        wait = retry_after(response.headers.get("retry-after"))
        return JiraUnavailable(
            f"Jira answered {code} to {what}{said}", status=code, retry_after_s=wait
        )
    if 300 <= code < 400:
        return JiraError(
            f"Jira answered {what} with a redirect ({code}) cco does not follow",
            status=code,
            hint="set jira.api_url (or jira.site_url) to the site's own address",
        )
    return JiraError(f"Jira refused {what} ({code}){said}", status=code)


def judge(
    exc: BaseException, *, what: str, host: str, timeout_s: float, secrets: Iterable[str] = ()
) -> JiraError:
    """The error any failure of a request is: never httpx's own exception."""
    if isinstance(exc, JiraError):
        return exc
    secrets = list(secrets)
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return JiraUnavailable(f"no connection to {host} within {timeout_s:g} s")
        return JiraUnavailable(f"no answer from {host} within {timeout_s:g} s to {what}")
    if isinstance(exc, httpx.ConnectError):
        if "refused" in str(exc).lower():
            return JiraUnavailable(f"connection refused by {host}")
        return JiraUnavailable(f"cannot connect to {host} ({_why(exc, secrets)})")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return JiraUnavailable(f"{host} closed the connection ({_why(exc, secrets)})")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return JiraError(f"jira.api_url cannot be used ({_why(exc, secrets)})")
    if isinstance(exc, httpx.HTTPError):
        return JiraUnavailable(f"{type(exc).__name__} talking to {host}")
    if isinstance(exc, UnicodeDecodeError | json.JSONDecodeError):
        return JiraUnavailable(f"{host} answered {what} with something that is not JSON")
    return JiraError(f"{what} failed: {type(exc).__name__}: {_why(exc, secrets)}")


def clean(text: str, secrets: Iterable[str]) -> str:
    return redact_text(scrub(text, secrets))


def _why(exc: BaseException, secrets: Iterable[str]) -> str:
    text = clean(str(exc), secrets) or type(exc).__name__
    return " ".join(text.split())[:MESSAGE_MAX]
