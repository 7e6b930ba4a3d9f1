"""The dashboard ships built, and its API types follow the API: rebuild with
scripts/build-dashboard whenever these fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cc_orchestrator.web.openapi import schema

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "cc_orchestrator" / "web" / "static"
REBUILD = "run scripts/build-dashboard"


def test_the_built_dashboard_is_shipped() -> None:
    index = STATIC / "index.html"
    assert index.is_file(), f"no {index.relative_to(ROOT)}: {REBUILD}"
    html = index.read_text()
    refs = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', html)
    assert any(r.endswith(".js") for r in refs), f"index.html loads no script: {html}"
    assert any(r.endswith(".css") for r in refs), f"index.html loads no stylesheet: {html}"
    missing = [r for r in refs if not (STATIC / r).is_file()]
    assert missing == [], f"index.html names assets that are not there: {missing}; {REBUILD}"
    # the app's lazily loaded chunks (the terminal) are there too
    app = (STATIC / "assets" / "app.js").read_text()
    chunks = set(re.findall(r'"\./([\w.-]+\.js)"', app))
    assert chunks, "app.js imports no chunk (the terminal is loaded lazily)"
    assert [c for c in chunks if not (STATIC / "assets" / c).is_file()] == []


def test_the_dashboards_api_types_follow_the_api() -> None:
    current = json.dumps(schema(), indent=2, sort_keys=True) + "\n"
    shipped = (ROOT / "web" / "openapi.json").read_text()
    assert shipped == current, (
        f"web/openapi.json differs from the API's schema: {REBUILD} "
        "(it regenerates web/openapi.json and web/src/api/schema.ts) and commit the result"
    )


def test_the_typescript_types_come_from_that_schema() -> None:
    spec = json.loads((ROOT / "web" / "openapi.json").read_text())
    types = (ROOT / "web" / "src" / "api" / "schema.ts").read_text()
    missing = [p for p in spec["paths"] if f'"{p}": {{' not in types]
    missing += [s for s in spec["components"]["schemas"] if f"        {s}: " not in types]
    assert missing == [], f"web/src/api/schema.ts lacks {missing}: {REBUILD}"
