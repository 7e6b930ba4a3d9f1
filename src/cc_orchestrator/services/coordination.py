"""Coordination between agents: what the fleet's MCP server (web/mcp_server.py, `cco mcp`)
lets a caller do, with the same rules as the CLI plus the limits that keep one agent from
flooding the fleet.

A caller is an agent (its instance, its task, its repository: the only one it may touch) or the
person (the web token, or `cco mcp` run by them). Agents create subtasks within mcp.max_subtasks
per task and mcp.max_depth levels, read and message the tasks of their repository, report a
progress line, ask for review, and wait for other tasks. What reaches an agent's conversation
(messages, the news that the tasks it waited for are finished) is typed in by the daemon when
that agent is idle (services/coordination_delivery.py); here it is only recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cc_orchestrator.config_mcp import McpConfig
from cc_orchestrator.domain import events
from cc_orchestrator.domain import instance_status as imachine
from cc_orchestrator.domain import tasks as rules
from cc_orchestrator.domain.errors import (
    Conflict,
    InvalidInput,
    LimitReached,
    NotFound,
    PermissionDenied,
)
from cc_orchestrator.domain.models import Instance, Message, Task, TaskStatus
from cc_orchestrator.domain.questions import Answer
from cc_orchestrator.domain.text import check_line, check_multiline, inert_text
from cc_orchestrator.logs import get_logger
from cc_orchestrator.ports import Store
from cc_orchestrator.services.instances import InstanceService
from cc_orchestrator.services.overview import OverviewService
from cc_orchestrator.services.tasks import TaskService

log = get_logger("cco.coordination")
T = TaskStatus
MAX_PROGRESS = 200
MAX_SUMMARY = 4000
MAX_LIST = 200
#: a task in one of these will not change by itself: a wait for it is over
SETTLED = frozenset({*rules.FINISHED, T.FAILED, T.CANCELLED, T.BLOCKED})


@dataclass(frozen=True)
class Caller:
    """Who calls: an agent (its instance, task and repository) or the person."""

    kind: Literal["agent", "user"]
    instance_id: str | None = None
    task_id: str | None = None
    repo_id: int | None = None
    repo_path: Path | None = None

    @staticmethod
    def user() -> Caller:
        return Caller(kind="user")

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def label(self) -> str:
        if self.is_user:
            return "user"
        return f"task:{self.task_id}" if self.task_id else f"instance:{self.instance_id}"


@dataclass(frozen=True)
class TaskDetail:
    task: Task
    messages: list[Message]
    children: list[str]


@dataclass(frozen=True)
class WaitResult:
    tasks: list[Task]
    timed_out: bool
    waited_s: float


@dataclass
class _Limits:
    lock: threading.Lock = field(default_factory=threading.Lock)


class Coordination:
    def __init__(
        self,
        *,
        store: Store,
        tasks: TaskService,
        instances: InstanceService,
        overview: OverviewService,
        config: Callable[[], McpConfig],
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.instances = instances
        self.overview = overview
        self.config = config
        self._limits = _Limits()

    # ------------------------------------------------------------------ who calls
    def agent(self, instance_id: str) -> Caller:
        """The caller an agent token names; refused for an unknown or finished instance."""
        with self.store.read() as tx:
            found = tx.instances(ids=[instance_id])
        inst = found[0] if found else None
        if inst is None:
            raise PermissionDenied(
                f"no instance {instance_id!r}: this credential belongs to no agent cco knows"
            )
        if inst.status in imachine.TERMINAL:
            raise PermissionDenied(
                f"instance {inst.id} has {inst.status.value}: its credential no longer works",
                hint="a running agent of the fleet may call these tools",
            )
        # a task's agent works in its task's repository (known before its worktree is)
        with self.store.read() as tx:
            task = tx.task(inst.task_id) if inst.task_id else None
            repo_id = task.repo_id if task is not None else inst.repo_id
            repo = next((r for r in tx.repos() if r.id == repo_id), None)
        repo_path = Path(repo.path) if repo else None
        return Caller(
            kind="agent",
            instance_id=inst.id,
            task_id=inst.task_id,
            repo_id=repo_id,
            repo_path=repo_path,
        )

    def _own_task(self, caller: Caller, what: str) -> Task:
        if caller.is_user or not caller.task_id:
            raise PermissionDenied(
                f"{what} is for the agent of a task, and this caller runs none",
                hint="call it from an agent that cco started for a task",
            )
        task = self.tasks.get(caller.task_id)
        if task.instance_id != caller.instance_id or task.status not in rules.ACTIVE:
            raise PermissionDenied(
                f"task {task.id} is {task.status.value} and this agent no longer runs it"
            )
        return task

    def _visible(self, caller: Caller, key: str) -> Task:
        """A task the caller may see: any for the person, its repository's for an agent."""
        try:
            task = self.tasks.get(key)
        except NotFound:
            task = None
        if task is None or (not caller.is_user and task.repo_id != caller.repo_id):
            where = "" if caller.is_user else " in your repository"
            raise NotFound(f"no task {key!r}{where}", hint="list_tasks shows them")
        return task

    def _user_only(self, caller: Caller, what: str) -> None:
        if not caller.is_user:
            raise PermissionDenied(
                f"{what} is the person's decision, not an agent's",
                hint="finish with request_review: the person approves or rejects it",
            )

    # ------------------------------------------------------------------ tasks
    def create_task(
        self,
        caller: Caller,
        *,
        title: str,
        prompt: str,
        depends_on: Sequence[str] = (),
        wait: bool = False,
        priority: int = 0,
        labels: Sequence[str] = (),
        repo: Path | None = None,
    ) -> Task:
        """A task; from an agent, a subtask of its own task, in its own repository."""
        deps = [self._visible(caller, d).id for d in dict.fromkeys(depends_on)]
        if caller.is_user:
            if repo is None:
                raise InvalidInput("say which repository the task is for", hint="pass repo")
            if wait:
                raise InvalidInput("wait is for an agent's own task", hint="leave it out")
            return self.tasks.add(
                title=title, prompt=prompt, repo=repo, priority=priority, labels=labels,
                depends_on=deps,
            )  # fmt: skip
        parent = self._own_task(caller, "create_task")
        root = parent.repo_path
        assert root is not None
        if repo is not None and Path(repo).expanduser().resolve() != root.resolve():
            raise PermissionDenied(
                f"an agent creates tasks in its own repository ({root}) only",
                hint="leave out repo, or ask the person to create that task",
            )
        limits = self.config()
        with self._limits.lock:
            self._check_limits(parent, limits)
            if wait:
                with self.store.read() as tx:
                    edges = tx.dependency_edges()
                edges["(new task)"] = deps
                cycle = rules.find_cycle(edges, parent.id, ["(new task)"])
                if cycle:
                    raise InvalidInput(
                        "your task cannot wait for a task that waits for it: " + " -> ".join(cycle),
                        hint="leave out wait, or the dependency on your task",
                    )
            task = self.tasks.add(
                title=title,
                prompt=prompt,
                repo=root,
                base=parent.base_ref,
                priority=priority,
                labels=labels,
                depends_on=deps,
                agent=parent.agent,
                mode=parent.mode,
                max_turns=parent.max_turns,
                max_cost_usd=parent.max_cost_usd,
                parent=parent,
                parent_waits=wait,
            )
        log.info("mcp.create_task", caller=caller.label, task_id=task.id, waits=wait)
        return task

    def _check_limits(self, parent: Task, limits: McpConfig) -> None:
        if parent.depth + 1 > limits.max_depth:
            raise LimitReached(
                f"task {parent.id} is at depth {parent.depth} and subtasks nest at most "
                f"{limits.max_depth} deep (mcp.max_depth)",
                hint="do this work in your own task, or ask the person to raise mcp.max_depth",
            )
        with self.store.read() as tx:
            made = tx.count_children(parent.id)
        if made >= limits.max_subtasks:
            raise LimitReached(
                f"task {parent.id} has created {made} tasks, the most mcp.max_subtasks "
                f"({limits.max_subtasks}) allows",
                hint="wait for those, or do the rest of the work in your own task",
            )

    def list_tasks(
        self, caller: Caller, *, status: str | None = None, limit: int = 50
    ) -> list[Task]:
        """The newest tasks (of the agent's repository), oldest first."""
        statuses = None
        if status is not None:
            try:
                statuses = [TaskStatus(status)]
            except ValueError:
                names = ", ".join(s.value for s in TaskStatus)
                raise InvalidInput(f"no status {status!r}", hint=f"one of {names}") from None
        with self.store.read() as tx:
            found = tx.tasks(statuses=statuses, repo_id=None if caller.is_user else caller.repo_id)
        if not caller.is_user and caller.repo_id is None:
            found = []
        return found[-max(1, min(limit, MAX_LIST)) :]

    def get_task(self, caller: Caller, key: str) -> TaskDetail:
        task = self._visible(caller, key)
        with self.store.read() as tx:
            messages = tx.messages(task.id, limit=20)
            children = tx.children(task.id)
        return TaskDetail(task=task, messages=messages, children=children)

    def messages(self, caller: Caller, key: str) -> list[Message]:
        task = self._visible(caller, key)
        with self.store.read() as tx:
            return tx.messages(task.id)

    # ------------------------------------------------------------------ messages
    def send_message(self, caller: Caller, to: str, text: str) -> Message:
        """Queue text for a task's agent: typed in as a user turn when it is idle."""
        target = self._visible(caller, to)
        text = self._check_message(text)
        sender_task = None if caller.is_user else self._own_task(caller, "send_message")
        if sender_task is not None and sender_task.id == target.id:
            raise InvalidInput("that is your own task", hint="send to another task's agent")
        if target.status in (T.DONE, T.CANCELLED, T.FAILED):
            raise Conflict(
                f"task {target.id} is {target.status.value}: no agent will read a message",
                hint="create a task for the work instead",
            )
        if target.status == T.REVIEW:
            raise Conflict(
                f"task {target.id} is in review: its agent has finished",
                hint="the person can reject it with feedback (cco tasks reject)",
            )
        with self.store.write() as tx:
            msg = tx.add_message(
                to_task_id=target.id,
                sender="user" if sender_task is None else f"task:{sender_task.id}",
                from_task_id=sender_task.id if sender_task else None,
                text=text,
            )
            tx.append_event(events.task_message(msg))
            if sender_task is not None:
                tx.append_event(events.task_message_sent(msg))
        log.info("mcp.send_message", caller=caller.label, to=target.id, chars=len(text))
        return msg

    def _check_message(self, text: str) -> str:
        text = inert_text(check_multiline(text, "the message"), "the message")
        size = len(text.encode("utf-8", "surrogatepass"))
        limit = self.config().max_message_bytes
        if size > limit:
            raise InvalidInput(
                f"the message is {size} bytes, more than mcp.max_message_bytes ({limit})",
                hint="put the details in a file in the repository and send its path",
            )
        if not text.strip():
            raise InvalidInput("the message is empty")
        return text

    def report_progress(self, caller: Caller, text: str) -> Task:
        task = self._own_task(caller, "report_progress")
        line = check_line(" ".join(text.split()), "the progress line")
        if not line:
            raise InvalidInput("the progress line is empty")
        line = line[:MAX_PROGRESS]
        with self.store.write() as tx:
            updated = tx.update_task(task.id, progress=line, progress_at=datetime.now(UTC))
            tx.append_event(events.task_progress(updated, line))
        return updated

    def request_review(self, caller: Caller, summary: str) -> Task:
        """Record the summary; the end of this turn takes the task to review at once (no
        message or wait holds it)."""
        task = self._own_task(caller, "request_review")
        summary = inert_text(check_multiline(summary, "the summary"), "the summary").strip()
        if not summary:
            raise InvalidInput("say in the summary what you did", hint="a few lines")
        summary = summary[:MAX_SUMMARY]
        with self.store.write() as tx:
            updated = tx.update_task(task.id, summary=summary, waiting_for=[], parked=False)
            tx.append_event(events.task_review_requested(updated, summary))
        return updated

    # ------------------------------------------------------------------ waiting
    def wait_for_task(
        self,
        caller: Caller,
        keys: Sequence[str],
        timeout_s: float,
        *,
        poll_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> WaitResult:
        """Block until every task named is in review or done (or failed, cancelled, blocked:
        they will not finish by themselves), or the timeout (at most mcp.max_wait_s). While an
        agent waits, its instance holds no slot of instances.max_running."""
        if not keys:
            raise InvalidInput("name the tasks to wait for", hint="task ids from create_task")
        wanted = [self._visible(caller, k).id for k in dict.fromkeys(keys)]
        own = None if caller.is_user else self._own_task(caller, "wait_for_task")
        if own is not None and own.id in wanted:
            raise InvalidInput("a task cannot wait for itself", hint="name other tasks")
        timeout = max(0.0, min(float(timeout_s), float(self.config().max_wait_s)))
        started = time.monotonic()
        if own is not None:
            self._park(own.id, wanted, parked=True)
        try:
            while True:
                with self.store.read() as tx:
                    statuses = tx.task_statuses(wanted)
                if all(statuses.get(k) in SETTLED for k in wanted):
                    timed_out = False
                    break
                if time.monotonic() - started >= timeout or not self._still_live(caller):
                    timed_out = True
                    break
                sleep(poll_s)
        finally:
            if own is not None:
                self._park(own.id, wanted, parked=False)
        with self.store.read() as tx:
            found = [tx.task(k) for k in wanted]
        return WaitResult(
            tasks=[t for t in found if t is not None],
            timed_out=timed_out,
            waited_s=round(time.monotonic() - started, 1),
        )

    def _still_live(self, caller: Caller) -> bool:
        if caller.is_user or caller.instance_id is None:
            return True
        with self.store.read() as tx:
            found = tx.instances(ids=[caller.instance_id])
        return bool(found) and found[0].status in imachine.LIVE

    def _park(self, task_id: str, wanted: list[str], *, parked: bool) -> None:
        """Parked while it waits; after, the tasks it saw finish are no longer waited for at
        the end of its turn (it knows how they ended)."""
        with self.store.write() as tx:
            current = tx.task(task_id)
            if current is None:
                return
            values: dict[str, Any] = {"parked": parked}
            if not parked:
                statuses = tx.task_statuses(wanted)
                told = {k for k in wanted if statuses.get(k) in SETTLED}
                values["waiting_for"] = [w for w in current.waiting_for if w not in told]
            updated = tx.update_task(task_id, **values)
            reason = "waiting for " + ", ".join(wanted) if parked else "done waiting"
            tx.append_event(events.task_waiting(updated, wanted if parked else [], reason))

    # ------------------------------------------------------------------ the person's
    def approve(self, caller: Caller, key: str) -> Task:
        self._user_only(caller, "approve")
        return self.tasks.approve(self._visible(caller, key).id)

    def reject(self, caller: Caller, key: str, feedback: str) -> Task:
        self._user_only(caller, "reject")
        return self.tasks.reject(self._visible(caller, key).id, feedback)

    def answer(
        self, caller: Caller, key: str, choice: str, *, message: str | None = None
    ) -> Instance:
        """Answer the question a task's (or an instance's) agent asks: allow, deny or one of
        the choices its dialog offers (cco reads the dialog before typing)."""
        self._user_only(caller, "answer")
        instance_id = key
        with self.store.read() as tx:
            task = tx.task(key)
        if task is not None:
            if not task.instance_id:
                raise Conflict(f"task {task.id} has no agent running", hint="nothing to answer")
            instance_id = task.instance_id
        if choice == "allow":
            ans = Answer(decision="allow", message=message, by="mcp")
        elif choice == "deny":
            ans = Answer(decision="deny", message=message, by="mcp")
        else:
            ans = Answer(decision="choice", choice=choice, message=message, by="mcp")
        return self.instances.answer(instance_id, ans)

    def fleet_status(self, caller: Caller) -> dict[str, Any]:
        self._user_only(caller, "fleet_status")
        return self.overview.snapshot(needs_limit=20)
