"""What every command shares: the state the global flags make, and how a command gets it.

Command modules import this, never `cli.main`: main imports the command modules and
registers them, so the dependency runs one way (tests/test_layout.py checks for cycles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click

from cc_orchestrator.bootstrap import App, build_app


@dataclass
class CliState:
    """What the global flags say; commands build the app from it when they need one."""

    overrides: dict[str, Any] = field(default_factory=dict)
    verbosity: int = 0
    _app: App | None = None

    def app(self) -> App:
        if self._app is None:
            self._app = build_app(overrides=self.overrides, verbosity=self.verbosity)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_state = click.make_pass_decorator(CliState)
