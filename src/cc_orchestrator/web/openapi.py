"""Print the API's OpenAPI schema (the dashboard's TypeScript types are generated from it)."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import load_config
from cc_orchestrator.web.app import create_app


def schema() -> dict[str, object]:
    """The schema, built on a throwaway data directory: making it never opens (or migrates)
    the user's own fleet database, whatever state it is in."""
    with tempfile.TemporaryDirectory(prefix="cco-schema-") as scratch:
        os.environ["CC_ORCH_DATA_DIR"] = scratch
        services = App(load_config())
        try:
            return create_app(services, token="schema-only-never-served").openapi()
        finally:
            services.close()


if __name__ == "__main__":
    json.dump(schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
