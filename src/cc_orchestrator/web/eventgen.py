"""Generates the dashboard's event types and docs/events.md from domain/events.py.

`python -m cc_orchestrator.web.eventgen` rewrites web/src/api/events.ts (a union of every
event, discriminated on `kind`, each with its typed `data`) and docs/events.md (the kinds and
their fields); scripts/build-dashboard runs it, and a test fails when either is out of date.
"""

from __future__ import annotations

import enum
import sys
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from cc_orchestrator.domain.events import KINDS, Entity, Kind, kinds_of, type_text

HEADER = (
    "// Generated from src/cc_orchestrator/domain/events.py by "
    "`python -m cc_orchestrator.web.eventgen`\n"
    "// (scripts/build-dashboard runs it). Do not edit: change the vocabulary and regenerate.\n"
)


def _is_enum(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, enum.Enum)


def _enums(hint: Any) -> list[type[enum.Enum]]:
    """The enums an annotation names (a status), each declared once as a union of strings."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is Annotated and _is_enum(args[1]):
        return [args[1]]
    if typing.is_typeddict(hint):
        args = tuple(typing.get_type_hints(hint, include_extras=True).values())
    return [e for a in args for e in _enums(a)]


def ts_type(hint: Any) -> str:
    """An annotation of a payload as a TypeScript type."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.NotRequired:
        return ts_type(args[0])
    if origin is Annotated and _is_enum(args[1]):
        return str(args[1].__name__)
    if origin is Literal:
        return " | ".join(f"'{a}'" for a in args)
    if origin in (types.UnionType, typing.Union):
        return " | ".join(ts_type(a) for a in args)
    if origin is list:
        inner = ts_type(args[0])
        return f"({inner})[]" if " " in inner else f"{inner}[]"
    if typing.is_typeddict(hint):
        hints = typing.get_type_hints(hint, include_extras=True)
        required: frozenset[str] = hint.__required_keys__
        inner = "; ".join(
            f"{n}{'' if n in required else '?'}: {ts_type(h)}" for n, h in hints.items()
        )
        return "{ " + inner + " }"
    names = {str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
    return names[hint]


def _ts_kind(kind: Kind) -> str:
    name = kind.payload.__name__
    lines = [f"/** {kind.name}: {kind.doc} */", f"export interface {name} {{"]
    for f in kind.fields:
        lines.append(f"  {f.name}{'' if f.required else '?'}: {ts_type(f.type)};")
    lines.append("}")
    lines.append(f"export type {name}Event = EventOf<'{kind.name}', '{kind.entity}', {name}>;")
    return "\n".join(lines)


def typescript() -> str:
    kinds = list(KINDS.values())
    parts = [
        HEADER,
        "/** What every event has; `data` is its kind's payload. */",
        "export interface EventOf<K extends string, E extends string, D> {",
        "  id: number;",
        "  ts: string;",
        "  kind: K;",
        "  entity_type: E;",
        "  entity_id: string;",
        "  data: D;",
        "}",
        "",
        *(
            f"export type {e.__name__} = {' | '.join(repr(m.value) for m in e)};"
            for e in dict.fromkeys(e for k in kinds for f in k.fields for e in _enums(f.type))
        ),
        "",
        "\n\n".join(_ts_kind(k) for k in kinds),
        "",
        "/** Every event cco records, discriminated on `kind`. */",
        "export type CcoEvent =\n"
        + "\n".join(f"  | {k.payload.__name__}Event" for k in kinds)
        + ";",
        "export type EventKind = CcoEvent['kind'];",
        "export type EntityType = CcoEvent['entity_type'];",
        "export type EventOfKind<K extends EventKind> = Extract<CcoEvent, { kind: K }>;",
        "export type EventAbout<E extends EntityType> = Extract<CcoEvent, { entity_type: E }>;",
        "",
        "export const EVENT_KINDS: readonly EventKind[] = [",
        *(f"  '{k.name}'," for k in kinds),
        "];",
        "",
        "/** An event as the API or the WebSocket sends it: its kind is any string there. */",
        "export interface AnyEvent {",
        "  id: number;",
        "  ts: string;",
        "  kind: string;",
        "  entity_type: string;",
        "  entity_id: string;",
        "  data?: unknown;",
        "}",
        "",
        "/** The event as its kind's type, or null for a kind this dashboard does not know. */",
        "export function known(event: AnyEvent): CcoEvent | null {",
        "  const kinds: readonly string[] = EVENT_KINDS;",
        "  return kinds.includes(event.kind) ? (event as CcoEvent) : null;",
        "}",
        "",
    ]
    return "\n".join(parts)


def markdown() -> str:
    lines = [
        "# Events",
        "",
        "<!-- Generated from src/cc_orchestrator/domain/events.py by "
        "`python -m cc_orchestrator.web.eventgen`; do not edit. -->",
        "",
        "Every change cco makes to a task, an instance, a worktree or a repository is recorded as "
        "an event: `kind`, the entity it is about (`entity_type`, `entity_id`), its time and a "
        "payload (`data`). They are read with `GET /api/events` (`after_id`, `entity_id`, "
        "`limit`) and streamed by the WebSocket `/api/ws`; `cco instances watch` and the "
        "dashboard follow them. Each kind below is defined once (its payload in "
        "`src/cc_orchestrator/domain/event_payloads.py`, its entry in the registry `KINDS` in "
        "`domain/event_kinds.py`) and built by its one constructor in `domain/events.py`; the "
        "dashboard's types (`web/src/api/events.ts`) are generated from the same definitions. "
        "Fields marked optional may be absent; every other field is always there (its value "
        "may be `null` when its type says so).",
        "",
        "Adding a kind: its payload, its entry in `KINDS` and its constructor, "
        "then `python -m cc_orchestrator.web.eventgen` (or "
        "`scripts/build-dashboard`). A kind that has shipped only gains fields (optional ones, "
        "since older rows lack them); it is never renamed.",
        "",
    ]
    entities: tuple[Entity, ...] = typing.get_args(Entity)  # every one, in its order
    for entity in entities:
        lines += [f"## {entity.capitalize()} events", ""]
        for kind in kinds_of(entity):
            lines += [f"### `{kind.name}`", "", kind.doc, ""]
            if kind.fields:
                lines += ["| field | type | |", "|---|---|---|"]
                for f in kind.fields:
                    what = type_text(f.type).replace("|", "\\|")
                    lines.append(f"| `{f.name}` | {what} | {'' if f.required else 'optional'} |")
                lines.append("")
    return "\n".join(lines)


ROOT = Path(__file__).resolve().parents[3]
OUTPUTS = {
    ROOT / "web" / "src" / "api" / "events.ts": typescript,
    ROOT / "docs" / "events.md": markdown,
}


def main() -> None:
    for path, render in OUTPUTS.items():
        path.write_text(render())
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
