"""Instances: an agent in a tmux session working in one worktree; their lifecycle.

This is what a user does to instances (spawn, send, answer, stop, restart, attach, read the
logs). Following them (status from the agent's own files and from tmux, automatic restarts,
reconcile) is services.instance_monitor's, which depends on this and not the other way round:
it attaches itself here as the `Follower` the commands ask for a fresh look.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cc_orchestrator.config import InstancesConfig, TmuxConfig
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.actions import InstanceAction, check_instance
from cc_orchestrator.domain.errors import CcoError, Conflict, InvalidInput, NotFound
from cc_orchestrator.domain.models import Event, Instance, InstanceStatus, Worktree
from cc_orchestrator.domain.names import check_name, new_id
from cc_orchestrator.domain.observations import Denial, LogKind
from cc_orchestrator.domain.questions import Answer
from cc_orchestrator.domain.text import check_multiline, inert_text, is_plain_line
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import (
    Agent,
    InstanceFiles,
    LaunchSpec,
    Locks,
    McpAccess,
    Multiplexer,
    Store,
)
from cc_orchestrator.services import answers, instance_logs, instance_spawn
from cc_orchestrator.services.instance_record import make_private, set_status
from cc_orchestrator.services.worktrees import WorktreeService

log = get_logger("cco.instances")
S = InstanceStatus
AgentFactory = Callable[[str], Agent]
MODES = ("interactive", "headless")
INTERRUPTED = "its start was interrupted (the process starting it died)"
CONTINUE_PROMPT = "Continue where you left off: your session was interrupted and restarted."


class Follower(Protocol):
    """What the lifecycle needs from whoever follows the instances (the monitor)."""

    def sync(
        self,
        *,
        now: datetime | None = None,
        only: Collection[str] | None = None,
        returning: bool = True,
    ) -> list[Instance]: ...

    def follow(self, inst: Instance) -> None:
        """A new instance, watched from its very first line."""
        ...


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
        default_agent: Callable[[Path], str] | None = None,
    ) -> None:
        self.store = store
        # the agent a repository works with when none is named (its project file may say)
        self.default_agent = default_agent or (lambda _root: config.agent)
        self.mux = mux
        self.locks = locks
        self.worktrees = worktrees
        self.agents = agents
        self.config = config
        self.tmux = tmux
        self.data_dir = data_dir
        self._files: dict[str, InstanceFiles] = {}
        self.follower: Follower | None = None
        # where an agent reaches the fleet's MCP server, as itself (set by bootstrap)
        self.mcp_access: Callable[[str], McpAccess | None] = lambda _id: None

    def known_agent(self, name: str) -> Agent | None:
        """The adapter of an existing record's agent, or None when the configuration no longer
        has that agent: reading and stopping its instances need none, only starts do."""
        try:
            return self.agents(name)
        except InvalidInput:
            return None

    def sync(
        self,
        *,
        now: datetime | None = None,
        only: Collection[str] | None = None,
        returning: bool = True,
    ) -> list[Instance]:
        """A fresh look at the instances (the monitor's, see InstanceMonitor.sync)."""
        if self.follower is None:
            return []
        return self.follower.sync(now=now, only=only, returning=returning)

    def followed(self, inst: Instance) -> None:
        if self.follower is not None:
            self.follower.follow(inst)

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

    def refusals(self, inst: Instance) -> list[Denial]:
        """The tool calls its agent refused without asking in its last headless turn."""
        adapter = self.known_agent(inst.agent)
        return adapter.last_turn_refusals(self.files(inst.id)) if adapter else []

    def refusal_advice(self, inst: Instance) -> tuple[str, str]:
        """Who refused those calls, for people, and how to allow them next time."""
        adapter = self.known_agent(inst.agent)
        if adapter is None:
            return f"agent {inst.agent!r}", "allow it in that agent's settings"
        return adapter.refusal_advice()

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
        given: Worktree | None = None
        if worktree_id is not None:
            given = self.worktrees.get(worktree_id)
            root = given.repo_path
        else:
            assert repo is not None
            root = self.worktrees.check(repo=repo, name=name, base=base)
        agent_name = agent or self.default_agent(root)
        adapter = self.agents(agent_name)
        adapter.check()
        if prompt is not None:
            adapter.check_prompt(prompt)
        inst_id = instance_id or new_id()
        with self.locks.hold(f"spawn:{inst_id}"):
            return instance_spawn.spawn(
                self,
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

    def spec(
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
            mcp=self.mcp_access(inst.id),
        )

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
            answered = inst.status == S.WAITING_INPUT
            tx.append_event(events.instance_input(inst, chars=len(text), answered=answered))
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
        wt = self.worktree_of(inst)
        spec = replace(self.spec(inst, wt, resume=True), prompt=text)
        instance_spawn.write_prompt(spec)
        launch = self.agents(inst.agent).launch(spec)
        self._run(inst, wt, launch.argv, launch.env, fresh=pane is None)
        with self.store.write() as tx:
            return set_status(tx, inst, S.STARTING, "new turn", exit_status=None)

    def _run(
        self, inst: Instance, wt: Worktree, argv: list[str], env: dict[str, str], *, fresh: bool
    ) -> None:
        files = self.files(inst.id)
        make_private(files)
        if fresh:
            self.mux.new_session(
                inst.session_name, cwd=wt.path, argv=argv, env=env, raw_log=files.raw_log
            )
        else:
            self.mux.respawn(
                inst.session_name, cwd=wt.path, argv=argv, env=env, raw_log=files.raw_log
            )

    def worktree_of(self, inst: Instance) -> Worktree:
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
        self._exit_gracefully(inst)
        self.mux.kill_session(inst.session_name)
        with self.store.write() as tx:
            current = tx.instance(inst.id)
            assert current is not None
            if current.status != S.STOPPED:
                inst = set_status(tx, current, S.STOPPED, reason, previous=current.status)
        if wt is not None:
            self.worktrees.remove(wt.id, force=force, delete_branch=True)
        return inst

    def _exit_gracefully(self, inst: Instance, timeout_s: float = 5.0) -> None:
        """Ask an idle interactive agent to exit (it then writes its final totals) before its
        session is killed; a busy one is not interrupted this way."""
        if inst.mode != "interactive" or inst.status != S.IDLE:
            return
        adapter = self.known_agent(inst.agent)
        command = adapter.exit_command() if adapter else None
        if command is None:
            return
        try:
            self.mux.send_text(inst.session_name, command)
        except CcoError:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            pane = self.mux.panes().get(inst.session_name)
            if pane is None or pane.dead:
                break
            time.sleep(0.05)
        self.sync(only=[inst.id])  # the final cost and the session's end, before it goes

    def restart(
        self, key: str, *, reason: str = "restarted by the user", prompt: str | None = None
    ) -> Instance:
        """Run the agent again in its worktree, resuming its conversation; prompt: a new one."""
        inst = self.get(key)
        wt = self.worktree_of(inst)
        return self.relaunch(inst, wt, reason=reason, prompt=self._check_prompt(prompt))

    def resume_prompt(self, inst: Instance) -> str | None:
        """What a restarted task agent is told: its task's prompt if it never got it, else to
        go on. Without a prompt a resumed agent would sit idle and its turn never end."""
        if inst.task_id is None:
            return None
        adapter = self.known_agent(inst.agent)
        submitted = adapter.prompt_submitted(self.files(inst.id)) if adapter else False
        return CONTINUE_PROMPT if submitted else inst.prompt

    def relaunch(
        self, inst: Instance, wt: Worktree, *, reason: str, prompt: str | None = None
    ) -> Instance:
        adapter = self.agents(inst.agent)
        files = self.files(inst.id)
        # Resume the same agent session so the conversation survives (if it ever started).
        started = adapter.can_resume(files)
        spec = self.spec(inst, wt, resume=started)
        if prompt is not None:
            spec = replace(spec, prompt=prompt)
        elif inst.mode == "headless" and started:
            spec = replace(spec, prompt="Continue where you left off.")
        instance_spawn.write_prompt(spec)
        launch = adapter.launch(spec)
        with self.store.write() as tx:
            # the cursor as stored now: a look may have moved it since inst was read
            current = tx.instance(inst.id) or inst
            inst = tx.update_instance(
                inst.id, agent_state=adapter.new_run(files, current.agent_state)
            )
        fresh = not self.mux.has_session(inst.session_name)
        self._run(inst, wt, launch.argv, launch.env, fresh=fresh)
        pane = self.mux.panes().get(inst.session_name)
        with self.store.write() as tx:
            inst = set_status(
                tx,
                inst,
                S.STARTING,
                reason,
                previous=inst.status,
                restarted=True,
                restarts=inst.restarts + 1,
                restart_after=None,
                stop_requested=False,
                exit_status=None,
                pane_pid=pane.pid if pane else None,
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
    def structured_log(self, key: str, offset: int = 0) -> tuple[list[str], int, LogKind]:
        """The structured log's lines from a byte offset as a person reads them, the offset
        after them, and which file it is (see services.instance_logs)."""
        return instance_logs.structured_log(self, self.get(key), offset)

    def log_lines(
        self, key: str, *, raw: bool = False, follow: bool = False, poll_s: float = 0.2
    ) -> Iterator[str]:
        """The structured log (turns, tools, messages, cost) or the raw terminal output."""
        return instance_logs.log_lines(self, self.get(key), raw=raw, follow=follow, poll_s=poll_s)
