"""repo_from_remote: every URL form git accepts for GitHub (and a GitHub Enterprise Server)
gives owner/name, credentials never kept; anything else is None. web_host: the API's host."""

from __future__ import annotations

import pytest

from cc_orchestrator.domain.github import RepoRef
from cc_orchestrator.domain.github_remote import repo_from_remote, web_host

ACME = RepoRef("acme", "widgets")


@pytest.mark.parametrize(
    "url",
    [
        "git@github.com:acme/widgets.git",
        "git@github.com:acme/widgets",
        "github.com:acme/widgets.git",
        "git@GitHub.com:acme/widgets.git",
        "https://github.com/acme/widgets",
        "https://github.com/acme/widgets.git",
        "https://github.com/acme/widgets/",
        "https://github.com/acme/widgets.git/",
        "http://github.com/acme/widgets",
        "https://www.github.com/acme/widgets",
        "ssh://git@github.com/acme/widgets.git",
        "ssh://git@github.com:22/acme/widgets.git",
        "ssh://git@ssh.github.com:443/acme/widgets.git",
        "git://github.com/acme/widgets.git",
        "git+ssh://git@github.com/acme/widgets.git",
        "  https://github.com/acme/widgets.git\n",
        "https://user:ghp_secret123456@github.com/acme/widgets",
        "https://ghp_secret123456@github.com/acme/widgets.git",
        "https://x-access-token:ghs_abc@github.com/acme/widgets.git",
    ],
)
def test_github_com_forms(url: str) -> None:
    assert repo_from_remote(url) == ACME


def test_names_keep_their_dots_dashes_and_case() -> None:
    assert repo_from_remote("git@github.com:My-Org/my.repo_2.git") == RepoRef("My-Org", "my.repo_2")
    # only one trailing .git comes off: a repository may be named "x.git"
    assert repo_from_remote("https://github.com/o/x.git.git") == RepoRef("o", "x.git")


def test_credentials_are_never_kept() -> None:
    found = repo_from_remote("https://user:ghp_abcdefghijklmnop@github.com/acme/widgets.git")
    assert found == ACME
    assert "ghp_" not in repr(found) and "user" not in repr(found)


@pytest.mark.parametrize(
    "url",
    [
        "git@ghe.example.com:acme/widgets.git",
        "https://ghe.example.com/acme/widgets",
        "https://ghe.example.com:8443/acme/widgets.git",
        "ssh://git@GHE.example.com/acme/widgets.git",
    ],
)
def test_enterprise_server_hosts(url: str) -> None:
    assert repo_from_remote(url, "ghe.example.com") == ACME
    assert repo_from_remote(url, "ghe.example.com:8443") == ACME
    assert repo_from_remote(url) is None  # not github.com


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "   ",
        "/home/me/widgets.git",
        "../widgets",
        "file:///srv/git/widgets.git",
        "C:/repos/widgets",
        "git@gitlab.com:acme/widgets.git",
        "https://gitlab.com/acme/widgets",
        "https://github.com.evil.example/acme/widgets",
        "https://evil.example/github.com/acme/widgets",
        "https://github.com/acme",
        "https://github.com/acme/",
        "https://github.com/acme/widgets/tree/main",
        "https://github.com/group/sub/widgets",
        "git@github.com:acme/widgets/extra.git",
        "https://github.com/../widgets",
        "https://github.com/acme/..",
        "https://github.com/acme/wid gets",
        "https://github.com/acme/widgets?x=1",
        "https://github.com/acme/widgets#readme",
        "https://github.com/ac%20me/widgets",
        "ftp://github.com/acme/widgets",
        "https://[::1/acme/widgets",
        "git@github.com://acme/widgets",
        "github.com",
        "https://",
    ],
)
def test_not_a_github_repository(url: str | None) -> None:
    assert repo_from_remote(url) is None


@pytest.mark.parametrize(
    ("api_url", "host"),
    [
        ("https://api.github.com", "github.com"),
        ("https://api.github.com/", "github.com"),
        ("https://ghe.example.com/api/v3", "ghe.example.com"),
        ("https://GHE.example.com:8443/api/v3", "ghe.example.com:8443"),
        ("http://127.0.0.1:5000", "127.0.0.1:5000"),
        ("not a url", ""),
    ],
)
def test_web_host(api_url: str, host: str) -> None:
    assert web_host(api_url) == host
