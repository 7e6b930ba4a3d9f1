"""The dashboard's event types and docs/events.md are generated from domain/events.py."""

from __future__ import annotations

import re
from pathlib import Path

from cc_orchestrator.domain.events import KINDS
from cc_orchestrator.web.eventgen import OUTPUTS, markdown, typescript

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "run `python -m cc_orchestrator.web.eventgen` (or scripts/build-dashboard)"


def test_the_generated_files_are_current() -> None:
    for path, render in OUTPUTS.items():
        assert path.is_file() and path.read_text() == render(), (
            f"{path.relative_to(ROOT)} is stale: {REGENERATE} and commit the result"
        )


def test_the_typescript_union_has_every_kind_with_its_fields() -> None:
    ts = typescript()
    union = ts[ts.index("export type CcoEvent =") :].split(";")[0]
    for kind in KINDS.values():
        name = kind.payload.__name__
        assert f"| {name}Event" in union
        assert f"EventOf<'{kind.name}', '{kind.entity}', {name}>" in ts
        body = re.search(rf"export interface {name} \{{\n(.*?)\n\}}", ts, re.S)
        assert body is not None, name
        fields = [line.strip().split(":")[0].rstrip("?") for line in body[1].splitlines()]
        assert fields == [f.name for f in kind.fields], name
    assert "task_id?: string;" in ts  # an instance without a task has none
    assert "previous: TaskStatus;" in ts and "export type TaskStatus = 'pending' |" in ts


def test_the_docs_list_every_kind_and_field() -> None:
    md = markdown()
    for kind in KINDS.values():
        section = md.split(f"### `{kind.name}`\n", 1)[1].split("\n### ", 1)[0]
        assert kind.doc in section
        for f in kind.fields:
            assert f"| `{f.name}` |" in section, (kind.name, f.name)


def test_the_dashboard_reads_events_through_the_generated_types() -> None:
    src = ROOT / "web" / "src"
    assert "from './api/events'" in (src / "InstanceHistory.tsx").read_text()
    live = (src / "live.ts").read_text()
    assert "from './api/events'" in live and "kind: string" not in live
