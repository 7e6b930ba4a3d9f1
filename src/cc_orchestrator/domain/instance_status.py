"""The one status machine of an instance, shared by every path (hooks, liveness, commands).

starting -> idle / working / waiting_input -> exited / failed / stopped

What the agent's own files tell (read by its adapter, see domain.observations) drives the live
states; process liveness covers what they cannot (SIGKILL, a crash); commands (stop, restart)
drive the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from cc_orchestrator.domain.models import InstanceStatus as S

LIVE = frozenset({S.STARTING, S.IDLE, S.WORKING, S.WAITING_INPUT})
TERMINAL = frozenset({S.EXITED, S.FAILED, S.STOPPED})

_ALLOWED: dict[S, frozenset[S]] = {
    S.STARTING: frozenset({S.IDLE, S.WORKING, S.WAITING_INPUT, *TERMINAL}),
    S.IDLE: frozenset({S.WORKING, S.WAITING_INPUT, *TERMINAL}),
    S.WORKING: frozenset({S.IDLE, S.WAITING_INPUT, *TERMINAL}),
    S.WAITING_INPUT: frozenset({S.IDLE, S.WORKING, *TERMINAL}),
    # A restart brings a finished instance back to starting; stopping closes its session.
    S.EXITED: frozenset({S.STARTING, S.STOPPED}),
    S.FAILED: frozenset({S.STARTING, S.STOPPED}),
    S.STOPPED: frozenset({S.STARTING}),
}


def can_move(current: S, new: S) -> bool:
    return new == current or new in _ALLOWED[current]


@dataclass(frozen=True)
class Change:
    """A status change with its reason; `None` status means the event changes no status."""

    status: S | None
    reason: str


def from_exit(current: S, exit_status: int | None, *, stopping: bool = False) -> Change:
    """The agent's process is gone: what that means, given how it ended."""
    if stopping:
        return Change(S.STOPPED, "stopped by the user")
    if current in TERMINAL:
        return Change(None, "already ended")
    if exit_status in (0, None) and current in (S.IDLE, S.EXITED):
        return Change(S.EXITED, "the agent exited")
    if exit_status == 0:
        return Change(S.EXITED, f"the agent exited while {current.value}")
    return Change(S.FAILED, f"the agent's process ended with status {exit_status}")
