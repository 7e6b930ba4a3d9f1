"""What an endpoint of the fake GitHub is given (a Call) and answers with; the route table the
endpoint modules (fake_github_api.py, fake_github_api_pulls.py) fill; Link pagination."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.support import github_spec
from tests.support.fake_github_objects import JSON, Site, error
from tests.support.receivers_http import Answer, Request

if TYPE_CHECKING:
    from tests.support.fake_github import FakeGitHub

Handler = Callable[["Call"], Answer]
#: (METHOD, template) -> (handler, the query parameters it implements)
ROUTES: dict[tuple[str, str], tuple[Handler, frozenset[str]]] = {}
R = "/repos/{owner}/{repo}"


class Refused(Exception):
    """GitHub says no: the status and its JSON body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = error(message, status=str(status), **extra)


def invalid(resource: str, field: str, code: str = "invalid", message: str = "") -> Refused:
    """GitHub's 422 "Validation Failed" with one error."""
    item: JSON = {"resource": resource, "field": field, "code": code}
    if message:
        item["message"] = message
    return Refused(422, "Validation Failed", errors=[item])


def answer_json(status: int, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, json.dumps(data).encode(), "application/json; charset=utf-8", headers)


def route(method: str, template: str, query: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        def guarded(call: Call) -> Answer:
            try:
                return handler(call)
            except Refused as refused:
                return answer_json(refused.status, refused.body)

        ROUTES[(method, template)] = (guarded, frozenset(query))
        return handler

    return register


@dataclass(frozen=True)
class Call:
    fake: FakeGitHub
    request: Request
    op: github_spec.Operation
    site: Site
    body: Any

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.request.query.get(name)
        return values[0] if values else default

    def n(self, name: str) -> int:
        value = self.op.path_params[name]
        if not value.isdigit():
            raise Refused(404, "Not Found")
        return int(value)

    def field(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default

    def page(self, items: list[Any], wrap: Callable[[list[Any]], Any] | None = None) -> Answer:
        """One page of items (``per_page``, ``page``) and GitHub's Link header."""
        per_page = _int(self.q("per_page"), 30, 1, 100)
        page = _int(self.q("page"), 1, 1, 10**6)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(number: int, rel: str) -> None:
            query = {k: v[0] for k, v in self.request.query.items()}
            query.update(page=str(number), per_page=str(per_page))
            url = f"{self.site.api}{github_spec.strip_prefix(self.request.path)}"
            links.append(f'<{url}?{urlencode(query)}>; rel="{rel}"')

        if page > 1:
            link(min(page - 1, last), "prev")
        if page < last:
            link(page + 1, "next")
            link(last, "last")
        if page > 1:
            link(1, "first")
        headers = (("Link", ", ".join(links)),) if links else ()
        return answer_json(200, wrap(chunk) if wrap else chunk, headers)


def _int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return min(max(value, low), high)
