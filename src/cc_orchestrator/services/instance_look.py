"""One look at one instance: what its agent wrote (through its adapter), its process, its
screen when its adapter wants it, its question, and whether it hangs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.questions import Question
from cc_orchestrator.lines import mtime
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Agent, PaneInfo
from cc_orchestrator.services import answers
from cc_orchestrator.services.instance_apply import Pending, dialog_event
from cc_orchestrator.services.instance_record import older_than
from cc_orchestrator.services.instances import INTERRUPTED, InstanceService

log = get_logger("cco.instances")
S = InstanceStatus
DIALOG_KEY_GAP_S = 0.6
QUIET_MARK_S = 3.0


class Looker:
    """Looks at instances for the monitor; keeps what makes looks cheap (in memory only)."""

    def __init__(self, lifecycle: InstanceService) -> None:
        self.lifecycle = lifecycle
        # per instance whose screen is read on change: (pane activity, quiet?) at the last read
        self._screen_seen: dict[str, tuple[int, bool]] = {}
        # per instance: the adapter's memory of its last read (what it need not read again)
        self._memo: dict[str, dict[str, Any]] = {}

    def memo(self, inst_id: str) -> dict[str, Any]:
        memo = self._memo.get(inst_id)
        if memo is None:
            if len(self._memo) > 4096:
                self._memo.clear()
            memo = self._memo[inst_id] = {}
        return memo

    def look(
        self, inst: Instance, pane: PaneInfo | None, now: datetime, *, hooks_only: bool = False
    ) -> Pending:
        svc = self.lifecycle
        p = Pending(instance=inst, status=inst.status)
        adapter = svc.known_agent(inst.agent)
        files = svc.files(inst.id)
        # 1. what the agent wrote, in order
        if adapter is not None:
            memo = self.memo(inst.id)
            p.take(adapter.observe(inst, files, inst.agent_state, deep=not hooks_only, memo=memo))
        if hooks_only:
            return p
        # 2. the process itself
        if pane is None and p.status == S.STARTING and not inst.pane_pid:
            if svc.locks.is_held(f"spawn:{inst.id}"):
                return p  # being spawned right now by another process
            if svc.mux.has_session(inst.session_name):
                # The pane list was read before that spawn finished (it holds its lock until
                # the session exists): it is alive, not interrupted.
                return p
            p.move(machine.Change(S.FAILED, INTERRUPTED))
        elif pane is None:
            if p.status in machine.LIVE:
                p.move(
                    machine.Change(
                        S.STOPPED if inst.stop_requested else S.FAILED,
                        "stopped by the user"
                        if inst.stop_requested
                        else "its tmux session vanished (killed outside cco?)",
                    )
                )
        elif pane.dead:
            p.updates["exit_status"] = pane.exit_status
            headless_between_turns = inst.mode == "headless" and p.status == S.IDLE
            if not headless_between_turns and p.status in machine.LIVE:
                p.move(machine.from_exit(p.status, pane.exit_status, stopping=inst.stop_requested))
        else:
            if pane.pid and pane.pid != inst.pane_pid:
                p.updates["pane_pid"] = pane.pid
            if adapter is not None:
                self._look_screen(inst, adapter, pane, p, now)
            if p.status == S.WAITING_INPUT:
                stored = p.updates.get("question", inst.question)
                current = Question.from_json(stored) if isinstance(stored, dict) else stored
                fresh = answers.refresh(svc, inst, current, now)
                if fresh is not None:
                    p.updates["question"] = fresh.to_json()
            if p.status == S.WAITING_INPUT and pane.pid and adapter is not None:
                # What fires no event (a denied permission): the agent's own state tells.
                seen = adapter.observed_status(pane.pid)
                if seen is not None and seen.status != S.WAITING_INPUT:
                    p.move(seen)
        # 3. hung: working, yet no sign from the agent and no pane output for too long
        hung = svc.config.hung_after_s
        if hung and p.status == S.WORKING and pane is not None and not pane.dead:
            watched = adapter.watched(inst, files, inst.agent_state) if adapter else {}
            last = max(
                [inst.status_at.timestamp() if inst.status_at else 0, pane.activity]
                + [mtime(Path(path)) for path in watched]
            )
            if now.timestamp() - last > hung:
                p.move(machine.Change(S.FAILED, f"hung: no activity for {hung}s"))
        return p

    def _look_screen(
        self, inst: Instance, adapter: Agent, pane: PaneInfo, p: Pending, now: datetime
    ) -> None:
        """Only what the agent's files cannot tell, when its adapter wants the screen."""
        svc = self.lifecycle
        wanted = adapter.screen_wanted(p.status)
        if wanted is None:
            return
        quiet = now.timestamp() - pane.activity if pane.activity else 0.0
        mark = (pane.activity, quiet >= QUIET_MARK_S)
        if wanted == "on_change" and self._screen_seen.get(inst.id) == mark:
            # Read the screen only when the pane printed something since the last look (or
            # has just gone quiet): never a capture per instance per tick.
            return
        try:
            screen = svc.mux.capture(inst.session_name)
        except CcoError:
            return
        if wanted == "on_change":
            if len(self._screen_seen) > 4096:
                self._screen_seen.clear()
            self._screen_seen[inst.id] = mark
        seen = adapter.read_screen(screen, quiet)
        if seen.keys:
            stamp = svc.files(inst.id).folder / "dialog-key"
            if older_than(stamp, DIALOG_KEY_GAP_S):
                # One key per look, and not before the screen had time to redraw: a key sent
                # twice into a select list could wrap around to the wrong answer.
                stamp.touch()
                svc.mux.send_keys(inst.session_name, *seen.keys)
                if seen.answered:
                    p.notes.append(dialog_event(seen.answered))
                    log.info("instance.dialog", instance_id=inst.id, answered=seen.answered)
        p.move(seen.change)
