"""What an endpoint of the fake Jira is given (a Call) and answers with, and the route table
the endpoints (fake_jira_api.py) fill."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.support import jira_spec
from tests.support.fake_jira_objects import NOT_FOUND, Site, errors
from tests.support.fake_jira_state import Issue
from tests.support.receivers_http import Answer, Request

if TYPE_CHECKING:
    from tests.support.fake_jira import FakeJira

Handler = Callable[["Call"], Answer]
#: (METHOD, template) -> (handler, the query parameters it implements)
ROUTES: dict[tuple[str, str], tuple[Handler, frozenset[str]]] = {}
API = "/rest/api/3"


class Refused(Exception):
    """Jira says no: the status and its ErrorCollection."""

    def __init__(self, status: int, *messages: str, **by_field: str) -> None:
        super().__init__(messages[0] if messages else str(by_field))
        self.status = status
        self.body = errors(*messages, **by_field)


def answer_json(status: int, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, json.dumps(data).encode(), "application/json;charset=UTF-8", headers)


def route(method: str, template: str, query: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        def guarded(call: Call) -> Answer:
            try:
                return handler(call)
            except Refused as refused:
                return answer_json(refused.status, refused.body)

        ROUTES[(method, f"{API}{template}")] = (guarded, frozenset(query))
        return handler

    return register


@dataclass(frozen=True)
class Call:
    fake: FakeJira
    request: Request
    op: jira_spec.Operation
    site: Site
    body: Any

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.request.query.get(name)
        return values[0] if values else default

    def qs(self, name: str) -> list[str] | None:
        return self.request.query.get(name)

    def int_q(self, name: str, default: int) -> int:
        raw = self.q(name)
        try:
            return int(raw) if raw is not None else default
        except ValueError:
            message = f"The value '{raw}' of parameter '{name}' is not a number."
            raise Refused(400, message) from None

    def field(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default

    def issue(self) -> Issue:
        """The issue the path names (by key or id), or Jira's 404."""
        found = self.fake.state.by_id_or_key(self.op.path_params["issueIdOrKey"])
        if found is None:
            raise Refused(404, NOT_FOUND)
        return found
