"""Spawning an instance: its row under the limit, its worktree, its files and its tmux session,
each step undone when a later one fails (see docs/instances.md)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cc_orchestrator import faults
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as machine
from cc_orchestrator.domain.errors import CcoError, Conflict, LimitReached
from cc_orchestrator.domain.models import Instance, InstanceStatus, Worktree
from cc_orchestrator.domain.names import new_id
from cc_orchestrator.domain.plural import count
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Agent, LaunchSpec
from cc_orchestrator.services.instance_record import make_private, set_status

if TYPE_CHECKING:
    from cc_orchestrator.services.instances import InstanceService

log = get_logger("cco.instances")
S = InstanceStatus


def spawn(
    svc: InstanceService,
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
    session = f"{svc.tmux.session_prefix}{inst_id}"
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
        permission_mode=svc.config.permission_mode,
        prompt=prompt,
        agent_session_id=str(uuid.uuid4()),
        status_reason="spawning",
    )
    # Step 1: the row, under the limit, in one write transaction (exact under concurrency).
    with svc.store.write() as tx:
        if given is not None:
            busy = [i for i in tx.instances(statuses=machine.LIVE) if i.worktree_id == given.id]
            if busy:
                raise Conflict(
                    f"worktree {given.id} is in use by instance {busy[0].id}",
                    hint="stop that instance first, or omit --worktree for a new one",
                )
        limit = svc.config.max_running
        if limit and tx.count_instances(machine.LIVE) - tx.count_parked() >= limit:
            raise LimitReached(
                f"{count(limit, 'instance is', 'instances are')} running, the most "
                "instances.max_running allows",
                hint="stop one, or raise the limit: cco config set instances.max_running N",
            )
        tx.add_instance(record)
        tx.append_event(events.instance_created(record))
    faults.point("spawn.after_row")
    wt: Worktree | None = given
    made_worktree = False
    session_started = False
    try:
        # Step 2: the worktree.
        if wt is None:
            assert repo is not None
            wt = svc.worktrees.create(
                repo=repo, name=name, base=base, worktree_id=record.worktree_plan, merge=merge
            )
            made_worktree = True
            faults.point("spawn.after_worktree")
            with svc.store.write() as tx:
                tx.update_instance(inst_id, worktree_id=wt.id, repo_id=wt.repo_id)
        # Step 3: the instance's files and the tmux session.
        files = svc.files(inst_id)
        make_private(files)
        svc.followed(record)
        spec = replace(svc.spec(record, wt, resume=False), max_turns=max_turns)
        write_prompt(spec)
        launch = adapter.launch(spec)
        svc.mux.new_session(
            session, cwd=wt.path, argv=launch.argv, env=launch.env, raw_log=files.raw_log
        )
        session_started = True
        faults.point("spawn.after_session")
        if launch.type_prompt:
            svc.mux.send_text(session, launch.type_prompt)
        # Step 4: what tmux says about the new pane.
        pane = svc.mux.panes().get(session)
        with svc.store.write() as tx:
            record = tx.update_instance(
                inst_id, pane_pid=pane.pid if pane else None, status_reason="started"
            )
            tx.append_event(events.instance_started(record, wt))
    except BaseException as exc:
        _undo(
            svc, inst_id, session if session_started else None, wt if made_worktree else None, exc
        )
        raise
    log.info("instance.spawned", instance_id=inst_id, task_id=task_id, session=session)
    return record


def _undo(
    svc: InstanceService,
    inst_id: str,
    session: str | None,
    wt: Worktree | None,
    exc: BaseException,
) -> None:
    if session is not None:
        try:
            svc.mux.kill_session(session)
        except CcoError as err:
            log.warning("undo.session_failed", instance_id=inst_id, error=str(err))
    if wt is not None:
        try:
            svc.worktrees.remove(wt.id, force=True, delete_branch=True)
        except CcoError as err:
            log.warning("undo.worktree_failed", instance_id=inst_id, error=str(err))
    reason = (
        f"spawn failed: {exc}"
        if isinstance(exc, CcoError)
        else (f"spawn failed: {type(exc).__name__}: {exc}")
    )
    with svc.store.write() as tx:
        inst = tx.instance(inst_id)
        assert inst is not None
        set_status(tx, inst, S.FAILED, reason, previous=S.STARTING)


def undo_interrupted(svc: InstanceService, inst: Instance) -> None:
    """A spawn died half-way: the agent never ran, so its worktree and branch go."""
    if inst.owns_worktree:
        planned = inst.worktree_id or inst.worktree_plan
        wt = svc.worktrees.find(planned) if planned else None
        if wt is not None:
            svc.worktrees.undo_interrupted(wt)
    if svc.mux.has_session(inst.session_name):
        svc.mux.kill_session(inst.session_name)


def write_prompt(spec: LaunchSpec) -> None:
    spec.files.folder.mkdir(parents=True, exist_ok=True)
    tmp = spec.files.prompt.with_suffix(".tmp")
    tmp.write_text(spec.prompt or "", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(spec.files.prompt)
