"""Validation of user-given names and refs, slugs and ids.

Everything a user types that later becomes a path, a branch or a tmux argument passes here
first, so bad input is refused before it reaches git, tmux or the file system.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

from cc_orchestrator.domain.errors import InvalidInput

_ID_ALPHABET = string.ascii_lowercase + string.digits
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# What git itself forbids in a ref (git check-ref-format), plus what we refuse on top.
_REF_FORBIDDEN = re.compile(r"[\s~^:?*\[\\]|@\{")
# Refs are also shown in prompts and pasted into shells by users: keep them to plain characters.
_REF_ALLOWED = re.compile(r"^[A-Za-z0-9._/+#=,@-]+$")
MAX_REF_LENGTH = 200


def new_id(length: int = 6) -> str:
    """A short random id: lowercase letters and digits, starting with a letter."""
    first = secrets.choice(string.ascii_lowercase)
    return first + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length - 1))


def slugify(text: str, max_length: int = 40) -> str:
    """Turn free text into a lowercase slug fit for a branch or folder name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "work"


def _describe(value: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return repr(shown)


def check_name(value: str, what: str = "name") -> str:
    """A simple name (worktree, instance): letters, digits, '.', '_' and '-'."""
    if _CONTROL_RE.search(value):
        raise InvalidInput(f"{what} {_describe(value)} contains control characters")
    if value.startswith("-"):
        raise InvalidInput(f"{what} {_describe(value)} must not start with '-'")
    if ".." in value or "/" in value:
        raise InvalidInput(f"{what} {_describe(value)} must not contain '..' or '/'")
    if not _NAME_RE.match(value):
        raise InvalidInput(
            f"{what} {_describe(value)} is not valid",
            hint="use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return value


def check_ref(value: str, what: str = "ref") -> str:
    """A git ref or branch name the user typed; refuses what could escape or inject."""
    if not value:
        raise InvalidInput(f"{what} must not be empty")
    if len(value) > MAX_REF_LENGTH:
        raise InvalidInput(f"{what} is longer than {MAX_REF_LENGTH} characters")
    if _CONTROL_RE.search(value):
        raise InvalidInput(f"{what} {_describe(value)} contains control characters")
    if value.startswith("-"):
        raise InvalidInput(f"{what} {_describe(value)} must not start with '-'")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise InvalidInput(f"{what} {_describe(value)} must not be an absolute path or hold '//'")
    if ".." in value:
        raise InvalidInput(f"{what} {_describe(value)} must not contain '..'")
    if _REF_FORBIDDEN.search(value):
        raise InvalidInput(
            f"{what} {_describe(value)} contains a character git refuses in refs",
            hint="avoid spaces and ~ ^ : ? * [ \\ @{",
        )
    if not _REF_ALLOWED.match(value):
        raise InvalidInput(
            f"{what} {_describe(value)} is not valid",
            hint="use letters, digits and . _ / + # = , @ -",
        )
    if value.endswith(".lock") or value.endswith(".") or "/." in value or value.startswith("."):
        raise InvalidInput(f"{what} {_describe(value)} is not a valid git ref name")
    return value
