"""Secrets in the settings: which values are secret, and the settings as shown to anyone.

`cco config show/get` and `GET /api/config` print `masked_dump`: SecretStr fields masked,
every value under a secret-looking name masked (instances.env OPENAI_KEY, agents.*.env ...),
and every string redacted by shape (URL passwords, sk-ant-..., Bearer ...) and by value: each
configured secret value (`secret_values`, registered with the log redaction when the settings
load) is replaced wherever it appears, in any setting and in every log line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr

from cc_orchestrator.logs import is_secret_name, redact_value

if TYPE_CHECKING:
    from cc_orchestrator.config import ConfigModel

MASK = "**********"


def _url_password(url: str | None) -> Iterator[str]:
    if not url:
        return
    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password:
        yield password
        yield unquote(password)


def _env_secrets(env: Mapping[str, str]) -> Iterator[str]:
    for key, value in env.items():
        if is_secret_name(key):
            yield value
        yield from _url_password(value if "://" in value else None)


def secret_values(settings: ConfigModel, environ: Mapping[str, str]) -> list[str]:
    """Every secret value the settings (and the environment agents inherit) hold."""
    found: list[str] = []
    if settings.web.token is not None:
        found.append(settings.web.token.get_secret_value())
    found += _url_password(settings.database.url)
    found += _env_secrets(settings.instances.env)
    for agent in settings.agents.values():
        found += _env_secrets(agent.env)
    for channel in settings.notifications.channels:
        found += channel.secrets()
    found += settings.github.secrets()
    found += settings.jira.secrets()
    found += _env_secrets(environ)
    return [v for v in found if v]


def _mask_secret_fields(model: BaseModel, node: dict[str, Any]) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            _mask_secret_fields(value, node[name])
        elif isinstance(value, list):
            for item, item_node in zip(value, node[name], strict=True):
                if isinstance(item, BaseModel):
                    _mask_secret_fields(item, item_node)
        elif isinstance(value, SecretStr):
            node[name] = MASK


def masked_dump(settings: ConfigModel) -> dict[str, Any]:
    """Settings as plain JSON-able data, with every secret masked."""
    data = settings.model_dump(mode="json")
    _mask_secret_fields(settings, data)
    masked = redact_value("", data)
    assert isinstance(masked, dict)
    return masked
