from __future__ import annotations

import pytest

from cc_orchestrator.domain.errors import InvalidInput
from cc_orchestrator.domain.names import check_name, check_ref, new_id, slugify


@pytest.mark.parametrize("value", ["feat-1", "a", "A.b_c-9", "x" * 64])
def test_good_names(value: str) -> None:
    assert check_name(value) == value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "not valid"),
        ("-rf", "start with '-'"),
        ("..", "'..'"),
        ("a/b", "'/'"),
        ("/etc", "'/'"),
        ("a\nb", "control"),
        ("a\x1b[31m", "control"),
        ("x;rm -rf ~", "not valid"),
        ("$(touch pwned)", "not valid"),
        ("x" * 65, "not valid"),
        (".hidden", "not valid"),
    ],
)
def test_bad_names(value: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        check_name(value)


@pytest.mark.parametrize(
    "value", ["main", "origin/main", "v1.2.3", "feature/x-y", "abc123", "HEAD"]
)
def test_good_refs(value: str) -> None:
    assert check_ref(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "-x",
        "--upload-pack=evil",
        "/abs",
        "a//b",
        "a..b",
        "../up",
        "a b",
        "a~1",
        "a^",
        "a:b",
        "a?",
        "a*",
        "a[",
        "a\\b",
        "a@{1}",
        "x.lock",
        "a/",
        ".a",
        "a\x00b",
        "a\tb",
        "x" * 201,
    ],
)
def test_bad_refs(value: str) -> None:
    with pytest.raises(InvalidInput):
        check_ref(value)


def test_slugify() -> None:
    assert slugify("Fix the Login page!") == "fix-the-login-page"
    assert slugify("Ünïcödé → text") == "unicode-text"
    assert slugify("!!!") == "work"
    assert len(slugify("word " * 40)) <= 40


def test_new_id_shape() -> None:
    ids = {new_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 6 and i[0].isalpha() and i.isalnum() and i.islower() for i in ids)
