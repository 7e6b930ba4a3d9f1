"""Logging with structlog: readable on a terminal, JSON lines to a rotating file.

Every line passes through `redact`, so no token or API key reaches a terminal or a file.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any, TextIO

import structlog

# A name that says its value is secret: token, password, api_key, ..., or any name ending in
# KEY after a letter or digit (OPENAI_KEY, SSH_KEY, accesskey; not a bare "key").
_SECRET_KEY = re.compile(
    r"(token|secret|passw(or)?d|passphrase|api[_-]?key|authori[sz]ation|cookie|credential"
    r"|private[_-]?key|[a-z0-9]_?key$)",
    re.I,
)
_SECRET_VALUES = [
    # NAME=value pairs whose name says secret (env assignments, tmux -e, URLs' query strings).
    (
        re.compile(
            r"\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_KEY|APIKEY|AUTH"
            r"|CREDENTIAL)[A-Z0-9_]*)=([^\s'\"]+)",
            re.I,
        ),
        r"\1=***",
    ),
    # Upper-case environment names holding KEY (OPENAI_KEY=, AWS_SECRET_ACCESS_KEY=, KEY=).
    (re.compile(r"\b([A-Z0-9_]*KEY[A-Z0-9_]*)=([^\s'\"]+)"), r"\1=***"),
    (re.compile(r"\bsk-ant-[A-Za-z0-9_-]{8,}"), "sk-ant-***"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), "sk-***"),
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{16,})"), "gh*_***"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{8,}"), "xox*-***"),
    (re.compile(r"(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.I), r"\1 ***"),
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), r"\1***@"),
]
# Values known to be secret (configured tokens, passwords, keys of the environment), redacted
# wherever they appear, whatever their shape. Short values are left out: redacting "1" or
# "true" everywhere would garble every line.
_MIN_KNOWN = 6
_known: set[str] = set()
_known_re: re.Pattern[str] | None = None


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_KEY.search(name))


def register_secrets(values: Iterable[str]) -> None:
    """Redact these exact values from every log line and masked output from now on."""
    global _known_re
    fresh = {v for v in values if isinstance(v, str) and len(v.strip()) >= _MIN_KNOWN}
    if fresh - _known:
        _known.update(fresh)
        ordered = sorted(_known, key=len, reverse=True)  # a longer secret first
        _known_re = re.compile("|".join(re.escape(v) for v in ordered))


def redact_text(text: str) -> str:
    if _known_re is not None:
        text = _known_re.sub("***", text)
    for pattern, replacement in _SECRET_VALUES:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """value with secrets masked: all of it when key names a secret, else by shape and value."""
    if is_secret_name(key) and value not in (None, "", False):
        return "***"
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    return value


def redact(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets by key name and by value shape."""
    for key, value in list(event_dict.items()):
        event_dict[key] = redact_value(key, value)
    return event_dict


TRACE_LOGGER = "cco.trace"
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def setup_logging(
    *,
    verbosity: int = 0,
    log_file: Path | None = None,
    file_level: str = "info",
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
    stream: TextIO | None = None,
) -> None:
    """verbosity: -1 quiet (errors), 0 warnings, 1 info, 2+ debug, on the terminal."""
    terminal_level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()

    console = logging.StreamHandler(stream or sys.stderr)
    console.setLevel(terminal_level)
    if verbosity < 2:
        # Tracebacks of internal errors go to the file; the terminal gets one line (or -vv).
        console.addFilter(lambda record: not record.name.startswith(TRACE_LOGGER))
    console.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(
                    colors=(stream or sys.stderr).isatty(),
                    # never rich's show_locals (the default): a local may hold a token
                    exception_formatter=structlog.dev.plain_traceback,
                ),
            ],
        )
    )
    root.addHandler(console)
    levels = [terminal_level]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
        file_lvl = min(_LEVELS[file_level], terminal_level)
        handler.setLevel(file_lvl)
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=shared,
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(),
                ],
            )
        )
        root.addHandler(handler)
        levels.append(file_lvl)
    root.setLevel(min(levels))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str, **bound: Any) -> Any:
    """A logger; bind task_id / instance_id / worktree_id so every line carries them."""
    logger = structlog.stdlib.get_logger(name)
    # Binding materializes the logger: only do it when asked, so module-level loggers stay
    # lazy and pick up the configuration set later by setup_logging.
    return logger.bind(**bound) if bound else logger
