"""Small protocols the services depend on; adapters and the database implement them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol, Unpack

from cc_orchestrator.domain.instance_status import Change
from cc_orchestrator.domain.models import (
    Event,
    Instance,
    InstanceStatus,
    Message,
    MessageStatus,
    NewEvent,
    Repository,
    Task,
    TaskStatus,
    Worktree,
    WorktreeStatus,
)
from cc_orchestrator.domain.observations import (
    AgentState,
    Denial,
    LogSource,
    Observed,
    ScreenLook,
)
from cc_orchestrator.domain.questions import Choice, Question
from cc_orchestrator.domain.updates import InstanceUpdate, TaskUpdate
from cc_orchestrator.ports_links import LinkRows as LinkRows  # re-exported
from cc_orchestrator.ports_outbox import OutboxRows as OutboxRows  # re-exported
from cc_orchestrator.ports_outbox import Sender as Sender
from cc_orchestrator.ports_stats import StatsRows


@dataclass(frozen=True)
class GitWorktree:
    """One entry of `git worktree list --porcelain`."""

    path: Path
    head: str | None
    branch: str | None  # short name, without refs/heads/
    prunable: bool
    locked: bool
    bare: bool = False


@dataclass(frozen=True)
class DiffSummary:
    commits_ahead: int
    files_changed: int
    insertions: int
    deletions: int
    stat: str


@dataclass(frozen=True)
class PaneInfo:
    """One tmux pane, as read by the monitor's single batched call."""

    session: str
    pid: int | None
    dead: bool
    exit_status: int | None
    activity: int
    command: str


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    output_tail: str
    timed_out: bool = False


class Vcs(Protocol):
    """Git, through its command line."""

    def repo_root(self, path: Path) -> Path: ...
    def resolve_commit(self, repo: Path, ref: str) -> str | None: ...
    def branch_exists(self, repo: Path, branch: str) -> bool: ...
    def check_branch_name(self, repo: Path, branch: str) -> None: ...
    def worktrees(self, repo: Path) -> list[GitWorktree]: ...
    def add_worktree(self, repo: Path, path: Path, *, branch: str, start: str | None) -> None: ...
    def remove_worktree(self, repo: Path, path: Path, *, force: bool) -> None: ...
    def prune_worktrees(self, repo: Path, *, dry_run: bool) -> list[str]: ...
    def delete_branch(self, repo: Path, branch: str, *, force: bool) -> None: ...
    def branches(self, repo: Path, prefix: str) -> list[str]: ...
    def is_dirty(self, worktree: Path) -> bool: ...
    def is_ancestor(self, repo: Path, ancestor: str, descendant: str) -> bool: ...
    def merge(self, worktree: Path, ref: str, *, message: str) -> None: ...
    def commit_all(self, worktree: Path, message: str) -> bool: ...
    def diff_summary(self, worktree: Path, base: str) -> DiffSummary: ...
    def integrate(self, repo: Path, branch: str, into: str, *, how: str, message: str) -> str: ...


class FileWatch(Protocol):
    """Tells which of a set of files grew (hook files, watched between the daemon's passes)."""

    def watch(self, sizes: Mapping[str, int]) -> None:
        """Watch exactly these files; each maps to the size already read."""
        ...

    def changed(self, timeout: float) -> set[str]:
        """Wait up to timeout for some watched files to grow; those that did."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class InstanceFiles:
    """Where one instance's files live under the data directory."""

    folder: Path

    # cached: the monitor asks for these paths of every live instance on every pass
    @cached_property
    def events(self) -> Path:
        """Hook payloads, one JSON line each, appended by the agent's hooks."""
        return self.folder / "events.jsonl"

    @cached_property
    def raw_log(self) -> Path:
        """Everything the pane printed (pipe-pane), size-capped."""
        return self.folder / "raw.log"

    @cached_property
    def stream(self) -> Path:
        """Headless mode's stream-json output: the structured log."""
        return self.folder / "stream.jsonl"

    @cached_property
    def stderr(self) -> Path:
        return self.folder / "stderr.log"

    @cached_property
    def status(self) -> Path:
        """The agent's live totals (Claude Code's status line input), newest copy."""
        return self.folder / "status.json"

    @cached_property
    def prompt(self) -> Path:
        """The prompt of the next run, read by the launch script (never through a shell)."""
        return self.folder / "prompt.txt"


@dataclass(frozen=True)
class LaunchSpec:
    """What an agent adapter needs to build the command line of one run."""

    instance_id: str
    cwd: Path
    repo_root: Path
    files: InstanceFiles
    mode: str  # interactive | headless
    prompt: str | None
    session_id: str
    resume: bool
    permission_mode: str
    model: str | None
    env: Mapping[str, str]
    max_turns: int | None = None
    mcp: McpAccess | None = None  # the fleet's MCP server, for agents that take one


@dataclass(frozen=True)
class McpAccess:
    """Where an agent reaches the fleet's MCP server and the credential that names it.

    The token is a secret: an adapter passes it in a private file or in the environment
    (which reaches the pane through a 0600 file), never on a command line."""

    url: str
    token: str
    name: str = "cco"
    token_env: str = "CCO_MCP_TOKEN"


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    type_prompt: str | None = None  # typed into the pane after start (agents without an arg)


ScreenWant = Literal["always", "on_change"]


class Agent(Protocol):
    """One kind of coding agent, with its whole dialect (see docs/agents.md).

    The adapter launches its agent, reads the files it writes from a cursor it owns
    (`Instance.agent_state`) and says what they mean as observations; the services apply
    those through the domain's status rules and never look inside an agent's own formats.
    """

    name: str

    # launching
    def check(self) -> None:
        """Raise ExternalError when the agent cannot run (not installed)."""
        ...

    def check_prompt(self, prompt: str) -> None:
        """Raise InvalidInput when this agent cannot take this prompt (say, it is typed)."""
        ...

    def launch(self, spec: LaunchSpec) -> Launch: ...
    def new_run(self, files: InstanceFiles, state: AgentState) -> dict[str, Any]:
        """The cursor for a new process of a known instance (a restart): what counts from zero
        in each process starts over."""
        ...

    def can_resume(self, files: InstanceFiles) -> bool:
        """Whether the agent's session ever started, so a restart resumes it."""
        ...

    def prompt_submitted(self, files: InstanceFiles) -> bool:
        """Whether the agent ever took a prompt (a restarted task agent is told to go on)."""
        ...

    def exit_command(self) -> str | None:
        """What to type to make an idle agent exit on its own (final totals), if anything."""
        ...

    # observing
    def watched(self, inst: Instance, files: InstanceFiles, state: AgentState) -> dict[str, int]:
        """The files whose growth means news (path -> bytes already read): the daemon waits on
        them between its passes, and their mtime is the agent's last sign of life. A file
        made after the session started is watched from the next full pass on."""
        ...

    def observe(
        self,
        inst: Instance,
        files: InstanceFiles,
        state: AgentState,
        *,
        deep: bool,
        memo: dict[str, Any],
    ) -> Observed:
        """What the agent wrote since the cursor, as observations, and the cursor after them.

        deep: also what is costlier to read (a transcript); without it only the watched
        files. memo: this process's memory for the instance (lost on restart; saves work)."""
        ...

    def screen_wanted(self, status: InstanceStatus) -> ScreenWant | None:
        """Whether to read the screen in this status: always, only when the pane printed
        something since the last read, or never."""
        ...

    def read_screen(self, screen: str, quiet_for_s: float) -> ScreenLook: ...
    def observed_status(self, pid: int) -> Change | None:
        """What the agent's own state says while it waits (what fires no event), if anything."""
        ...

    # answering permission questions
    def unseen_question(self, instance_id: str, now: datetime) -> Question:
        """The question recorded when the agent waits and no channel told what it asks."""
        ...

    def reads_choices_on_screen(self) -> bool:
        """Whether `read_choices` can read this agent's dialogs (else they are never read)."""
        ...

    def read_choices(
        self, screen: str, question: Question
    ) -> tuple[tuple[Choice, ...], str | None]: ...
    def answer_by_hook(
        self, files: InstanceFiles, question: Question, allow: bool, message: str | None
    ) -> None:
        """Hand allow/deny to the agent's waiting hook; Conflict when it takes none."""
        ...

    def choice_keys(self, choice: Choice) -> list[str]:
        """The tmux keys that pick this choice in the agent's dialog."""
        ...

    # reading
    def log_source(self, inst: Instance, files: InstanceFiles) -> LogSource:
        """The file that is the instance's structured log right now."""
        ...

    def render_log_line(self, line: str) -> str | None:
        """One line of that log as a person reads it (None to skip it)."""
        ...

    def last_turn_refusals(self, files: InstanceFiles) -> list[Denial]:
        """The tool calls the agent refused without asking in its last headless turn."""
        ...

    def refusal_advice(self) -> tuple[str, str]:
        """Who refused (the agent's name for people) and how a user allows it next time."""
        ...


class Multiplexer(Protocol):
    """tmux: sessions that outlive the orchestrator."""

    def new_session(
        self,
        name: str,
        *,
        cwd: Path,
        argv: Sequence[str],
        env: Mapping[str, str],
        raw_log: Path,
        width: int = 200,
        height: int = 50,
    ) -> None: ...
    def respawn(
        self, name: str, *, cwd: Path, argv: Sequence[str], env: Mapping[str, str], raw_log: Path
    ) -> None: ...
    def kill_session(self, name: str) -> None: ...
    def has_session(self, name: str) -> bool: ...
    def sessions(self) -> list[str]: ...
    def panes(self) -> dict[str, PaneInfo]: ...
    def send_text(self, name: str, text: str, *, enter: bool = True) -> None: ...
    def type_line(self, name: str, text: str) -> None: ...
    def send_keys(self, name: str, *keys: str) -> None: ...
    def capture(self, name: str, *, lines: int = 50) -> str: ...
    def attach_argv(self, name: str) -> list[str]: ...


class Locks(Protocol):
    """Named inter-process locks."""

    def hold(self, name: str) -> AbstractContextManager[None]: ...
    def is_held(self, name: str) -> bool: ...


class CommandRunner(Protocol):
    """Runs a user's own shell command (a setup script), logging its output to a file."""

    def run_shell(
        self,
        command: str,
        *,
        cwd: Path,
        log_file: Path,
        timeout_s: float,
        pid_file: Path | None = None,
    ) -> CommandResult: ...
    def stop_orphan(self, pid_file: Path, cwd: Path) -> int | None: ...


# The state database, one narrow protocol per entity: a function declares the one it needs
# (`def f(tx: TaskRows)`), a transaction (`Tx`) is all of them. Updates are typed
# (domain/updates.py): a misspelled field or a wrong value is a mypy error.


class RepoRows(Protocol):
    def repo_by_path(self, path: Path) -> Repository | None: ...
    def ensure_repo(self, path: Path) -> Repository: ...
    def repos(self) -> list[Repository]: ...


class WorktreeRows(Protocol):
    def add_worktree(self, worktree: Worktree) -> None: ...
    def worktree(self, key: str) -> Worktree | None: ...
    def worktrees(
        self,
        *,
        repo_id: int | None = None,
        statuses: tuple[WorktreeStatus, ...] = (WorktreeStatus.ACTIVE,),
        ids: Collection[str] | None = None,
    ) -> list[Worktree]: ...
    def set_worktree_status(self, worktree_id: str, status: WorktreeStatus) -> None: ...
    def mark_worktree_removed(self, worktree_id: str, when: datetime) -> None: ...


class InstanceRows(Protocol):
    def add_instance(self, instance: Instance) -> None: ...
    def instance(self, key: str) -> Instance | None: ...
    def instances(
        self,
        *,
        statuses: Collection[InstanceStatus] | None = None,
        task_id: str | None = None,
        ids: Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Instance]: ...
    def update_instance(self, instance_id: str, **fields: Unpack[InstanceUpdate]) -> Instance: ...
    def set_instance(self, instance_id: str, **fields: Unpack[InstanceUpdate]) -> None: ...
    def count_instances(self, statuses: Collection[InstanceStatus]) -> int: ...


class TaskRows(Protocol):
    """Tasks and their dependencies."""

    def add_task(self, task: Task) -> Task: ...
    def task(self, key: str) -> Task | None: ...
    def tasks(
        self,
        *,
        statuses: Collection[TaskStatus] | None = None,
        repo_id: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
    ) -> list[Task]: ...
    def update_task(self, task_id: str, **values: Unpack[TaskUpdate]) -> Task: ...
    def set_dependencies(self, task_id: str, depends_on: Collection[str]) -> None: ...
    def dependency_edges(self) -> dict[str, list[str]]: ...
    def dependents(self, task_id: str) -> list[str]: ...
    def task_statuses(self, ids: Collection[str]) -> dict[str, TaskStatus]: ...
    def dependency_statuses(
        self, statuses: Collection[TaskStatus]
    ) -> dict[str, tuple[TaskStatus, dict[str, TaskStatus]]]: ...


class MessageRows(Protocol):
    """Messages between tasks' agents, and the tree of tasks agents made."""

    def add_message(
        self,
        *,
        to_task_id: str,
        sender: str,
        text: str,
        from_task_id: str | None = None,
        kind: str = "message",
    ) -> Message: ...
    def messages(self, task_id: str, *, limit: int = 200) -> list[Message]: ...
    def pending_messages(self, task_id: str) -> list[Message]: ...
    def tasks_with_pending_messages(self, task_ids: Collection[str]) -> set[str]: ...
    def settle_messages(self, ids: Collection[int], status: MessageStatus) -> int: ...
    def count_children(self, parent_id: str) -> int: ...
    def children(self, parent_id: str) -> list[str]: ...
    def count_parked(self) -> int: ...
    def count_messages_of_finished(self) -> int: ...
    def drop_messages_of_finished(self) -> int: ...


class EventAppend(Protocol):
    def append_event(self, event: NewEvent) -> Event: ...


class EventLog(EventAppend, Protocol):
    def events(
        self,
        *,
        after_id: int = 0,
        limit: int = 100,
        entity_id: str | None = None,
        entity_types: Collection[str] | None = None,
    ) -> list[Event]: ...
    def last_event_id(self) -> int: ...


class FleetCounts(Protocol):
    def count_by_status(self, kind: str) -> dict[str, int]: ...
    def total_cost(self) -> float: ...


class Tx(
    StatsRows,
    RepoRows,
    WorktreeRows,
    InstanceRows,
    TaskRows,
    EventLog,
    FleetCounts,
    OutboxRows,
    LinkRows,
    MessageRows,
    Protocol,
):
    """One transaction on the state database."""


class HookTx(EventAppend, Protocol):
    """The few statements of applying hook events, in one write transaction."""

    def live_instances(
        self, ids: Collection[str], statuses: Collection[InstanceStatus]
    ) -> list[Instance]: ...
    def set_instance(self, instance_id: str, **fields: Unpack[InstanceUpdate]) -> None: ...


class Store(Protocol):
    """The state database: write() takes the write lock up front; read() never blocks."""

    def write(self) -> AbstractContextManager[Tx]: ...
    def read(self) -> AbstractContextManager[Tx]: ...
    def hook_write(self) -> AbstractContextManager[HookTx]: ...
    def on_events(self, listener: Callable[[], None]) -> Callable[[], None]: ...
