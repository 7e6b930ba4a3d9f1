"""Where the GitHub credentials come from (settings, $GITHUB_TOKEN, $GH_TOKEN, `gh auth token`,
a GitHub App), only ever named by their source; a GitHub App's key of the user's own, signing
for installation tokens the fake GitHub accepts; and what a refusal's answer becomes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from cc_orchestrator.adapters.github import auth
from cc_orchestrator.adapters.github.auth import find_credentials
from cc_orchestrator.adapters.github.client import GitHubClient
from cc_orchestrator.adapters.github.errors import judge_response
from cc_orchestrator.config_github import GithubConfig
from cc_orchestrator.domain.github import GitHubError, GitHubUnavailable, NotModified, RepoRef
from cc_orchestrator.logs import redact_text
from tests.support.fake_github import FakeGitHub

ENV_TOKEN = "ghp_" + "E" * 36
GH_TOKEN = "gho_" + "G" * 36


@pytest.fixture
def gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `gh` on PATH that answers `auth token` with a token and records its arguments; its
    exit code and output come from files the test may change."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "gh"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{tmp_path}/gh-args"\n'
        f'[ -f "{tmp_path}/gh-sleep" ] && sleep "$(cat {tmp_path}/gh-sleep)"\n'
        f'if [ -f "{tmp_path}/gh-fail" ]; then echo "no oauth token found" >&2; exit 1; fi\n'
        f"echo {GH_TOKEN}\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def gh_args(where: Path) -> list[str]:
    log = where / "gh-args"
    return log.read_text().splitlines() if log.exists() else []


def settings(**values: object) -> GithubConfig:
    return GithubConfig(**values)  # type: ignore[arg-type]


def test_the_order_of_the_sources(gh: Path) -> None:
    env = {"GITHUB_TOKEN": ENV_TOKEN, "GH_TOKEN": "ghp_" + "H" * 36}
    mine = settings(token=SecretStr("ghp_" + "S" * 36))
    assert find_credentials(mine, environ=env).source == "settings"
    assert find_credentials(settings(), environ=env).source == "GITHUB_TOKEN"
    assert find_credentials(settings(), environ={"GH_TOKEN": env["GH_TOKEN"]}).source == "GH_TOKEN"
    assert gh_args(gh) == []  # gh is asked only when nothing before it has a token
    assert find_credentials(settings(), environ={"GITHUB_TOKEN": "  "}).source == "gh"
    assert gh_args(gh) == ["auth token"]  # github.com: no --hostname


def test_gh_for_an_enterprise_server_and_gh_failing(gh: Path) -> None:
    ghes = settings(api_url="https://ghe.example.com/api/v3")
    found = find_credentials(ghes, environ={})
    assert found.source == "gh"
    assert gh_args(gh) == ["auth token --hostname ghe.example.com"]
    (gh / "gh-fail").write_text("")
    with pytest.raises(GitHubError) as none:
        find_credentials(ghes, environ={})
    assert none.value.message == "no GitHub credentials"
    assert "gh auth login" in (none.value.hint or "")


def test_a_slow_gh_is_given_up(gh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "GH_TIMEOUT_S", 0.3)
    (gh / "gh-sleep").write_text("5")
    with pytest.raises(GitHubError, match="no GitHub credentials"):
        find_credentials(settings(), environ={})


def test_no_gh_and_nothing_else() -> None:
    with pytest.raises(GitHubError) as none:
        find_credentials(settings(), environ={}, which=lambda _name: None)
    assert none.value.message == "no GitHub credentials"
    assert none.value.hint == (
        "set GITHUB_TOKEN, run `gh auth login`, or set github.token in your user settings"
    )


def test_a_gh_token_refused_is_asked_for_again(
    gh: Path, fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gh's token was revoked: after the 401, the next request asks gh again (the user ran
    `gh auth login` meanwhile), without a restart."""
    script = gh / "bin" / "gh"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{gh}/gh-args"\ncat "{gh}/gh-token"\n')
    (gh / "gh-token").write_text("gho_revokedrevokedrevoked\n")
    api = GitHubClient(settings(api_url=fake_github.url))
    with pytest.raises(GitHubError) as refused:
        api.whoami()
    assert refused.value.status == 401 and "they came from gh" in (refused.value.hint or "")
    (gh / "gh-token").write_text(f"{fake_github.token}\n")
    assert api.whoami() == "cco-bot"
    assert api.whoami() == "cco-bot"
    assert len(gh_args(gh)) == 2  # asked once per token, not once per request
    api.close()


def test_tokens_are_only_named_and_always_masked(gh: Path) -> None:
    found = find_credentials(settings(), environ={"GITHUB_TOKEN": "plain-token-value-123"})
    assert "plain-token-value-123" not in repr(found)
    assert redact_text("sent plain-token-value-123 there") == "sent *** there"
    from_gh = find_credentials(settings(), environ={})
    assert GH_TOKEN not in repr(from_gh) and GH_TOKEN not in redact_text(f"x {GH_TOKEN}")


# ---------------------------------------------------------------------- a GitHub App
def rsa_key() -> tuple[str, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def key_file(tmp_path: Path, pem: str, mode: int = 0o600) -> Path:
    path = tmp_path / "app.pem"
    path.write_text(pem)
    path.chmod(mode)
    return path


def app_settings(url: str, path: Path, **more: object) -> GithubConfig:
    values: dict[str, object] = {
        "api_url": url,
        "app_id": 4242,
        "app_private_key_file": str(path),
        "app_installation_id": 7,
        **more,
    }
    return settings(**values)


def test_a_github_app_signs_for_installation_tokens(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    private, public = rsa_key()
    fake_github.app(4242, public, installation_id=7)
    api = GitHubClient(app_settings(fake_github.url, key_file(tmp_path, private)))
    assert api.credential_source() == "app 4242"
    assert api.whoami() == "fake-app"
    number = fake_github.add_issue("For the App", labels=["cco"])
    found = api.issues(RepoRef("acme", "widgets"), label="cco", assignee=None, milestone=None)
    assert not isinstance(found, NotModified) and [i.number for i in found[0]] == [number]
    api.add_comment(RepoRef("acme", "widgets"), number, "from the App")
    made = [r for r in fake_github.requests if r.path.endswith("/access_tokens")]
    assert len(made) == 1  # one installation token, kept for the next requests
    assert fake_github.state.comments and redact_text(private) == "***"
    api.close()


def test_a_wrong_installation_or_key_is_refused(fake_github: FakeGitHub, tmp_path: Path) -> None:
    private, public = rsa_key()
    fake_github.app(4242, public, installation_id=7)
    path = key_file(tmp_path, private)
    wrong_install = GitHubClient(app_settings(fake_github.url, path, app_installation_id=8))
    with pytest.raises(GitHubError) as refused:
        wrong_install.issue(RepoRef("acme", "widgets"), 1)
    # the token request's 404 is no "no such issue": the credentials are refused
    assert refused.value.status == 401 and "access_tokens (404): Not Found" in refused.value.message
    assert refused.value.hint and "github.app_installation_id" in refused.value.hint
    other, _ = rsa_key()
    wrong_key = GitHubClient(app_settings(fake_github.url, key_file(tmp_path, other)))
    with pytest.raises(GitHubError) as bad:
        wrong_key.issue(RepoRef("acme", "widgets"), 1)
    assert bad.value.status == 401 and "could not be decoded" in bad.value.message
    assert "BEGIN" not in str(bad.value) and other.splitlines()[1] not in str(bad.value)


def test_the_key_must_be_the_users_own(tmp_path: Path) -> None:
    private, _ = rsa_key()
    loose = key_file(tmp_path, private, 0o644)
    with pytest.raises(GitHubError) as readable:
        find_credentials(
            app_settings("https://api.github.com", loose), environ={}, which=lambda _n: None
        )
    assert "can be read by others (mode 0644)" in readable.value.message
    assert readable.value.hint == f"chmod 600 {loose}"
    with pytest.raises(GitHubError, match="cannot read the GitHub App's private key"):
        find_credentials(
            app_settings("https://api.github.com", tmp_path / "missing.pem"),
            environ={},
            which=lambda _n: None,
        )
    not_pem = key_file(tmp_path, "hello\n")
    with pytest.raises(GitHubError, match="is not a PEM private key"):
        find_credentials(
            app_settings("https://api.github.com", not_pem), environ={}, which=lambda _n: None
        )
    if os.getuid() == 0:  # root can give the file away: another user's key is refused
        theirs = key_file(tmp_path, private)
        os.chown(theirs, 65534, 65534)
        assert stat.S_IMODE(theirs.stat().st_mode) == 0o600
        with pytest.raises(GitHubError, match="belongs to another user"):
            find_credentials(
                app_settings("https://api.github.com", theirs), environ={}, which=lambda _n: None
            )


def test_half_an_app_says_what_is_missing() -> None:
    with pytest.raises(GitHubError) as half:
        find_credentials(settings(app_id=1), environ={}, which=lambda _n: None)
    assert "github.app_private_key_file, github.app_installation_id missing" in half.value.message


# ---------------------------------------------------------------------- what an answer means
def answer(status: int, body: bytes = b"", **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers)


def judged(response: httpx.Response) -> GitHubError:
    return judge_response(response, what="GET /x", source="GITHUB_TOKEN", secrets=["s3cret-tok"])


def test_answers_judged() -> None:
    forbidden = judged(answer(403, b'{"message": "Resource not accessible by integration"}'))
    assert type(forbidden) is GitHubError and forbidden.status == 403
    assert (
        forbidden.message == "GitHub refused GET /x (403): Resource not accessible by integration"
    )

    secondary = judged(
        answer(
            403,
            b'{"message": "You have exceeded a secondary rate limit."}',
            **{"Retry-After": "30"},
        )
    )
    assert isinstance(secondary, GitHubUnavailable) and secondary.retry_after_s == 30
    dated = judged(answer(429, b"{}", **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert isinstance(dated, GitHubUnavailable) and dated.retry_after_s == 0  # in the past
    bare_429 = judged(answer(429))
    assert isinstance(bare_429, GitHubUnavailable) and bare_429.retry_after_s is None

    invalid = judged(
        answer(
            422,
            b'{"message": "Validation Failed", "errors": [{"resource": "Issue", "field": '
            b'"title", "code": "missing_field"}, {"message": "title is too long"}, "plain"]}',
        )
    )
    assert invalid.message == (
        "GitHub refused GET /x (422): Validation Failed: Issue.title missing_field; "
        "title is too long; plain"
    )
    html = judged(answer(502, b"<html><body>Bad gateway</body></html>"))
    assert (
        isinstance(html, GitHubUnavailable)
        and html.message == "GitHub answered 502 to GET /x: Bad Gateway"
    )
    leaked = judged(answer(401, b'{"message": "token s3cret-tok is bad"}'))
    assert "s3cret-tok" not in str(leaked) and leaked.hint and "GITHUB_TOKEN" in leaked.hint
    gone = judged(answer(410, b'{"message": "This issue was deleted"}'))
    assert type(gone) is GitHubError and gone.status == 410 and "deleted" in gone.message
