"""The one place where adapters and the database are chosen and wired into services."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

from cc_orchestrator import __version__, agent_tokens
from cc_orchestrator.adapters.agents import make_agent
from cc_orchestrator.adapters.git import GitCli
from cc_orchestrator.adapters.github import make_github
from cc_orchestrator.adapters.github.tracker import GitHubTracker
from cc_orchestrator.adapters.jira import make_jira
from cc_orchestrator.adapters.jira.tracker import JiraTracker
from cc_orchestrator.adapters.locks import FileLocks
from cc_orchestrator.adapters.notify import make_sender
from cc_orchestrator.adapters.process import ShellRunner, replace_process
from cc_orchestrator.adapters.process import run as run_program
from cc_orchestrator.adapters.tmux import TmuxCli
from cc_orchestrator.adapters.watch import make_file_watch
from cc_orchestrator.config import (
    ChannelConfig,
    GithubConfig,
    JiraConfig,
    LoadedConfig,
    WorktreesConfig,
    load_config,
)
from cc_orchestrator.db.backup import PostgresDumps, SqliteDumps
from cc_orchestrator.db.integrity import KNOWN_FILE, quick_check
from cc_orchestrator.db.scheduler_lock import Holder, SchedulerLock
from cc_orchestrator.db.store import SqlStore
from cc_orchestrator.domain.errors import CcoError
from cc_orchestrator.logs import get_logger, register_secrets, setup_logging
from cc_orchestrator.ports import Agent, McpAccess, Sender
from cc_orchestrator.ports_github import GitHubApi
from cc_orchestrator.ports_jira import JiraApi
from cc_orchestrator.ports_trackers import IssueTracker
from cc_orchestrator.private import private_dir, private_file
from cc_orchestrator.services.backup_loop import BackupLoop
from cc_orchestrator.services.backups import BackupService
from cc_orchestrator.services.coordination import Coordination
from cc_orchestrator.services.coordination_delivery import Holds
from cc_orchestrator.services.daemon import DAEMON_LOCK
from cc_orchestrator.services.github_connection import GitHubConnection
from cc_orchestrator.services.github_loop import GitHubLoop
from cc_orchestrator.services.github_outbox import GitHubSubscriber
from cc_orchestrator.services.github_prs import GitHubPulls
from cc_orchestrator.services.github_repos import GitHubRepos
from cc_orchestrator.services.github_work import GitHubWork
from cc_orchestrator.services.instance_monitor import InstanceMonitor
from cc_orchestrator.services.instances import InstanceService
from cc_orchestrator.services.jira_connection import JiraConnection
from cc_orchestrator.services.notifications import Notifications, NotificationService
from cc_orchestrator.services.outbox import Outbox, OutboxWorker, Retries
from cc_orchestrator.services.overview import OverviewService
from cc_orchestrator.services.stats import StatsService
from cc_orchestrator.services.task_links import TaskLinkService
from cc_orchestrator.services.tasks import TaskService
from cc_orchestrator.services.tracker_loop import TrackerPoll
from cc_orchestrator.services.tracker_outbox import TrackerSubscriber
from cc_orchestrator.services.tracker_status import TrackerStatus
from cc_orchestrator.services.tracker_sync import TrackerSync
from cc_orchestrator.services.webhooks import WebhookService
from cc_orchestrator.services.worktrees import WorktreeService
from cc_orchestrator.web_token import effective_token


class App:
    """Services built from one effective configuration; the database opens on first use."""

    def __init__(self, config: LoadedConfig, overrides: Mapping[str, Any] | None = None) -> None:
        self.config = config
        self.overrides = dict(overrides or {})
        self._scheduler_lock: SchedulerLock | None = None
        # where the web app (and its /mcp) listens: `cco up` says (its --host/--port, or None
        # with --no-web); anywhere else, the settings
        web = config.settings.web
        self.web_address: tuple[str, int] | None = (web.host, web.port)

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "cco.log"

    @cached_property
    def store(self) -> SqlStore:
        db = self.config.settings.database
        return SqlStore.open(
            self.config.database_url,
            busy_timeout_ms=db.busy_timeout_ms,
            known=self.data_dir / KNOWN_FILE,
        )

    def claim_scheduler(self) -> None:
        """What `cco up` does before it schedules anything: check the database is whole
        (PRAGMA quick_check on SQLite) and take its one-scheduler lock (Conflict naming the
        holder if another `cco up`, from whatever data directory, has it). Released by close()."""
        quick_check(self.store.engine, self.store.known)
        if self._scheduler_lock is None:
            self._scheduler_lock = SchedulerLock(self.store.engine, Holder.me(self.data_dir))
        self._scheduler_lock.acquire()

    @cached_property
    def git(self) -> GitCli:
        return GitCli()

    def repo_settings(self, root: Path) -> WorktreesConfig:
        """Worktree settings as seen from a repository (its project file applies)."""
        return load_config(project_root=root, overrides=self.overrides).settings.worktrees

    def repo_agent(self, root: Path) -> str:
        """The agent a repository works with when none is named (its project file applies)."""
        return load_config(project_root=root, overrides=self.overrides).settings.instances.agent

    def repo_github(self, root: Path) -> GithubConfig:
        """GitHub settings as seen from a repository (its project file applies; the
        connection keys are the user's own: config_trust)."""
        return load_config(project_root=root, overrides=self.overrides).settings.github

    @cached_property
    def github_api(self) -> GitHubApi:
        """The one GitHub connection (lazy: nothing is read or sent until it is used)."""
        return make_github(self.config.settings.github)

    @cached_property
    def github_connection(self) -> GitHubConnection:
        return GitHubConnection(
            self.store,
            lambda: self.github_api,
            self.config.settings.github,
            self.git,
            repo_settings=self.repo_github,
        )

    def repo_jira(self, root: Path) -> JiraConfig:
        """Jira settings as seen from a repository (its project file applies; the connection
        keys are the user's own: config_trust)."""
        return load_config(project_root=root, overrides=self.overrides).settings.jira

    @cached_property
    def jira_api(self) -> JiraApi:
        """The one Jira connection (lazy: nothing is read or sent until it is used);
        InvalidInput, not cached, while jira.site_url is not set."""
        return make_jira(self.config.settings.jira)

    @cached_property
    def jira_connection(self) -> JiraConnection:
        return JiraConnection(
            self.store,
            lambda: self.jira_api,
            self.config.settings.jira,
            repo_settings=self.repo_jira,
        )

    @cached_property
    def worktrees(self) -> WorktreeService:
        return WorktreeService(
            store=self.store,
            vcs=self.git,
            locks=self.locks,
            runner=ShellRunner(),
            settings_for=self.repo_settings,
            data_dir=self.data_dir,
        )

    @cached_property
    def tmux(self) -> TmuxCli:
        return TmuxCli(self.config.settings.tmux.socket)

    def agent(self, name: str) -> Agent:
        settings = self.config.settings
        return make_agent(name, settings.instances, settings.agents)

    @cached_property
    def instances(self) -> InstanceService:
        """The lifecycle; its monitor is made with it, so its commands can ask for a look."""
        return self.monitor.lifecycle

    @cached_property
    def monitor(self) -> InstanceMonitor:
        settings = self.config.settings
        lifecycle = InstanceService(
            store=self.store,
            mux=self.tmux,
            locks=self.locks,
            worktrees=self.worktrees,
            agents=self.agent,
            config=settings.instances,
            tmux=settings.tmux,
            data_dir=self.data_dir,
            default_agent=self.repo_agent,
        )
        lifecycle.mcp_access = self.mcp_access
        return InstanceMonitor(lifecycle, watch_factory=make_file_watch)

    @cached_property
    def web_token(self) -> str:
        """web.token, or the data directory's generated one (web_token.py)."""
        web = self.config.settings.web
        return effective_token(web.token.get_secret_value() if web.token else None, self.data_dir)

    def mcp_access(self, instance_id: str) -> McpAccess | None:
        """Where the agent of this instance reaches the fleet's MCP server, with a credential
        naming it (agent_tokens.py); None when mcp.enabled is off."""
        settings = self.config.settings
        if not settings.mcp.enabled:
            return None
        url = settings.mcp.url
        if url is None:
            if self.web_address is None:
                return None  # `cco up --no-web`: no server to give
            host, port = self.web_address
            host = host.strip("[]")
            host = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
            host = f"[{host}]" if ":" in host else host
            url = f"http://{host}:{port}/mcp"
        token = agent_tokens.mint(self.web_token, instance_id)
        register_secrets([token])
        return McpAccess(url=url, token=token)

    @cached_property
    def tasks(self) -> TaskService:
        settings = self.config.settings
        tasks = TaskService(
            store=self.store,
            instances=self.instances,
            worktrees=self.worktrees,
            vcs=self.git,
            config=settings.tasks,
            instances_config=settings.instances,
            channels=[c.name for c in settings.notifications.channels],
        )
        tasks.landing = GitHubPulls(self.store, tasks, self.github_repos)
        tasks.holds = Holds(store=self.store, instances=self.instances)
        return tasks

    @cached_property
    def coordination(self) -> Coordination:
        """What the fleet's MCP server lets agents and the person do (services/coordination)."""
        return Coordination(
            store=self.store,
            tasks=self.tasks,
            instances=self.instances,
            overview=self.overview,
            config=lambda: self.config.settings.mcp,
        )

    # ------------------------------------------------------------------ GitHub
    @cached_property
    def github_repos(self) -> GitHubRepos:
        return GitHubRepos(
            settings_for=self.repo_github,
            remote=self.git,
            api=lambda: self.github_api,
            defaults=self.config.settings.github,
        )

    @cached_property
    def github_pulls(self) -> GitHubPulls:
        landing = self.tasks.landing
        assert isinstance(landing, GitHubPulls)
        return landing

    @cached_property
    def trackers(self) -> dict[str, IssueTracker]:
        """The issue trackers tasks come from, by name (the issue links' tracker)."""
        repos = self.github_repos
        github = GitHubTracker(settings=repos.settings, ref=repos.ref, api=repos.api)
        jira = JiraTracker(settings=self._jira_settings, api=lambda: self.jira_api)
        return {github.name: github, jira.name: jira}

    def _jira_settings(self, root: Path | None) -> JiraConfig:
        if root is None:
            return self.config.settings.jira
        try:
            return self.repo_jira(root)
        except CcoError:
            return self.config.settings.jira  # a project file gone bad: its own commands say why

    @cached_property
    def tracker_sync(self) -> TrackerSync:
        return TrackerSync(self.store, self.tasks, self.trackers)

    @cached_property
    def tracker_status(self) -> TrackerStatus:
        return TrackerStatus(self.store, self.trackers, self.config.settings.web.public_url)

    @cached_property
    def task_links(self) -> TaskLinkService:
        """A task's issue and pull request as the CLI and the API show them."""
        return TaskLinkService(
            self.store, settings_for=self.repo_github, defaults=self.config.settings.github
        )

    def github_loop(self) -> GitHubLoop:
        """The daemon's tracker thread (GitHub's sync and PR watch, Jira's sync), woken by a
        webhook this process stores (one stored by another process is seen within 5 s: the loop
        looks at the inbox that often)."""
        loop = GitHubLoop(
            self.store,
            self.tracker_sync,
            self.github_pulls,
            poll_s=lambda: self.config.settings.github.poll_s,
            polls=[
                TrackerPoll(
                    self.store,
                    self.tracker_sync,
                    "jira",
                    poll_s=lambda: self.config.settings.jira.poll_s,
                )
            ],
        )
        self.webhooks.on_queued(loop.wake.set)
        return loop

    @cached_property
    def overview(self) -> OverviewService:
        return OverviewService(store=self.store, instances=self.instances, locks=self.locks)

    def sender(self, channel: ChannelConfig) -> Sender:
        return make_sender(channel, timeout_s=self.config.settings.notifications.timeout_s)

    @cached_property
    def outbox(self) -> Outbox:
        settings = self.config.settings
        n = settings.notifications
        retries = Retries(
            initial_s=n.retry_initial_s,
            max_s=n.retry_max_s,
            give_up_after_s=n.give_up_after_s,
            timeout_s=n.timeout_s,
        )
        subscriber = Notifications(n, public_url=settings.web.public_url, make_sender=self.sender)
        github = GitHubSubscriber(
            GitHubWork(self.store, self.github_repos, settings.web.public_url),
            self.github_repos,
            self.tracker_status,
        )
        trackers = TrackerSubscriber(
            self.tracker_status, [name for name in self.trackers if name != "github"]
        )
        return Outbox(self.store, [subscriber, github, trackers], retries)

    @cached_property
    def notifications(self) -> NotificationService:
        subscriber = self.outbox.subscribers["notifications"]
        assert isinstance(subscriber, Notifications)
        return NotificationService(self.store, self.outbox, subscriber)

    @cached_property
    def webhooks(self) -> WebhookService:
        """Webhook deliveries in (POST /api/webhooks/github and /jira), stored for the daemon."""
        return WebhookService(self.store)

    def outbox_worker(self) -> OutboxWorker:
        """The daemon's outbox thread, woken by every commit in this process."""
        worker = OutboxWorker(self.outbox)
        self.store.on_events(worker.wake.set)
        return worker

    @cached_property
    def backups(self) -> BackupService:
        """`cco backup` / `cco restore`: never opens the database before a restore is done."""
        url = self.config.database_url
        known = self.data_dir / KNOWN_FILE
        postgres = url.lower().startswith("postgresql")
        dumps = PostgresDumps(url, known, run_program) if postgres else SqliteDumps(url, known)
        cfg = self.config.settings.backup
        return BackupService(
            dumps=dumps,
            data_dir=self.data_dir,
            backup_dir=(cfg.dir.expanduser() if cfg.dir else self.data_dir / "backups"),
            user_config=self.config.user_file,
            store=lambda: self.store,
            daemon_running=lambda: self.locks.is_held(DAEMON_LOCK),
            keep=cfg.keep,
            version=__version__,
        )

    @cached_property
    def stats(self) -> StatsService:
        return StatsService(self.store, default_agent=self.config.settings.instances.agent)

    def backup_loop(self) -> BackupLoop:
        """The daemon's scheduled backups (a thread of its own; backup.every_h 0: none)."""
        cfg = self.config.settings.backup
        return BackupLoop(self.backups, every_h=cfg.every_h, first_after_min=cfg.first_after_min)

    @cached_property
    def locks(self) -> FileLocks:
        return FileLocks(self.data_dir / "locks")

    def replace_process(self, argv: list[str]) -> NoReturn:
        """Close what this app holds, then become `argv` (the CLI never runs programs itself)."""
        self.close()
        replace_process(argv)

    def close(self) -> None:
        if self._scheduler_lock is not None:
            self._scheduler_lock.release()
        if "monitor" in self.__dict__:
            self.monitor.close()
        if "outbox" in self.__dict__:
            self.outbox.close()
        if "github_api" in self.__dict__:
            self.github_api.close()
        if "jira_api" in self.__dict__:
            self.jira_api.close()
        if "store" in self.__dict__:
            self.store.close()


def build_app(
    *,
    overrides: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    verbosity: int = 0,
    log_to_file: bool = True,
) -> App:
    config = load_config(cwd=cwd, overrides=overrides)
    app = App(config, overrides)
    # owner-only, tightened if an older cco (or the user) left it 0755; without the log file
    # (tests, `cco config`) an absent data directory is not created here
    inside = [app.log_file.parent, app.data_dir / "locks", app.data_dir / "instances"]
    folders = [app.data_dir, *inside] if log_to_file else [app.data_dir]
    tightened = [p for p in folders if (log_to_file or p.is_dir()) and private_dir(p)]
    logging_cfg = config.settings.logging
    setup_logging(
        verbosity=verbosity,
        log_file=app.log_file if log_to_file else None,
        file_level=logging_cfg.level,
        max_bytes=logging_cfg.file_max_bytes,
        backups=logging_cfg.file_backups,
    )
    if log_to_file:
        private_file(app.log_file)
    for path in tightened:
        get_logger("cco").warning(
            "data_dir.tightened", path=str(path), mode="0700", why="it was readable by others"
        )
    return app
