"""Task rules: the status machine and the dependency graph. Pure functions only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cc_orchestrator.domain.models import TaskStatus as T

# Finished work that dependents can build on (review: its branch holds the work).
FINISHED = frozenset({T.REVIEW, T.DONE})
# A dependency in one of these will never finish by itself: dependents are blocked.
DEAD = frozenset({T.FAILED, T.CANCELLED, T.BLOCKED})
ACTIVE = frozenset({T.RUNNING, T.NEEDS_INPUT})
OPEN = frozenset({T.PENDING, T.READY})

_ALLOWED: dict[T, frozenset[T]] = {
    # waiting tasks fail only when the scheduler cannot handle them (services/isolation.py)
    T.PENDING: frozenset({T.READY, T.BLOCKED, T.CANCELLED, T.RUNNING, T.FAILED}),
    T.READY: frozenset({T.PENDING, T.RUNNING, T.BLOCKED, T.CANCELLED, T.FAILED}),
    T.RUNNING: frozenset({T.NEEDS_INPUT, T.REVIEW, T.FAILED, T.CANCELLED}),
    T.NEEDS_INPUT: frozenset({T.RUNNING, T.REVIEW, T.FAILED, T.CANCELLED}),
    T.REVIEW: frozenset({T.DONE, T.RUNNING, T.CANCELLED, T.FAILED}),
    T.DONE: frozenset(),
    T.FAILED: frozenset({T.PENDING, T.READY, T.CANCELLED}),
    T.CANCELLED: frozenset({T.PENDING, T.READY}),
    T.BLOCKED: frozenset({T.PENDING, T.READY, T.CANCELLED, T.FAILED}),
}


def can_move(current: T, new: T) -> bool:
    return new == current or new in _ALLOWED[current]


def readiness(dep_statuses: Mapping[str, T]) -> tuple[T, str]:
    """Whether a waiting task is ready, still pending, or blocked, given its dependencies."""
    dead = sorted(d for d, s in dep_statuses.items() if s in DEAD)
    if dead:
        first = dead[0]
        return T.BLOCKED, f"dependency {first} is {dep_statuses[first].value}"
    waiting = sorted(d for d, s in dep_statuses.items() if s not in FINISHED)
    if waiting:
        return T.PENDING, "waiting for " + ", ".join(waiting)
    return T.READY, "all dependencies finished" if dep_statuses else "no dependencies"


def find_cycle(edges: Mapping[str, Iterable[str]], task: str, new_deps: Iterable[str]) -> list[str]:
    """The cycle `task -> dep -> ... -> task` that adding new_deps would close, or []."""
    graph = {k: list(v) for k, v in edges.items()}
    graph[task] = sorted(set(graph.get(task, [])) | set(new_deps))
    # depth-first search from task, looking for a path back to it
    stack: list[tuple[str, list[str]]] = [(d, [task, d]) for d in graph[task]]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == task:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in graph.get(node, []):
            stack.append((nxt, [*path, nxt]))
    return []


def order_for_start(candidates: Iterable[tuple[str, int, float]]) -> list[str]:
    """Ready tasks by priority (high first), then age (old first), then id."""
    return [c[0] for c in sorted(candidates, key=lambda c: (-c[1], c[2], c[0]))]
