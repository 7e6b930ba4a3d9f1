"""An instance's logs: the structured one (its agent's adapter says which file it is and how
a line reads) and the raw terminal output."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cc_orchestrator.domain.models import Instance
from cc_orchestrator.domain.observations import LogKind
from cc_orchestrator.lines import read_lines

if TYPE_CHECKING:
    from cc_orchestrator.services.instances import InstanceService


def structured_log(
    svc: InstanceService, inst: Instance, offset: int
) -> tuple[list[str], int, LogKind]:
    adapter = svc.known_agent(inst.agent)
    if adapter is None:
        return [], offset, "events"
    source = adapter.log_source(inst, svc.files(inst.id))
    lines, end = read_lines(source.path, offset)
    shown = [t for t in (adapter.render_log_line(line) for line in lines) if t]
    return shown, end, source.kind


def log_lines(
    svc: InstanceService, inst: Instance, *, raw: bool, follow: bool, poll_s: float
) -> Iterator[str]:
    """Without the agent's adapter (no longer configured) the raw output is all there is."""
    files = svc.files(inst.id)
    adapter = svc.known_agent(inst.agent)
    source = adapter.log_source(inst, files) if adapter and not raw else None
    path = source.path if source else files.raw_log
    offset = 0
    while True:
        if adapter is None or source is None:
            try:
                with open(path, "rb") as fh:
                    fh.seek(offset)
                    data = fh.read()
            except FileNotFoundError:
                data = b""
            offset += len(data)
            if data:
                yield data.decode("utf-8", "replace")
        else:
            lines, offset = read_lines(path, offset)
            for line in lines:
                text = adapter.render_log_line(line)
                if text:
                    yield text + "\n"
        if not follow:
            return
        if adapter is not None and source is not None:
            fresh = adapter.log_source(svc.get(inst.id), files)
            if fresh.path != path:  # the log moved on (a transcript became known)
                source, path, offset = fresh, fresh.path, 0
        time.sleep(poll_s)
