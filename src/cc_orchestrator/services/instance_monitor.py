"""Following the instances: status from what their agents write (through each agent's adapter,
see docs/agents.md) and from process liveness read with one batched tmux call; automatic
restarts; reconcile.

`sync()` applies everything written since the last look, so the status is exact even when no
daemon ran: an agent's files come first, and the adapter's cursor in them is stored with the
status it produced. Between passes the daemon waits on the files adapters name
(`wait_for_hooks`) and applies just those (`look_at_hooks`). The in-memory state here (what
was last seen of each instance, the watch) only saves work: losing it loses nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.errors import CcoError, StorageError
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import FileWatch, PaneInfo
from cc_orchestrator.private import private_file
from cc_orchestrator.services import instance_spawn
from cc_orchestrator.services.instance_apply import Pending, apply
from cc_orchestrator.services.instance_look import Looker
from cc_orchestrator.services.instances import INTERRUPTED, InstanceService

log = get_logger("cco.instances")
S = InstanceStatus
# an instance reaching one of these moves its task (finished turn, question, end)
_TASK_MOVES = frozenset({S.IDLE, S.WAITING_INPUT, S.EXITED, S.FAILED, S.STOPPED})


@dataclass(frozen=True)
class Leftover:
    session: str
    reason: str


class InstanceMonitor:
    def __init__(
        self, lifecycle: InstanceService, *, watch_factory: Callable[[], FileWatch] | None = None
    ) -> None:
        self.lifecycle = lifecycle
        self.looker = Looker(lifecycle)
        self.watch_factory = watch_factory
        self.watcher: FileWatch | None = None  # made by the first wait_for_hooks (the daemon)
        # the live instances' watched files: path -> (instance id, bytes read)
        self._watch: dict[str, tuple[str, int]] = {}
        self._watch_lock = threading.Lock()
        # each live instance as this process last saw it (what look_at_hooks plays lines on)
        self._seen: dict[str, Instance] = {}
        lifecycle.follower = self

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None

    def _look(
        self, inst: Instance, pane: PaneInfo | None, now: datetime, *, hooks_only: bool = False
    ) -> Pending:
        return self.looker.look(inst, pane, now, hooks_only=hooks_only)

    # ------------------------------------------------------------------ following
    def follow(self, inst: Instance) -> None:
        with self._watch_lock:
            self._seen[inst.id] = inst
            watch = dict(self._watch)
            adapter = self.lifecycle.known_agent(inst.agent)
            if adapter is not None:
                files = self.lifecycle.files(inst.id)
                for path, size in adapter.watched(inst, files, inst.agent_state).items():
                    watch[path] = (inst.id, size)
            self._set_watch(watch)

    def sync(
        self,
        *,
        now: datetime | None = None,
        only: Collection[str] | None = None,
        returning: bool = True,
    ) -> list[Instance]:
        """Apply everything the agents wrote and every liveness change since the last look.

        only: look at these instances alone (say, the one being stopped). Returns the
        instances looked at, as they are now (nothing when not returning: the daemon's pass
        reads what it needs itself).
        """
        pending = self._sync(now=now or datetime.now(UTC), only=only, hooks_only=False)
        ids = {p.instance.id for p in pending}
        if not ids or not returning:
            return []
        with self.lifecycle.store.read() as tx:
            return tx.instances(ids=ids)

    def look_at_hooks(self, ids: Collection[str]) -> bool:
        """Apply these instances' new lines in their watched files at once.

        What the daemon runs between its passes as soon as an agent writes (see
        `wait_for_hooks`): no tmux call, no liveness, no transcript; the next full `sync` does
        those. Lines that change no status (a tool call while working) are left to it too:
        they are first played on the instance as last seen here, without the database, and
        only instances whose status they change are looked at for real. True when an
        instance working on a task changed status, so the scheduler has work to do.
        """
        now = datetime.now(UTC)
        due = []
        for inst_id in ids:
            seen = self._seen.get(inst_id)
            peek = self._look(seen, None, now, hooks_only=True) if seen else None
            if peek is None or peek.changes or peek.notes:
                due.append(inst_id)
        pending = [
            p
            for start in range(0, len(due), 500)
            for p in self._sync(now=now, only=due[start : start + 500], hooks_only=True)
        ]
        return any(
            p.instance.task_id
            and p.changes
            and (p.instance.status == S.WAITING_INPUT or p.status in _TASK_MOVES)
            for p in pending
        )

    def wait_for_hooks(self, timeout: float) -> set[str]:
        """Wait up to timeout for live instances' watched files to grow; the ids of those
        that did (the kernel tells where it can, see adapters.watch)."""
        if self.watcher is None:
            if self.watch_factory is None:
                time.sleep(timeout)
                return set()
            with self._watch_lock:
                self.watcher = self.watch_factory()
                self._set_watch(self._watch)
        paths = self.watcher.changed(timeout)
        watched = self._watch
        return {watched[p][0] for p in paths if p in watched}

    def _remember(self, pending: Sequence[Pending], *, every: bool) -> None:
        """Watch the live instances' files from the cursors just stored; every: these are all
        the instances there are to watch."""
        with self._watch_lock:
            looked = {p.instance.id for p in pending}
            watch = {} if every else {k: v for k, v in self._watch.items() if v[0] not in looked}
            if every:
                self._seen = {}
            for p in pending:
                inst = p.instance
                if p.status not in machine.LIVE:
                    self._seen.pop(inst.id, None)
                    continue
                changed = p.updates or p.status != inst.status
                seen = replace(inst, status=p.status, **p.updates) if changed else inst
                self._seen[inst.id] = seen
                adapter = self.lifecycle.known_agent(inst.agent)
                if adapter is not None:
                    files = self.lifecycle.files(inst.id)
                    for path, size in adapter.watched(seen, files, seen.agent_state).items():
                        watch[path] = (inst.id, size)
            self._set_watch(watch)

    def _set_watch(self, watch: dict[str, tuple[str, int]]) -> None:
        self._watch = watch
        if self.watcher is not None:
            self.watcher.watch({path: size for path, (_, size) in watch.items()})

    # ------------------------------------------------------------------ one pass
    def _sync(
        self, *, now: datetime, only: Collection[str] | None, hooks_only: bool
    ) -> list[Pending]:
        svc = self.lifecycle
        policy = svc.config
        if hooks_only:
            # Read, look and apply in one write transaction: a few lines of a few files.
            assert only is not None and len(only) <= 500
            with svc.locks.hold("instances-sync"), svc.store.hook_write() as tx:
                pending = [
                    self._look(inst, None, now, hooks_only=True)
                    for inst in tx.live_instances(only, machine.LIVE)
                ]
                for p in pending:
                    if p.found:
                        apply(tx, p, now, policy)
            self._remember(pending, every=False)
            return pending
        with svc.locks.hold("instances-sync"):
            with svc.store.read() as rx:
                watched = [
                    i
                    for i in rx.instances(statuses=[*machine.LIVE, S.FAILED], ids=only)
                    if i.status != S.FAILED or i.restart_after
                ]
            panes = svc.mux.panes() if watched else {}
            pending = [
                self._look_alone(inst, panes.get(inst.session_name), now) for inst in watched
            ]
            changed = [p for p in pending if p.found]
            if changed:
                self._apply_all(changed, now)
            self._remember(pending, every=only is None)
            for p in pending:
                try:
                    self._after_look(p, now)
                except Exception:
                    log.exception("instance.after_look_crashed", instance_id=p.instance.id)
        return pending

    def _after_look(self, p: Pending, now: datetime) -> None:
        svc = self.lifecycle
        self._cap_raw_log(p.instance)
        if p.no_restart and p.status == S.FAILED and svc.mux.has_session(p.instance.session_name):
            svc.mux.kill_session(p.instance.session_name)  # failed: its agent must not go on
        if any(reason == INTERRUPTED for _, reason in p.changes):
            instance_spawn.undo_interrupted(svc, p.instance)
        if p.status == S.FAILED:  # only these can be due for a restart
            self._maybe_restart(p.instance.id, now)

    def _look_alone(self, inst: Instance, pane: PaneInfo | None, now: datetime) -> Pending:
        """One instance's look; what goes wrong there is that instance's, never the sync's: a
        passing error (CcoError) leaves it as it was, a bug or bad data marks it failed."""
        try:
            return self._look(inst, pane, now)
        except CcoError as exc:
            log.warning("instance.look_failed", instance_id=inst.id, error=str(exc))
            return Pending(instance=inst, status=inst.status)
        except Exception as exc:
            log.exception("instance.look_crashed", instance_id=inst.id)
            p = Pending(instance=inst, status=inst.status, no_restart=True)
            why = f"cco could not follow it: {type(exc).__name__}: {exc}"
            p.move(machine.Change(S.FAILED, why))
            return p

    def _apply_all(self, changed: Sequence[Pending], now: datetime) -> None:
        store, policy = self.lifecycle.store, self.lifecycle.config
        try:
            with store.write() as tx:
                for p in changed:
                    apply(tx, p, now, policy)
        except StorageError:
            raise
        except Exception:
            # One instance's write failed them all: each alone, so only that one is skipped.
            for p in changed:
                try:
                    with store.write() as tx:
                        apply(tx, p, now, policy)
                except Exception:
                    log.exception("instance.apply_crashed", instance_id=p.instance.id)

    def _maybe_restart(self, inst_id: str, now: datetime) -> None:
        svc = self.lifecycle
        with svc.store.read() as tx:
            inst = tx.instance(inst_id)
        if (
            inst is None
            or inst.status != S.FAILED
            or inst.restart_after is None
            or inst.restart_after > now
            or inst.stop_requested
        ):
            return
        try:
            wt = svc.worktree_of(inst)
            svc.relaunch(
                inst,
                wt,
                reason=f"restart {inst.restarts + 1} after failure",
                prompt=svc.resume_prompt(inst),
            )
        except CcoError as exc:
            with svc.store.write() as tx:
                tx.update_instance(inst.id, restart_after=None)
                tx.append_event(events.instance_restart_failed(inst, str(exc)))

    def _cap_raw_log(self, inst: Instance) -> None:
        """Keep the pane log under its cap: the newest half stays, the rest goes to .1."""
        path = self.lifecycle.files(inst.id).raw_log
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return
        cap = self.lifecycle.config.raw_log_max_bytes
        if size <= cap:
            return
        keep = cap // 2
        with open(path, "r+b") as fh:
            fh.seek(size - keep)
            tail = fh.read()
            fh.seek(0)
            head = fh.read(size - keep)
            rotated = path.with_suffix(".log.1")
            private_file(rotated)  # 0600 like raw.log (write_bytes keeps an existing mode)
            rotated.write_bytes(head[-cap:])
            # cat appends with O_APPEND, so truncating here never leaves a hole.
            fh.seek(0)
            fh.truncate(0)
            fh.write(tail)

    # ------------------------------------------------------------------ reconcile
    def reconcile(self, *, kill_leftovers: bool = False) -> list[Leftover]:
        """Adopt what still runs, mark what vanished, list (and maybe kill) leftover sessions.

        Only sessions with cco's prefix on cco's socket are ever considered; others are
        another program's and never touched.
        """
        svc = self.lifecycle
        self.sync()
        with svc.store.read() as tx:
            by_session = {i.session_name: i for i in tx.instances()}
        leftovers: list[Leftover] = []
        for session in svc.mux.sessions():
            if not session.startswith(svc.tmux.session_prefix):
                continue
            inst = by_session.get(session)
            if inst is None:
                leftovers.append(Leftover(session, "no instance has this session"))
            elif inst.status in machine.TERMINAL and not inst.restart_after:
                leftovers.append(Leftover(session, f"instance {inst.id} has {inst.status.value}"))
        if kill_leftovers:
            for item in leftovers:
                svc.mux.kill_session(item.session)
        return leftovers
