"""Print the API's OpenAPI schema (the dashboard's TypeScript types are generated from it)."""

from __future__ import annotations

import json
import sys

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import load_config
from cc_orchestrator.web.app import create_app


def schema() -> dict[str, object]:
    app = create_app(App(load_config()), token="schema-only-never-served")
    return app.openapi()


if __name__ == "__main__":
    json.dump(schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
