"""The payloads of the events about a task's outside side: the tracker issue it came from and
the pull request its work became (see domain/events.py; registered in event_kinds.py)."""

from typing import Literal, NotRequired

from cc_orchestrator.domain.event_payloads import TaskData


class TaskLinked(TaskData):
    """A task was made from a tracker's issue (or linked to one)."""

    tracker: str
    project: str
    key: str
    url: str


class TaskPrRequested(TaskData):
    """The task's work is to land as a pull request: its branch is pushed and a PR opened
    (through the outbox, so this survives GitHub being down and cco being killed)."""

    repo: str
    head: str
    base: str


class TaskPrOpened(TaskData):
    """The task's pull request is open (or was found open already)."""

    repo: str
    number: int
    url: str
    head: str
    base: str


class TaskPrPushed(TaskData):
    """New commits of the task's branch were pushed to its pull request."""

    number: int
    sha: str


class TaskPrUpdated(TaskData):
    """The pull request's base was merged into the task's branch (on request): to be pushed."""

    number: int
    base: str
    sha: str


class TaskPrChecks(TaskData):
    """The checks of the pull request's head commit changed state."""

    number: int
    checks: Literal["pending", "success", "failure"]
    failing: list[str]


class TaskPrFeedback(TaskData):
    """Failing CI or a review asking for changes was sent back to the task's agent."""

    number: int
    source: Literal["ci", "review"]
    round: int
    rounds: int
    detail: NotRequired[str]


class TaskPrClosed(TaskData):
    """The pull request was merged (the task is done) or closed unmerged (cancelled)."""

    number: int
    merged: bool
