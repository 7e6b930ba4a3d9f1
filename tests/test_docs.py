"""The generated references must match the code, so docs keep up with every change."""

from __future__ import annotations

from pathlib import Path

from cc_orchestrator.cli.docgen import cli_reference, config_reference

DOCS = Path(__file__).parent.parent / "docs"


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text() == cli_reference(), (
        "docs/cli.md is stale: run `python -m cc_orchestrator.cli.docgen`"
    )


def test_configuration_reference_is_current() -> None:
    assert (DOCS / "configuration.md").read_text() == config_reference(), (
        "docs/configuration.md is stale: run `python -m cc_orchestrator.cli.docgen`"
    )


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    for key in ("instances.max_running", "worktrees.copy_files", "database.url", "data_dir"):
        assert f"`{key}`" in text
