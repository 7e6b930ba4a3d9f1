"""Instances: an agent in a tmux session working in one worktree.

Status comes from one status machine (domain.instance_status) fed by the agent's hook events,
the headless stream, and process liveness read with one batched tmux call. `sync()` applies
everything written since the last look, so the status is exact even when no daemon ran:
hook events are files first, and their offsets are stored with the status they produced.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cc_orchestrator import faults
from cc_orchestrator.config import InstancesConfig, TmuxConfig
from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.actions import InstanceAction, check_instance
from cc_orchestrator.domain.errors import (
    CcoError,
    Conflict,
    InvalidInput,
    LimitReached,
    NotFound,
    StorageError,
)
from cc_orchestrator.domain.models import Event, Instance, InstanceStatus, NewEvent, Worktree
from cc_orchestrator.domain.names import check_name, new_id
from cc_orchestrator.domain.plural import count
from cc_orchestrator.domain.questions import Answer, Question
from cc_orchestrator.domain.text import check_multiline, inert_text, is_plain_line
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import (
    Agent,
    FileWatch,
    InstanceFiles,
    LaunchSpec,
    Locks,
    Multiplexer,
    PaneInfo,
    Store,
)
from cc_orchestrator.private import private_file, private_files
from cc_orchestrator.services import answers
from cc_orchestrator.services.logview import render_log_line as render_log_line  # web.app
from cc_orchestrator.services.worktrees import WorktreeService

log = get_logger("cco.instances")
S = InstanceStatus
AgentFactory = Callable[[str], Agent]
MODES = ("interactive", "headless")


@dataclass
class _Pending:
    """What one sync found for one instance, applied in a single write transaction."""

    instance: Instance
    status: InstanceStatus
    changes: list[tuple[InstanceStatus, str]] = field(default_factory=list)
    updates: dict[str, Any] = field(default_factory=dict)
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    no_restart: bool = False  # failed because cco could not look at it: a restart would too

    def move(self, change: machine.Change) -> None:
        new = change.status
        if new is None or new == self.status or not machine.can_move(self.status, new):
            return
        self.changes.append((new, change.reason))
        self.status = new


@dataclass(frozen=True)
class Leftover:
    session: str
    reason: str


DIALOG_KEY_GAP_S = 0.6
QUIET_MARK_S = 3.0
CONTINUE_PROMPT = "Continue where you left off: your session was interrupted and restarted."
# In headless mode the stream's result event (with the cost) ends a turn, not these hooks.
HEADLESS_ENDS = frozenset({"Stop", "StopFailure", "SessionEnd"})
# an instance reaching one of these moves its task (finished turn, question, end)
_TASK_MOVES = frozenset({S.IDLE, S.WAITING_INPUT, S.EXITED, S.FAILED, S.STOPPED})
INTERRUPTED = "its start was interrupted (the process starting it died)"


def _private(files: InstanceFiles) -> None:
    """The instance's folder 0700 and what shells and tmux append to made 0600 first."""
    private_files(files.folder, files.events, files.raw_log, files.stream, files.stderr)


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime >= seconds
    except FileNotFoundError:
        return True


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells that a file changed without reading it: inode, size, mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _status_cost(path: Path) -> float | None:
    """The running cost of the agent's current process, from its status line input."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return float(data["cost"]["total_cost_usd"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read_lines(path: Path, offset: int, limit: int = 4 * 1024 * 1024) -> tuple[list[str], int]:
    """Complete lines appended since offset, and the offset after the last complete line."""
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(limit)
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset
    chunk = data[: end + 1]
    return chunk.decode("utf-8", "replace").splitlines(), offset + len(chunk)


class InstanceService:
    def __init__(
        self,
        *,
        store: Store,
        mux: Multiplexer,
        locks: Locks,
        worktrees: WorktreeService,
        agents: AgentFactory,
        config: InstancesConfig,
        tmux: TmuxConfig,
        data_dir: Path,
        watch_factory: Callable[[], FileWatch] | None = None,
    ) -> None:
        self.store = store
        self.mux = mux
        self.locks = locks
        self.worktrees = worktrees
        self.agents = agents
        self.config = config
        self.tmux = tmux
        self.data_dir = data_dir
        # per generic instance: (pane activity, quiet?) at the last screen read
        self._screen_seen: dict[str, tuple[int, bool]] = {}
        self._files: dict[str, InstanceFiles] = {}
        # the live instances' hook files (and headless streams): path -> (id, size read)
        self.watch_factory = watch_factory
        self.watcher: FileWatch | None = None  # made by the first wait_for_hooks (the daemon)
        self._watch: dict[str, tuple[str, int]] = {}
        self._watch_lock = threading.Lock()
        # each live instance as this process last saw it (what look_at_hooks plays lines on)
        self._seen: dict[str, Instance] = {}
        # per instance: what its transcript and status file looked like when last read
        self._read_stamp: dict[str, tuple[Any, ...]] = {}

    def known_agent(self, name: str) -> Agent | None:
        """The adapter of an existing record's agent, or None when the configuration no longer
        has that agent: reading and stopping its instances need none, only starts do."""
        try:
            return self.agents(name)
        except InvalidInput:
            return None

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None

    # ------------------------------------------------------------------ lookups
    def files(self, instance_id: str) -> InstanceFiles:
        files = self._files.get(instance_id)
        if files is None:
            if len(self._files) > 4096:
                self._files.clear()
            files = self._files[instance_id] = InstanceFiles(
                self.data_dir / "instances" / instance_id
            )
        return files

    def get(self, key: str) -> Instance:
        with self.store.read() as tx:
            inst = tx.instance(key)
        if inst is None:
            raise NotFound(f"no instance {key!r}", hint="`cco instances list` shows them")
        return inst

    def all(
        self, *, include_ended: bool = True, limit: int | None = None, offset: int = 0
    ) -> list[Instance]:
        with self.store.read() as tx:
            statuses = None if include_ended else machine.LIVE
            return tx.instances(statuses=statuses, limit=limit, offset=offset)

    def events(
        self, *, after_id: int = 0, limit: int = 1000, entity_types: Sequence[str] = ("instance",)
    ) -> list[Event]:
        """Events (status changes, dialogs, results) after an event id, of these entities."""
        with self.store.read() as tx:
            return tx.events(after_id=after_id, limit=limit, entity_types=entity_types)

    def last_event_id(self) -> int:
        with self.store.read() as tx:
            return tx.last_event_id()

    # ------------------------------------------------------------------ spawn
    def spawn(
        self,
        *,
        repo: Path | None = None,
        worktree_id: str | None = None,
        prompt: str | None = None,
        agent: str | None = None,
        mode: str | None = None,
        name: str | None = None,
        base: str | None = None,
        task_id: str | None = None,
        instance_id: str | None = None,
        merge: Sequence[str] = (),
        max_turns: int | None = None,
    ) -> Instance:
        """Worktree (made or given) + tmux session + agent; every step undone on failure.

        instance_id: chosen beforehand by a caller that recorded it (the scheduler), so an
        interrupted start can be recognized. merge: refs merged into a new worktree (stacked
        work on several unmerged dependencies).
        """
        agent_name = agent or self.config.agent
        mode = mode or self.config.mode
        if mode not in MODES:
            raise InvalidInput(f"unknown mode {mode!r}", hint="use interactive or headless")
        if name is not None:
            check_name(name, "instance name")
        if max_turns is not None and mode != "headless":
            raise InvalidInput(
                "a turn limit applies to headless runs only",
                hint="use --mode headless, or leave out --max-turns",
            )
        prompt = self._check_prompt(
            None if prompt is None else check_multiline(prompt, "the prompt")
        )
        if repo is None and worktree_id is None:
            raise InvalidInput("say where to work", hint="pass --repo PATH or --worktree ID")
        adapter = self.agents(agent_name)
        adapter.check()
        if prompt is not None and not adapter.uses_hooks:
            inert_text(prompt, "the prompt")  # a generic agent may get it typed into its pane

        given: Worktree | None = None
        if worktree_id is not None:
            given = self.worktrees.get(worktree_id)
        else:
            assert repo is not None
            self.worktrees.check(repo=repo, name=name, base=base)
        inst_id = instance_id or new_id()
        with self.locks.hold(f"spawn:{inst_id}"):
            return self._spawn(
                inst_id,
                adapter,
                given,
                repo=repo,
                prompt=prompt,
                agent_name=agent_name,
                mode=mode,
                name=name,
                base=base,
                task_id=task_id,
                merge=merge,
                max_turns=max_turns,
            )

    def _spawn(
        self,
        inst_id: str,
        adapter: Agent,
        given: Worktree | None,
        *,
        repo: Path | None,
        prompt: str | None,
        agent_name: str,
        mode: str,
        name: str | None,
        base: str | None,
        task_id: str | None,
        merge: Sequence[str],
        max_turns: int | None,
    ) -> Instance:
        session = f"{self.tmux.session_prefix}{inst_id}"
        record = Instance(
            id=inst_id,
            name=name or inst_id,
            agent=agent_name,
            mode=mode,
            status=S.STARTING,
            session_name=session,
            worktree_id=given.id if given else None,
            repo_id=given.repo_id if given else None,
            owns_worktree=given is None,
            worktree_plan=None if given else new_id(),
            task_id=task_id,
            permission_mode=self.config.permission_mode,
            prompt=prompt,
            agent_session_id=str(uuid.uuid4()),
            status_reason="spawning",
        )
        # Step 1: the row, under the limit, in one write transaction (exact under concurrency).
        with self.store.write() as tx:
            if given is not None:
                busy = [i for i in tx.instances(statuses=machine.LIVE) if i.worktree_id == given.id]
                if busy:
                    raise Conflict(
                        f"worktree {given.id} is in use by instance {busy[0].id}",
                        hint="stop that instance first, or omit --worktree for a new one",
                    )
            limit = self.config.max_running
            if limit and tx.count_instances(machine.LIVE) >= limit:
                raise LimitReached(
                    f"{count(limit, 'instance is', 'instances are')} running, the most "
                    "instances.max_running allows",
                    hint="stop one, or raise the limit: cco config set instances.max_running N",
                )
            tx.add_instance(record)
            tx.append_event(
                self._event(
                    record, "instance.created", status=S.STARTING.value, agent=agent_name, mode=mode
                )
            )
        faults.point("spawn.after_row")
        wt: Worktree | None = given
        made_worktree = False
        session_started = False
        try:
            # Step 2: the worktree.
            if wt is None:
                assert repo is not None
                wt = self.worktrees.create(
                    repo=repo, name=name, base=base, worktree_id=record.worktree_plan, merge=merge
                )
                made_worktree = True
                faults.point("spawn.after_worktree")
                with self.store.write() as tx:
                    tx.update_instance(inst_id, worktree_id=wt.id, repo_id=wt.repo_id)
            # Step 3: the instance's files and the tmux session.
            files = self.files(inst_id)
            _private(files)
            with self._watch_lock:
                self._seen[inst_id] = record
                watch = dict(self._watch)
                watch[str(files.events)] = (inst_id, 0)
                if mode == "headless":
                    watch[str(files.stream)] = (inst_id, 0)
                self._set_watch(watch)
            spec = replace(self._spec(record, wt, resume=False), max_turns=max_turns)
            self._write_prompt(spec)
            launch = adapter.launch(spec)
            self.mux.new_session(
                session, cwd=wt.path, argv=launch.argv, env=launch.env, raw_log=files.raw_log
            )
            session_started = True
            faults.point("spawn.after_session")
            if launch.type_prompt:
                self.mux.send_text(session, launch.type_prompt)
            # Step 4: what tmux says about the new pane.
            pane = self.mux.panes().get(session)
            with self.store.write() as tx:
                record = tx.update_instance(
                    inst_id,
                    pane_pid=pane.pid if pane else None,
                    status_reason="started",
                )
                tx.append_event(
                    self._event(
                        record,
                        "instance.started",
                        session=session,
                        worktree_id=wt.id,
                        path=str(wt.path),
                    )
                )
        except BaseException as exc:
            self._undo_spawn(
                inst_id, session if session_started else None, wt if made_worktree else None, exc
            )
            raise
        log.info("instance.spawned", instance_id=inst_id, task_id=task_id, session=session)
        return record

    def _undo_spawn(
        self, inst_id: str, session: str | None, wt: Worktree | None, exc: BaseException
    ) -> None:
        if session is not None:
            try:
                self.mux.kill_session(session)
            except CcoError as err:
                log.warning("undo.session_failed", instance_id=inst_id, error=str(err))
        if wt is not None:
            try:
                self.worktrees.remove(wt.id, force=True, delete_branch=True)
            except CcoError as err:
                log.warning("undo.worktree_failed", instance_id=inst_id, error=str(err))
        reason = (
            f"spawn failed: {exc}"
            if isinstance(exc, CcoError)
            else (f"spawn failed: {type(exc).__name__}: {exc}")
        )
        with self.store.write() as tx:
            inst = tx.update_instance(
                inst_id, status=S.FAILED, status_reason=reason, status_at=datetime.now(UTC)
            )
            tx.append_event(
                self._event(
                    inst,
                    "instance.status",
                    status=S.FAILED.value,
                    previous=S.STARTING.value,
                    reason=reason,
                )
            )

    def _undo_interrupted(self, inst: Instance) -> None:
        """A spawn died half-way: the agent never ran, so its worktree and branch go."""
        if inst.owns_worktree:
            planned = inst.worktree_id or inst.worktree_plan
            wt = self.worktrees.find(planned) if planned else None
            if wt is not None:
                self.worktrees.undo_interrupted(wt)
        if self.mux.has_session(inst.session_name):
            self.mux.kill_session(inst.session_name)

    def check_prompt(self, prompt: str) -> str:
        """A prompt fit to send: text, not empty, not too big."""
        checked = self._check_prompt(prompt)
        assert checked is not None
        return checked

    def _check_prompt(self, prompt: str | None) -> str | None:
        if prompt is None:
            return None
        if "\x00" in prompt:
            raise InvalidInput(
                "the prompt contains a NUL byte (binary data?)", hint="pass text only"
            )
        size = len(prompt.encode("utf-8", "surrogatepass"))
        if size > self.config.max_prompt_bytes:
            raise InvalidInput(
                f"the prompt is {size} bytes, more than instances.max_prompt_bytes "
                f"({self.config.max_prompt_bytes})",
                hint="put long instructions in a file in the repository and point to it",
            )
        if not prompt.strip():
            raise InvalidInput("the prompt is empty")
        return prompt

    def _spec(
        self, inst: Instance, wt: Worktree, *, resume: bool, prompt: str | None = None
    ) -> LaunchSpec:
        return LaunchSpec(
            instance_id=inst.id,
            cwd=wt.path,
            repo_root=wt.repo_path,
            files=self.files(inst.id),
            mode=inst.mode,
            prompt=inst.prompt if prompt is None and not resume else prompt,
            session_id=inst.agent_session_id or str(uuid.uuid4()),
            resume=resume,
            permission_mode=inst.permission_mode or self.config.permission_mode,
            model=self.config.model,
            env={},
        )

    @staticmethod
    def _write_prompt(spec: LaunchSpec) -> None:
        spec.files.folder.mkdir(parents=True, exist_ok=True)
        tmp = spec.files.prompt.with_suffix(".tmp")
        tmp.write_text(spec.prompt or "", encoding="utf-8")
        tmp.chmod(0o600)
        tmp.replace(spec.files.prompt)

    def _event(self, inst: Instance, kind: str, **data: Any) -> NewEvent:
        payload = {"instance_id": inst.id, "name": inst.name, **data}
        if inst.task_id:
            payload["task_id"] = inst.task_id
        return NewEvent(kind, "instance", inst.id, payload)

    # ------------------------------------------------------------------ steering
    def answer(self, key: str, ans: Answer) -> Instance:
        """Answer the permission question the instance waits on (see services.answers)."""
        return answers.answer(self, key, ans)

    def send(self, key: str, text: str, *, force: bool = False) -> Instance:
        """Type a prompt or an answer; only when the agent can take it (idle or asking)."""
        self.sync()
        inst = self.get(key)
        text = inert_text(self._check_prompt(text) or "")
        # the rules (domain/actions.py): never while it works or asks, unless forced
        check_instance(inst, InstanceAction.FORCE_SEND if force else InstanceAction.SEND)
        if inst.mode == "headless":
            return self._headless_turn(inst, text)
        if inst.status == S.WAITING_INPUT and is_plain_line(text) and len(text) <= 16:
            # A dialog's choice ("1", "y"): typed as keys, since a paste may not select.
            self.mux.type_line(inst.session_name, text)
            if len(text) > 1:
                self.mux.send_keys(inst.session_name, "Enter")
        else:
            self.mux.send_text(inst.session_name, text)
        with self.store.write() as tx:
            tx.append_event(
                self._event(
                    inst, "instance.input", chars=len(text), answered=inst.status == S.WAITING_INPUT
                )
            )
        return inst

    def _headless_turn(self, inst: Instance, text: str) -> Instance:
        pane = self.mux.panes().get(inst.session_name)
        if pane is not None and not pane.dead and inst.status == S.IDLE:
            # its result is in: the process is only finishing; give it a moment to exit
            deadline = time.monotonic() + 5
            while pane is not None and not pane.dead and time.monotonic() < deadline:
                time.sleep(0.05)
                pane = self.mux.panes().get(inst.session_name)
        if pane is not None and not pane.dead:
            raise Conflict(
                f"instance {inst.id} is still running its turn",
                hint="wait for it to finish, then send again",
            )
        wt = self._worktree_of(inst)
        spec = replace(self._spec(inst, wt, resume=True), prompt=text)
        self._write_prompt(spec)
        launch = self.agents(inst.agent).launch(spec)
        self._run(inst, wt, launch.argv, launch.env, fresh=pane is None)
        with self.store.write() as tx:
            inst = tx.update_instance(
                inst.id,
                status=S.STARTING,
                status_reason="new turn",
                status_at=datetime.now(UTC),
                exit_status=None,
            )
            tx.append_event(
                self._event(inst, "instance.status", status=S.STARTING.value, reason="new turn")
            )
        return inst

    def _run(
        self, inst: Instance, wt: Worktree, argv: list[str], env: dict[str, str], *, fresh: bool
    ) -> None:
        files = self.files(inst.id)
        _private(files)
        if fresh:
            self.mux.new_session(
                inst.session_name, cwd=wt.path, argv=argv, env=env, raw_log=files.raw_log
            )
        else:
            self.mux.respawn(
                inst.session_name, cwd=wt.path, argv=argv, env=env, raw_log=files.raw_log
            )

    def _worktree_of(self, inst: Instance) -> Worktree:
        wt = None
        if inst.worktree_id is not None:
            with contextlib.suppress(NotFound):
                wt = self.worktrees.get(inst.worktree_id)
        check_instance(inst, InstanceAction.RESTART, has_worktree=wt is not None)
        assert wt is not None
        return wt

    def stop(
        self,
        key: str,
        *,
        remove_worktree: bool = False,
        force: bool = False,
        reason: str = "stopped by the user",
    ) -> Instance:
        inst = self.get(key)
        wt = None
        if remove_worktree and inst.worktree_id:
            wt = self.worktrees.get(inst.worktree_id)
            if not force and self.worktrees.vcs.is_dirty(wt.path):
                raise Conflict(
                    f"worktree {wt.id} has uncommitted changes; nothing was stopped",
                    hint="commit them, stop without --remove-worktree, or pass --force",
                )
        with self.store.write() as tx:
            tx.update_instance(inst.id, stop_requested=True, restart_after=None)
        self._exit_gracefully(inst, reason)
        self.mux.kill_session(inst.session_name)
        with self.store.write() as tx:
            current = tx.instance(inst.id)
            assert current is not None
            if current.status != S.STOPPED:
                inst = tx.update_instance(
                    inst.id,
                    status=S.STOPPED,
                    status_reason=reason,
                    status_at=datetime.now(UTC),
                )
                tx.append_event(
                    self._event(
                        inst,
                        "instance.status",
                        status=S.STOPPED.value,
                        previous=current.status.value,
                        reason=reason,
                    )
                )
        if wt is not None:
            self.worktrees.remove(wt.id, force=force, delete_branch=True)
        return inst

    def _exit_gracefully(self, inst: Instance, reason: str, timeout_s: float = 5.0) -> None:
        """Ask an idle interactive agent to exit (it then writes its final totals and fires
        SessionEnd) before its session is killed; a busy one is not interrupted this way."""
        if inst.mode != "interactive" or inst.status != S.IDLE:
            return
        adapter = self.known_agent(inst.agent)
        if adapter is None or not adapter.uses_hooks:
            return
        try:
            self.mux.send_text(inst.session_name, "/exit")
        except CcoError:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pane = self.mux.panes().get(inst.session_name)
            if pane is None or pane.dead:
                break
            time.sleep(0.05)
        self.sync(only=[inst.id])  # the final cost and SessionEnd, before the session goes

    def restart(
        self, key: str, *, reason: str = "restarted by the user", prompt: str | None = None
    ) -> Instance:
        """Run the agent again in its worktree, resuming its conversation; prompt: a new one."""
        inst = self.get(key)
        wt = self._worktree_of(inst)
        return self._restart(inst, wt, reason=reason, prompt=self._check_prompt(prompt))

    def _restart(
        self, inst: Instance, wt: Worktree, *, reason: str, prompt: str | None = None
    ) -> Instance:
        adapter = self.agents(inst.agent)
        # Resume the same agent session so the conversation survives (if it ever started).
        started = self.files(inst.id).events.exists() and self.files(inst.id).events.stat().st_size
        spec = self._spec(inst, wt, resume=bool(started))
        if prompt is not None:
            spec = replace(spec, prompt=prompt)
        elif inst.mode == "headless" and started:
            spec = replace(spec, prompt="Continue where you left off.")
        self._write_prompt(spec)
        launch = adapter.launch(spec)
        # The new process reports its own totals from zero: what was spent so far is the base.
        self.files(inst.id).status.unlink(missing_ok=True)
        with self.store.write() as tx:
            inst = tx.update_instance(inst.id, cost_base_usd=inst.cost_usd)
        fresh = not self.mux.has_session(inst.session_name)
        self._run(inst, wt, launch.argv, launch.env, fresh=fresh)
        pane = self.mux.panes().get(inst.session_name)
        with self.store.write() as tx:
            previous = inst.status
            inst = tx.update_instance(
                inst.id,
                status=S.STARTING,
                status_reason=reason,
                status_at=datetime.now(UTC),
                restarts=inst.restarts + 1,
                restart_after=None,
                stop_requested=False,
                exit_status=None,
                pane_pid=pane.pid if pane else None,
            )
            tx.append_event(
                self._event(
                    inst,
                    "instance.status",
                    status=S.STARTING.value,
                    previous=previous.value,
                    reason=reason,
                    restarts=inst.restarts,
                )
            )
        log.info("instance.restarted", instance_id=inst.id, reason=reason)
        return inst

    def attach_argv(self, key: str) -> list[str]:
        inst = self.get(key)
        if not self.mux.has_session(inst.session_name):
            raise Conflict(
                f"instance {inst.id} has no tmux session any more",
                hint=f"restart it: cco instances restart {inst.id}",
            )
        return self.mux.attach_argv(inst.session_name)

    # ------------------------------------------------------------------ logs
    def structured_log(
        self, key: str, offset: int = 0
    ) -> tuple[list[str], int, Literal["events", "transcript", "stream"]]:
        """Raw lines of the structured log from a byte offset, and which file it is: the hook
        events until an interactive agent's transcript is known, then the transcript."""
        inst = self.get(key)
        if inst.mode == "headless":
            lines, end = _read_lines(self.files(inst.id).stream, offset)
            return lines, end, "stream"
        if inst.transcript_path:
            lines, end = _read_lines(Path(inst.transcript_path), offset)
            return lines, end, "transcript"
        lines, end = _read_lines(self.files(inst.id).events, offset)
        return lines, end, "events"

    def log_lines(
        self, key: str, *, raw: bool = False, follow: bool = False, poll_s: float = 0.2
    ) -> Iterator[str]:
        """The structured log (turns, tools, messages, cost) or the raw terminal output."""
        inst = self.get(key)
        files = self.files(inst.id)
        if raw:
            path = files.raw_log
        elif inst.mode == "headless":
            path = files.stream
        else:
            path = Path(inst.transcript_path) if inst.transcript_path else files.events
        offset = 0
        while True:
            if raw:
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
                lines, offset = _read_lines(path, offset)
                for line in lines:
                    text = render_log_line(line)
                    if text:
                        yield text + "\n"
            if not follow:
                return
            if not raw and inst.mode == "interactive" and not inst.transcript_path:
                fresh = self.get(inst.id)
                if fresh.transcript_path:
                    inst, path, offset = fresh, Path(fresh.transcript_path), 0
            time.sleep(poll_s)

    # ------------------------------------------------------------------ sync
    def sync(
        self,
        *,
        now: datetime | None = None,
        only: Collection[str] | None = None,
        returning: bool = True,
    ) -> list[Instance]:
        """Apply every hook event, stream line and liveness change since the last look.

        only: look at these instances alone (say, the one being stopped). Returns the
        instances looked at, as they are now (nothing when not returning: the daemon's pass
        reads what it needs itself).
        """
        pending = self._sync(now=now or datetime.now(UTC), only=only, hooks_only=False)
        ids = {p.instance.id for p in pending}
        if not ids or not returning:
            return []
        with self.store.read() as tx:
            return tx.instances(ids=ids)

    def look_at_hooks(self, ids: Collection[str]) -> bool:
        """Apply these instances' new hook events (and headless stream) at once.

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
        """Wait up to timeout for live instances' hook files (or headless streams) to grow;
        the ids of those that did (the kernel tells where it can, see adapters.watch)."""
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

    def _remember(self, pending: Sequence[_Pending], *, every: bool) -> None:
        """Watch the live instances' files from the offsets just read; every: these are all
        the instances there are to watch."""
        with self._watch_lock:
            watch = {} if every else dict(self._watch)
            if every:
                self._seen = {}
            for p in pending:
                inst = p.instance
                files = self.files(inst.id)
                events, stream = str(files.events), str(files.stream)
                watch.pop(events, None)
                watch.pop(stream, None)
                if p.status not in machine.LIVE:
                    self._seen.pop(inst.id, None)
                    continue
                changed = p.updates or p.status != inst.status
                self._seen[inst.id] = (
                    replace(inst, status=p.status, **p.updates) if changed else inst
                )
                watch[events] = (inst.id, p.updates.get("events_offset", inst.events_offset))
                if inst.mode == "headless":
                    offset = p.updates.get("stream_offset", inst.stream_offset)
                    watch[stream] = (inst.id, offset)
            self._set_watch(watch)

    def _set_watch(self, watch: dict[str, tuple[str, int]]) -> None:
        self._watch = watch
        if self.watcher is not None:
            self.watcher.watch({path: size for path, (_, size) in watch.items()})

    def _sync(
        self, *, now: datetime, only: Collection[str] | None, hooks_only: bool
    ) -> list[_Pending]:
        if hooks_only:
            # Read, look and apply in one write transaction: a few lines of a few files.
            assert only is not None and len(only) <= 500
            with self.locks.hold("instances-sync"), self.store.hook_write() as tx:
                pending = [
                    self._look(inst, None, now, hooks_only=True)
                    for inst in tx.live_instances(only, machine.LIVE)
                ]
                for p in pending:
                    if p.changes or p.updates or p.notes:
                        self._apply(tx, p, now)
            self._remember(pending, every=False)
            return pending
        with self.locks.hold("instances-sync"):
            with self.store.read() as tx:
                watched = [
                    i
                    for i in tx.instances(statuses=[*machine.LIVE, S.FAILED], ids=only)
                    if i.status != S.FAILED or i.restart_after
                ]
            panes = self.mux.panes() if watched else {}
            pending = [
                self._look_alone(inst, panes.get(inst.session_name), now) for inst in watched
            ]
            changed = [p for p in pending if p.changes or p.updates or p.notes]
            if changed:
                self._apply_all(changed, now)
            self._remember(pending, every=only is None)
            for p in pending:
                try:
                    self._after_look(p, now)
                except Exception:
                    log.exception("instance.after_look_crashed", instance_id=p.instance.id)
        return pending

    def _after_look(self, p: _Pending, now: datetime) -> None:
        self._cap_raw_log(p.instance)
        if p.no_restart and p.status == S.FAILED and self.mux.has_session(p.instance.session_name):
            self.mux.kill_session(p.instance.session_name)  # failed: its agent must not go on
        if any(reason == INTERRUPTED for _, reason in p.changes):
            self._undo_interrupted(p.instance)
        if p.status == S.FAILED:  # only these can be due for a restart
            self._maybe_restart(p.instance.id, now)

    def _look_alone(self, inst: Instance, pane: PaneInfo | None, now: datetime) -> _Pending:
        """One instance's look; what goes wrong there is that instance's, never the sync's: a
        passing error (CcoError) leaves it as it was, a bug or bad data marks it failed."""
        try:
            return self._look(inst, pane, now)
        except CcoError as exc:
            log.warning("instance.look_failed", instance_id=inst.id, error=str(exc))
            return _Pending(instance=inst, status=inst.status)
        except Exception as exc:
            log.exception("instance.look_crashed", instance_id=inst.id)
            p = _Pending(instance=inst, status=inst.status, no_restart=True)
            p.move(
                machine.Change(S.FAILED, f"cco could not follow it: {type(exc).__name__}: {exc}")
            )
            return p

    def _apply_all(self, changed: Sequence[_Pending], now: datetime) -> None:
        try:
            with self.store.write() as tx:
                for p in changed:
                    self._apply(tx, p, now)
        except StorageError:
            raise
        except Exception:
            # One instance's write failed them all: each alone, so only that one is skipped.
            for p in changed:
                try:
                    with self.store.write() as tx:
                        self._apply(tx, p, now)
                except Exception:
                    log.exception("instance.apply_crashed", instance_id=p.instance.id)

    def _look(
        self, inst: Instance, pane: PaneInfo | None, now: datetime, *, hooks_only: bool = False
    ) -> _Pending:
        p = _Pending(instance=inst, status=inst.status)
        files = self.files(inst.id)
        # 1. hook events, in order
        lines, offset = _read_lines(files.events, inst.events_offset)
        submitted = inst.events_offset > 0 and inst.status != S.STARTING
        for line in lines:
            try:
                record = json.loads(line)
                payload = record["event"]
                if not isinstance(payload, dict):
                    continue
            except (ValueError, KeyError, TypeError):
                continue
            if payload.get("session_id") and payload["session_id"] != inst.agent_session_id:
                p.updates["agent_session_id"] = payload["session_id"]
            if payload.get("transcript_path"):
                p.updates["transcript_path"] = str(payload["transcript_path"])
            if payload.get("hook_event_name") == "Stop" and inst.mode == "interactive":
                p.updates["turns"] = p.updates.get("turns", inst.turns) + 1
            if inst.mode == "headless" and payload.get("hook_event_name") in HEADLESS_ENDS:
                continue  # each headless turn is a process; its result event ends the turn
            pending_prompt = bool(inst.prompt) and not inst.restarts and not submitted
            if payload.get("hook_event_name") == "UserPromptSubmit":
                submitted = True
            if payload.get("hook_event_name") == "PermissionRequest":
                known = self.known_agent(inst.agent)
                asked = known.question(record) if known else None
                if asked is not None:
                    p.updates["question"] = asked.to_json()
            p.move(machine.from_hook(p.status, payload, prompt_pending=pending_prompt))
        if offset != inst.events_offset:
            p.updates["events_offset"] = offset
        # 2. headless stream-json: session id, result, cost
        if inst.mode == "headless":
            self._look_stream(inst, p)
        if hooks_only:
            return p
        # 3. interactive transcript: tokens and cost
        transcript = p.updates.get("transcript_path", inst.transcript_path)
        if transcript and inst.mode == "interactive":
            self._look_transcript(inst, Path(transcript), p)
        # 4. the process itself
        if pane is None and p.status == S.STARTING and not inst.pane_pid:
            if self.locks.is_held(f"spawn:{inst.id}"):
                return p  # being spawned right now by another process
            if self.mux.has_session(inst.session_name):
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
            self._look_screen(inst, pane, p, now)
            if p.status == S.WAITING_INPUT:
                stored = p.updates.get("question", inst.question)
                current = Question.from_json(stored) if isinstance(stored, dict) else stored
                fresh = answers.refresh(self, inst, current, now)
                if fresh is not None:
                    p.updates["question"] = fresh.to_json()
            if p.status == S.WAITING_INPUT and pane.pid:
                # A denied permission fires no hook; the agent's own state file tells.
                adapter = self.known_agent(inst.agent)
                seen = adapter.observed_status(pane.pid) if adapter else None
                if seen is not None and seen[0] != S.WAITING_INPUT:
                    p.move(machine.Change(*seen))
        # 5. hung: working, yet no hook event and no pane output for too long
        hung = self.config.hung_after_s
        if hung and p.status == S.WORKING and pane is not None and not pane.dead:
            last = max(
                inst.status_at.timestamp() if inst.status_at else 0,
                pane.activity,
                files.events.stat().st_mtime if files.events.exists() else 0,
            )
            if now.timestamp() - last > hung:
                p.move(machine.Change(S.FAILED, f"hung: no activity for {hung}s"))
        return p

    def _look_stream(self, inst: Instance, p: _Pending) -> None:
        lines, offset = _read_lines(self.files(inst.id).stream, inst.stream_offset)
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            if obj.get("type") == "system" and obj.get("subtype") == "init":
                if obj.get("session_id"):
                    p.updates["agent_session_id"] = obj["session_id"]
                if p.status == S.STARTING:
                    p.move(machine.Change(S.WORKING, "headless run started"))
            elif obj.get("type") == "result":
                usage = obj.get("usage") or {}
                p.updates["turns"] = p.updates.get("turns", inst.turns) + int(
                    obj.get("num_turns") or 0
                )
                p.updates["input_tokens"] = p.updates.get("input_tokens", inst.input_tokens) + int(
                    (usage.get("input_tokens") or 0)
                    + (usage.get("cache_creation_input_tokens") or 0)
                    + (usage.get("cache_read_input_tokens") or 0)
                )
                p.updates["output_tokens"] = p.updates.get(
                    "output_tokens", inst.output_tokens
                ) + int(usage.get("output_tokens") or 0)
                p.updates["cost_usd"] = p.updates.get("cost_usd", inst.cost_usd) + float(
                    obj.get("total_cost_usd") or 0.0
                )
                if obj.get("session_id"):
                    p.updates["agent_session_id"] = obj["session_id"]
                if obj.get("is_error"):
                    why = obj.get("terminal_reason") or obj.get("subtype") or "error"
                    detail = str(obj.get("result") or "")[:200]
                    reason = f"the agent failed ({why})" + (f": {detail}" if detail else "")
                    p.move(machine.Change(S.FAILED, reason))
                else:
                    p.move(machine.Change(S.IDLE, "turn finished"))
                p.notes.append(
                    (
                        "instance.result",
                        {
                            "is_error": bool(obj.get("is_error")),
                            "num_turns": obj.get("num_turns"),
                            "cost_usd": obj.get("total_cost_usd"),
                            "subtype": obj.get("subtype"),
                        },
                    )
                )
        if offset != inst.stream_offset:
            p.updates["stream_offset"] = offset

    def _look_transcript(self, inst: Instance, path: Path, p: _Pending) -> None:
        """Tokens from the transcript; cost from the live status file (or cost-state records)."""
        start = inst.transcript_offset if path == Path(inst.transcript_path or "") else 0
        status_file = self.files(inst.id).status
        stamp = (str(path), start, _stamp(path), _stamp(status_file), inst.cost_base_usd)
        if self._read_stamp.get(inst.id) == stamp:
            return  # neither file changed since the last look: nothing new to read
        lines, offset = _read_lines(path, start)
        tokens_in = p.updates.get("input_tokens", inst.input_tokens if start else 0)
        tokens_out = p.updates.get("output_tokens", inst.output_tokens if start else 0)
        process_cost: float | None = None
        seen: set[str] = set()
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            if obj.get("type") == "cost-state" and obj.get("totalCostUSD") is not None:
                process_cost = float(obj["totalCostUSD"])
            message = obj.get("message")
            if obj.get("type") == "assistant" and isinstance(message, dict):
                # One API message can span several records (one per content block).
                msg_id = str(message.get("id") or "")
                if msg_id and msg_id in seen:
                    continue
                seen.add(msg_id)
                usage = message.get("usage") or {}
                tokens_in += int(
                    (usage.get("input_tokens") or 0)
                    + (usage.get("cache_creation_input_tokens") or 0)
                    + (usage.get("cache_read_input_tokens") or 0)
                )
                tokens_out += int(usage.get("output_tokens") or 0)
        if lines:
            p.updates["input_tokens"] = tokens_in
            p.updates["output_tokens"] = tokens_out
            p.updates["transcript_offset"] = offset
        # Both are running totals of the current process: the status line's (live) and the
        # cost-state record the agent writes as it exits; the larger is the newer.
        known = [c for c in (_status_cost(status_file), process_cost) if c is not None]
        live = max(known) if known else None
        if live is not None:
            cost = round(inst.cost_base_usd + live, 6)
            if cost != inst.cost_usd:
                p.updates["cost_usd"] = cost
        if len(self._read_stamp) > 4096:
            self._read_stamp.clear()
        self._read_stamp[inst.id] = (str(path), offset, *stamp[2:])

    def _look_screen(self, inst: Instance, pane: PaneInfo, p: _Pending, now: datetime) -> None:
        """Only what hooks cannot tell: first-run dialogs, and agents without hooks."""
        adapter = self.known_agent(inst.agent)
        if adapter is None or (adapter.uses_hooks and p.status != S.STARTING):
            return
        if not adapter.uses_hooks:
            # Read the screen only when the pane printed something since the last look (or
            # has just gone quiet): never a capture per instance per tick.
            quiet = now.timestamp() - pane.activity if pane.activity else 0.0
            if self._screen_seen.get(inst.id) == (pane.activity, quiet >= QUIET_MARK_S):
                return
        try:
            screen = self.mux.capture(inst.session_name)
        except CcoError:
            return
        if adapter.uses_hooks:
            answer = adapter.startup_answer(screen)
            stamp = self.files(inst.id).folder / "dialog-key"
            if answer is not None and _older_than(stamp, DIALOG_KEY_GAP_S):
                # One key per look, and not before the screen had time to redraw: a key sent
                # twice into a select list could wrap around to the wrong answer.
                keys, what = answer
                stamp.touch()
                self.mux.send_keys(inst.session_name, *keys)
                if keys == ["Enter"]:
                    p.notes.append(("instance.dialog", {"answered": what}))
                    log.info("instance.dialog", instance_id=inst.id, answered=what)
            return
        quiet = now.timestamp() - pane.activity if pane.activity else 0.0
        self._screen_seen[inst.id] = (pane.activity, quiet >= QUIET_MARK_S)
        seen = adapter.screen_status(screen, quiet)
        if seen is not None:
            p.move(machine.Change(*seen))

    def _apply(self, tx: Any, p: _Pending, now: datetime) -> None:
        inst = p.instance
        values = dict(p.updates)
        if p.changes:
            final, reason = p.changes[-1]
            if final != S.WAITING_INPUT and (inst.question or values.get("question")):
                values["question"] = None  # the question is over (answered, or it moved on)
            values.update(status=final, status_reason=reason, status_at=now)
            policy = self.config
            if (
                final == S.FAILED
                and not p.no_restart
                and not inst.stop_requested
                and policy.restart == "on_failure"
                and inst.restarts < policy.max_restarts
            ):
                delay = policy.restart_backoff_s * (2**inst.restarts)
                values["restart_after"] = now + timedelta(seconds=delay)
        tx.set_instance(inst.id, **values)
        updated = replace(inst, **values)
        previous = inst.status
        for status, reason in p.changes:
            tx.append_event(
                self._event(
                    updated,
                    "instance.status",
                    status=status.value,
                    previous=previous.value,
                    reason=reason,
                )
            )
            log.info(
                "instance.status",
                instance_id=inst.id,
                task_id=inst.task_id,
                status=status.value,
                previous=previous.value,
                reason=reason,
            )
            previous = status
        for kind, data in p.notes:
            tx.append_event(self._event(updated, kind, **data))

    def _maybe_restart(self, inst_id: str, now: datetime) -> None:
        with self.store.read() as tx:
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
            wt = self._worktree_of(inst)
            self._restart(
                inst,
                wt,
                reason=f"restart {inst.restarts + 1} after failure",
                prompt=self._resume_prompt(inst),
            )
        except CcoError as exc:
            with self.store.write() as tx:
                tx.update_instance(inst.id, restart_after=None)
                tx.append_event(self._event(inst, "instance.restart_failed", error=str(exc)))

    def _resume_prompt(self, inst: Instance) -> str | None:
        """What a restarted task agent is told: its task's prompt if it never got it, else to
        go on. Without a prompt a resumed agent would sit idle and its turn never end."""
        if inst.task_id is None:
            return None
        events = self.files(inst.id).events
        try:
            submitted = '"UserPromptSubmit"' in events.read_text(encoding="utf-8", errors="replace")
        except OSError:
            submitted = False
        return CONTINUE_PROMPT if submitted else inst.prompt

    def _cap_raw_log(self, inst: Instance) -> None:
        """Keep the pane log under its cap: the newest half stays, the rest goes to .1."""
        path = self.files(inst.id).raw_log
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return
        cap = self.config.raw_log_max_bytes
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
        self.sync()
        with self.store.read() as tx:
            by_session = {i.session_name: i for i in tx.instances()}
        leftovers: list[Leftover] = []
        for session in self.mux.sessions():
            if not session.startswith(self.tmux.session_prefix):
                continue
            inst = by_session.get(session)
            if inst is None:
                leftovers.append(Leftover(session, "no instance has this session"))
            elif inst.status in machine.TERMINAL and not inst.restart_after:
                leftovers.append(Leftover(session, f"instance {inst.id} has {inst.status.value}"))
        if kill_leftovers:
            for item in leftovers:
                self.mux.kill_session(item.session)
        return leftovers
