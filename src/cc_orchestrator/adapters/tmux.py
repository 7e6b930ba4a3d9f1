"""tmux through its command line, on a private socket: implements ports.Multiplexer.

Every call goes through `adapters.process.run`, which logs it. Reads are batched: one
`list-panes -a` per monitor tick for every session, never a capture per instance per tick.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from cc_orchestrator.adapters.launch_env import wrapped_argv, write_env_file
from cc_orchestrator.adapters.process import Completed, first_line, run
from cc_orchestrator.domain.errors import ExternalError, InvalidInput, NotFound
from cc_orchestrator.domain.text import inert_text, is_plain_line
from cc_orchestrator.ports import PaneInfo

_SEP = "\x1f"  # unit separator: cannot appear in tmux format output we ask for
_PANE_FORMAT = _SEP.join(
    [
        "#{session_name}",
        "#{pane_pid}",
        "#{pane_dead}",
        "#{pane_dead_status}",
        "#{pane_dead_signal}",
        "#{window_activity}",
        "#{pane_current_command}",
        "#{pid}",
    ]
)
_NO_SERVER = ("no server running", "error connecting", "no such file or directory")


class TmuxCli:
    def __init__(self, socket: str, *, binary: str = "tmux", config_file: str | None = None):
        self.socket = socket
        self.binary = binary
        self.config_file = config_file

    def _base(self) -> list[str]:
        args = [self.binary, "-L", self.socket]
        if self.config_file is not None:
            args += ["-f", self.config_file]
        return args

    def _tmux(self, *args: str, check: bool = True, input_text: str | None = None) -> Completed:
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        return run([*self._base(), *args], env=env, check=check, input_text=input_text, timeout=30)

    # ---------------------------------------------------------------- sessions
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
    ) -> None:
        """Start argv in a detached session; keep the pane after exit; pipe output to raw_log.

        The pane's environment is exactly env (passed through a 0600 file, see launch_env).
        """
        raw_log.parent.mkdir(parents=True, exist_ok=True)
        env_file = write_env_file(raw_log.parent, env)  # never -e: no secret in any argv
        argv = wrapped_argv(env_file, argv)
        res = self._tmux(
            "start-server",
            ";",
            "set-option",
            "-g",
            "remain-on-exit",
            "on",
            ";",
            "set-option",
            "-g",
            "history-limit",
            "20000",
            ";",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(width),
            "-y",
            str(height),
            "-c",
            str(cwd),
            "--",
            *argv,
            ";",
            "pipe-pane",
            "-o",
            "-t",
            f"={name}:",
            f"exec cat >> {shlex.quote(str(raw_log))}",
            check=False,
        )
        if res.returncode != 0:
            env_file.unlink(missing_ok=True)
            raise ExternalError(f"tmux could not start session {name}: {first_line(res.stderr)}")

    def respawn(
        self, name: str, *, cwd: Path, argv: Sequence[str], env: Mapping[str, str], raw_log: Path
    ) -> None:
        """Run a new process in an existing session's pane (after the old one ended)."""
        env_file = write_env_file(raw_log.parent, env)  # never -e: no secret in any argv
        argv = wrapped_argv(env_file, argv)
        res = self._tmux(
            "respawn-pane",
            "-k",
            "-t",
            f"={name}:",
            "-c",
            str(cwd),
            "--",
            *argv,
            ";",
            "pipe-pane",
            "-t",
            f"={name}:",
            ";",
            "pipe-pane",
            "-o",
            "-t",
            f"={name}:",
            f"exec cat >> {shlex.quote(str(raw_log))}",
            check=False,
        )
        if res.returncode != 0:
            env_file.unlink(missing_ok=True)
            raise ExternalError(f"tmux could not restart session {name}: {first_line(res.stderr)}")

    def kill_session(self, name: str) -> None:
        res = self._tmux("kill-session", "-t", f"={name}", check=False)
        if res.returncode != 0 and not self._gone(res):
            raise ExternalError(f"tmux could not kill session {name}: {first_line(res.stderr)}")

    def has_session(self, name: str) -> bool:
        return self._tmux("has-session", "-t", f"={name}", check=False).returncode == 0

    def sessions(self) -> list[str]:
        res = self._tmux("list-sessions", "-F", "#{session_name}", check=False)
        if res.returncode != 0:
            if self._gone(res):
                return []
            raise ExternalError(f"tmux list-sessions failed: {first_line(res.stderr)}")
        return [line for line in res.stdout.splitlines() if line]

    def panes(self) -> dict[str, PaneInfo]:
        """One call for every pane on the socket: pid, dead flag, exit status, activity."""
        found, server_pid, uncollected = self._list_panes()
        if uncollected and server_pid:
            # tmux 3.3 sometimes leaves a dead pane's process uncollected (no exit status);
            # a SIGCHLD makes the server reap it and record the status.
            try:
                os.kill(server_pid, signal.SIGCHLD)
            except OSError:
                return found
            time.sleep(0.02)
            found, _, _ = self._list_panes()
        return found

    def _list_panes(self) -> tuple[dict[str, PaneInfo], int | None, bool]:
        res = self._tmux("list-panes", "-a", "-F", _PANE_FORMAT, check=False)
        if res.returncode != 0:
            if self._gone(res):
                return {}, None, False
            raise ExternalError(f"tmux list-panes failed: {first_line(res.stderr)}")
        found: dict[str, PaneInfo] = {}
        server_pid: int | None = None
        uncollected = False
        for line in res.stdout.splitlines():
            parts = line.split(_SEP)
            if len(parts) != 8:
                continue
            session, pid, dead, status, sig, activity, command, server = parts
            server_pid = int(server) if server.isdigit() else server_pid
            if dead == "1" and not status and not sig:
                uncollected = True
            if not status and sig.isdigit():
                status = str(128 + int(sig))  # as a shell reports a death by signal
            if session in found:  # one pane per session is ours; keep the first
                continue
            found[session] = PaneInfo(
                session=session,
                pid=int(pid) if pid.isdigit() else None,
                dead=dead == "1",
                exit_status=int(status) if status.lstrip("-").isdigit() else None,
                activity=int(activity) if activity.isdigit() else 0,
                command=command,
            )
        return found, server_pid, uncollected

    @staticmethod
    def _gone(res: Completed) -> bool:
        text = res.stderr.lower()
        return any(
            marker in text for marker in (*_NO_SERVER, "can't find session", "session not found")
        )

    # ---------------------------------------------------------------- input and screens
    def send_text(self, name: str, text: str, *, enter: bool = True) -> None:
        """Type text into the pane intact (many lines) through a bracketed paste.

        Control characters are refused (inert_text): ESC [201~ inside would end the paste
        early and type what follows as keys.
        """
        text = inert_text(text)
        buffer = f"cco-{name}"
        res = self._tmux("load-buffer", "-b", buffer, "-", input_text=text, check=False)
        if res.returncode != 0:
            raise self._input_error(name, res)
        res = self._tmux("paste-buffer", "-p", "-d", "-b", buffer, "-t", f"={name}:", check=False)
        if res.returncode != 0:
            raise self._input_error(name, res)
        if enter:
            self.send_keys(name, "Enter")

    def type_line(self, name: str, text: str) -> None:
        """Type one line key by key, exactly (a dialog's answer: "1", "y", "yes;")."""
        if not is_plain_line(text):
            inert_text(text)  # names the control character
            raise InvalidInput("only one line without tabs can be typed as keys")
        if text.endswith(";"):
            # tmux reads an argument ending in ';' as a command separator; '\;' is a ';'.
            text = text[:-1] + "\\;"
        self.send_keys(name, "-l", "--", text)

    def send_keys(self, name: str, *keys: str) -> None:
        res = self._tmux("send-keys", "-t", f"={name}:", *keys, check=False)
        if res.returncode != 0:
            raise self._input_error(name, res)

    def capture(self, name: str, *, lines: int = 50) -> str:
        res = self._tmux(
            "capture-pane", "-p", "-J", "-t", f"={name}:", "-S", f"-{lines}", check=False
        )
        if res.returncode != 0:
            raise self._input_error(name, res)
        return res.stdout

    def _input_error(self, name: str, res: Completed) -> Exception:
        if self._gone(res):
            return NotFound(f"tmux session {name} does not exist")
        return ExternalError(f"tmux failed on session {name}: {first_line(res.stderr)}")

    def attach_argv(self, name: str) -> list[str]:
        return [*self._base(), "attach-session", "-t", f"={name}"]
