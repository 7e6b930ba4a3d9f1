"""What a failed GitHub request means for cco: GitHubUnavailable (retry later) or GitHubError
(refused for good), with GitHub's own words and never a library's exception or a token.

- no connection, a timeout, a closed connection, a 5xx (or 408): GitHubUnavailable;
- 403 or 429 that is a rate limit (`Retry-After`, `X-RateLimit-Remaining: 0`, or GitHub's
  "rate limit" message; every 429): GitHubUnavailable with retry_after_s from Retry-After,
  else X-RateLimit-Reset;
- 401: "GitHub refused the credentials (401): <message>", with where they came from and how to
  set a token;
- any other 4xx (403, 404, 410, 422...): GitHub's message, and a 422's validation errors.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx
from githubkit.exception import (
    GitHubException,
    RequestError,
    RequestFailed,
    RequestTimeout,
)

from cc_orchestrator.adapters.notify.http import retry_after, scrub
from cc_orchestrator.domain.github import GitHubError, GitHubUnavailable
from cc_orchestrator.logs import redact_text

MESSAGE_MAX = 300
TOKEN_HINT = "set GITHUB_TOKEN, run `gh auth login`, or set github.token in your user settings"
APP_HINT = "check github.app_id, github.app_private_key_file and github.app_installation_id"


def github_message(response: httpx.Response) -> str:
    """GitHub's own words: its JSON `message` and a 422's `errors`, else a short body text."""
    try:
        raw = response.read().decode("utf-8", "replace").strip()
    except (httpx.HTTPError, OSError):
        raw = ""
    try:
        data: Any = json.loads(raw) if raw else None
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        said = [str(data["message"])] if data.get("message") else []
        errors = data.get("errors")
        if isinstance(errors, list):
            said.extend(e for e in (_validation(x) for x in errors[:5]) if e)
        text = f"{said[0]}: {'; '.join(said[1:])}" if len(said) > 1 else "".join(said)
    elif raw and not raw.startswith("<"):  # a proxy's HTML page says nothing worth keeping
        text = raw
    else:
        text = response.reason_phrase or ""
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _validation(item: object) -> str:
    """One of a 422's errors: its message, else resource.field code."""
    if isinstance(item, str):
        return item
    if not isinstance(item, Mapping):
        return ""
    if item.get("message"):
        return str(item["message"])
    where = ".".join(str(item[k]) for k in ("resource", "field") if item.get(k))
    return " ".join(p for p in (where, str(item.get("code") or "")) if p)


def _rate_limit_wait(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    after = retry_after(headers.get("retry-after"), now=now)
    if after is not None:
        return after
    reset = headers.get("x-ratelimit-reset")
    try:
        return max(0.0, float(reset) - (time.time() if now is None else now)) if reset else None
    except ValueError:
        return None


def judge_response(
    response: httpx.Response, *, what: str, source: str, secrets: Iterable[str] = ()
) -> GitHubError:
    """The error a failed answer is (what: the request, `GET /repos/o/r/issues`)."""
    code = response.status_code
    message = clean(github_message(response), secrets)
    said = f": {message}" if message else ""
    headers = response.headers
    if code in (403, 429):
        limited = (
            code == 429
            or "retry-after" in headers
            or headers.get("x-ratelimit-remaining") == "0"
            or "rate limit" in message.lower()
        )
        if limited:
            wait = _rate_limit_wait(headers)
            when = f" (retry in {wait:.0f} s)" if wait is not None else ""
            return GitHubUnavailable(
                f"GitHub's rate limit ({code}) on {what}{said}{when}",
                status=code,
                retry_after_s=wait,
            )
    if code == 401:
        fix = APP_HINT if source.startswith("app ") else TOKEN_HINT
        return GitHubError(
            f"GitHub refused the credentials (401){said}",
            status=code,
            hint=f"they came from {source}; {fix}",
        )
    if code >= 500 or code == 408:
        return GitHubUnavailable(f"GitHub answered {code} to {what}{said}", status=code)
    return GitHubError(f"GitHub refused {what} ({code}){said}", status=code)


def judge(
    exc: BaseException,
    *,
    what: str,
    host: str,
    timeout_s: float,
    source: str,
    secrets: Iterable[str] = (),
) -> GitHubError:
    """The error any failure of a request is: never the library's own exception."""
    if isinstance(exc, GitHubError):
        return exc
    secrets = list(secrets)
    # a failure inside an auth flow (a GitHub App's token request) comes wrapped
    in_auth = False
    while (
        isinstance(exc, RequestError)
        and not isinstance(exc, RequestFailed | RequestTimeout)
        and isinstance(exc.exc, GitHubException)
    ):
        exc, in_auth = exc.exc, True
    if isinstance(exc, RequestFailed):
        response = exc.response.raw_response
        if not in_auth:
            return judge_response(response, what=what, source=source, secrets=secrets)
        asked = response.request
        said = judge_response(
            response, what=f"{asked.method} {asked.url.path}", source=source, secrets=secrets
        )
        if isinstance(said, GitHubUnavailable):
            return said
        # the credentials were refused, whatever the status: never "no such issue" (404)
        return GitHubError(said.message, status=401, hint=f"they came from {source}; {APP_HINT}")
    inner: BaseException = exc.exc if isinstance(exc, RequestError) else exc
    if isinstance(inner, httpx.TimeoutException):
        if isinstance(inner, httpx.ConnectTimeout | httpx.PoolTimeout):
            return GitHubUnavailable(f"no connection to {host} within {timeout_s:g} s")
        return GitHubUnavailable(f"no answer from {host} within {timeout_s:g} s to {what}")
    if isinstance(inner, httpx.ConnectError):
        if "refused" in str(inner).lower():
            return GitHubUnavailable(f"connection refused by {host}")
        return GitHubUnavailable(f"cannot connect to {host} ({_why(inner, secrets)})")
    if isinstance(inner, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return GitHubUnavailable(f"{host} closed the connection ({_why(inner, secrets)})")
    if isinstance(inner, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return GitHubError(f"github.api_url cannot be used ({_why(inner, secrets)})")
    if isinstance(inner, httpx.HTTPError):
        return GitHubUnavailable(f"{type(inner).__name__} talking to {host}")
    if isinstance(inner, GitHubException):  # AuthCredentialError and the like
        return GitHubError(
            f"GitHub credentials from {source} cannot be used: {type(inner).__name__}"
        )
    if isinstance(inner, UnicodeDecodeError | json.JSONDecodeError):
        return GitHubUnavailable(f"{host} answered {what} with something that is not JSON")
    # a GitHub App's key that does not sign (PyJWT, cryptography), or any other library error
    return GitHubError(f"{what} failed: {type(inner).__name__}: {_why(inner, secrets)}")


def clean(text: str, secrets: Iterable[str]) -> str:
    return redact_text(scrub(text, secrets))


def _why(exc: BaseException, secrets: Iterable[str]) -> str:
    text = clean(str(exc), secrets) or type(exc).__name__
    return " ".join(text.split())[:MESSAGE_MAX]
