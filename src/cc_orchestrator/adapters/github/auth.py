"""Where cco's GitHub credentials come from, in this order:

1. `github.token` of the user's settings ("settings");
2. `$GITHUB_TOKEN`, then `$GH_TOKEN` (what the gh CLI and GitHub Actions set);
3. `gh auth token [--hostname HOST]` when gh is on PATH ("gh"; HOST from github.api_url for a
   GitHub Enterprise Server), run with a timeout, its output never logged;
4. a GitHub App: github.app_id + app_private_key_file + app_installation_id ("app <id>"),
   whose installation tokens githubkit makes and renews (AppInstallationAuthStrategy).

Only the label of the source is ever shown, never the value, and every token found is
registered with the log redaction (logs.register_secrets), so it is masked wherever it would
appear. None found: GitHubError "no GitHub credentials" with the ways to set one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from githubkit.auth import AppInstallationAuthStrategy, BaseAuthStrategy, TokenAuthStrategy

from cc_orchestrator.adapters.process import Completed, run
from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.domain.errors import ExternalError
from cc_orchestrator.domain.github import GitHubError
from cc_orchestrator.domain.github_remote import web_host
from cc_orchestrator.logs import get_logger, register_secrets

log = get_logger("cco.github")

NO_CREDENTIALS_HINT = (
    "set GITHUB_TOKEN, run `gh auth login`, or set github.token in your user settings"
)
GH_TIMEOUT_S = 10.0
APP_KEYS = ("app_id", "app_private_key_file", "app_installation_id")

Runner = Callable[..., Completed]


@dataclass(frozen=True)
class Credentials:
    """How to authenticate, and the label of where it came from (never the secret)."""

    source: str  # settings | GITHUB_TOKEN | GH_TOKEN | gh | app <id>
    strategy: BaseAuthStrategy = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # to blot out of any message

    @property
    def is_app(self) -> bool:
        return self.source.startswith("app ")


def _token(source: str, token: str) -> Credentials:
    register_secrets([token])
    return Credentials(source, TokenAuthStrategy(token), (token,))


def gh_token(
    api_url: str, *, runner: Runner = run, which: Callable[[str], str | None] = shutil.which
) -> str | None:
    """`gh auth token` for the API's host, or None (no gh, not logged in, too slow)."""
    gh = which("gh")
    if gh is None:
        return None
    host = web_host(api_url)
    args = [gh, "auth", "token", *(["--hostname", host] if host != "github.com" else [])]
    env = {**os.environ, "GH_PROMPT_DISABLED": "1", "NO_COLOR": "1", "GH_NO_UPDATE_NOTIFIER": "1"}
    try:
        res = runner(args, env=env, timeout=GH_TIMEOUT_S, check=False)
    except ExternalError as exc:  # did not finish in time, or vanished from PATH
        log.info("github.gh_token_failed", why=str(exc))
        return None
    token = res.stdout.strip()
    if res.returncode != 0 or not token or any(c.isspace() for c in token):
        log.info("github.gh_not_logged_in", host=host, rc=res.returncode)
        return None
    return token


def _private_key(path_text: str) -> str:
    """The App's PEM key, read only from a regular file of this user that no one else can
    read (like ~/.ssh's keys)."""
    path = Path(path_text).expanduser()
    try:
        info = path.stat()
    except OSError as exc:
        raise GitHubError(
            f"cannot read the GitHub App's private key {path}: {exc.strerror or exc}",
            hint="set github.app_private_key_file to the PEM file GitHub gave you",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise GitHubError(f"the GitHub App's private key {path} is not a file")
    if info.st_uid != os.getuid():
        raise GitHubError(
            f"the GitHub App's private key {path} belongs to another user",
            hint="use a copy of your own: it signs as the App",
        )
    if info.st_mode & 0o077:
        raise GitHubError(
            f"the GitHub App's private key {path} can be read by others "
            f"(mode {stat.S_IMODE(info.st_mode):04o})",
            hint=f"chmod 600 {path}",
        )
    try:
        key = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise GitHubError(f"cannot read the GitHub App's private key {path}: {exc}") from None
    if "PRIVATE KEY-----" not in key:
        raise GitHubError(
            f"{path} is not a PEM private key",
            hint="download a private key from the App's settings on GitHub (a .pem file)",
        )
    return key


def _app(settings: GithubConfig) -> Credentials | None:
    given = {k: getattr(settings, k) for k in APP_KEYS}
    if not any(v is not None for v in given.values()):
        return None
    missing = [f"github.{k}" for k, v in given.items() if v is None]
    if missing:
        raise GitHubError(
            f"the GitHub App is only half set up: {', '.join(missing)} missing",
            hint="a GitHub App needs github.app_id, github.app_private_key_file and "
            "github.app_installation_id; or " + NO_CREDENTIALS_HINT,
        )
    if importlib.util.find_spec("jwt") is None or importlib.util.find_spec("cryptography") is None:
        raise GitHubError(
            "a GitHub App's credentials need PyJWT and cryptography, which are not installed",
            hint="pip install 'cc-orchestrator[github-app]'",
        )
    assert settings.app_private_key_file is not None and settings.app_installation_id is not None
    key = _private_key(settings.app_private_key_file)
    secrets = [key, *(line for line in key.splitlines() if len(line) >= 16)]
    register_secrets(secrets)
    strategy = AppInstallationAuthStrategy(settings.app_id, key, settings.app_installation_id)
    return Credentials(f"app {settings.app_id}", strategy, tuple(secrets))


def find_credentials(
    settings: GithubConfig,
    *,
    environ: Mapping[str, str] | None = None,
    runner: Runner = run,
    which: Callable[[str], str | None] = shutil.which,
) -> Credentials:
    """The first source that has credentials (the module's order); GitHubError when none."""
    env = os.environ if environ is None else environ
    if settings.token is not None and settings.token.get_secret_value().strip():
        return _token("settings", settings.token.get_secret_value().strip())
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = env.get(name, "").strip()
        if value:
            return _token(name, value)
    token = gh_token(settings.api_url, runner=runner, which=which)
    if token is not None:
        return _token("gh", token)
    app = _app(settings)
    if app is not None:
        return app
    raise GitHubError("no GitHub credentials", hint=NO_CREDENTIALS_HINT)
