"""The FastAPI application: thin routes over the same services the CLI uses."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cc_orchestrator import __version__
from cc_orchestrator.bootstrap import App
from cc_orchestrator.config import public_dump
from cc_orchestrator.domain.errors import CcoError, NotFound
from cc_orchestrator.domain.models import (
    Event,
    Instance,
    Repository,
    Task,
    TaskStatus,
    Worktree,
)
from cc_orchestrator.domain.questions import Answer
from cc_orchestrator.logs import get_logger
from cc_orchestrator.web.apidoc import add_security_schemes, security_responses
from cc_orchestrator.web.auth import effective_token
from cc_orchestrator.web.events import EventHub, event_json
from cc_orchestrator.web.login import add_login_route
from cc_orchestrator.web.security import Guard, Policy, require_json

log = get_logger("cco.web")
STATIC = Path(__file__).parent / "static"
Mode = Literal["interactive", "headless"]
SEND_TIMEOUT_S = 5.0
MAX_OFFSET = 2**53  # ids and byte offsets; beyond is nonsense (and overflows SQLite)


# ---------------------------------------------------------------------------- request bodies
class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskCreate(_Body):
    title: str = Field(min_length=1, max_length=200)
    prompt: str | None = Field(default=None, max_length=100_000)
    repo: str = Field(min_length=1, max_length=4096)
    base: str | None = Field(default=None, max_length=200)
    priority: int = Field(default=0, ge=-1000, le=1000)
    labels: list[str] = Field(default_factory=list, max_length=20)
    depends_on: list[str] = Field(default_factory=list, max_length=100)
    agent: str | None = Field(default=None, max_length=64)
    mode: Mode | None = None
    max_turns: int | None = Field(default=None, gt=0, le=10_000)
    max_cost_usd: float | None = Field(default=None, gt=0, le=100_000)


class TaskEdit(_Body):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    prompt: str | None = Field(default=None, max_length=100_000)
    priority: int | None = Field(default=None, ge=-1000, le=1000)
    labels: list[str] | None = Field(default=None, max_length=20)
    base: str | None = Field(default=None, max_length=200)
    add_deps: list[str] = Field(default_factory=list, max_length=100)
    remove_deps: list[str] = Field(default_factory=list, max_length=100)


class Feedback(_Body):
    feedback: str = Field(min_length=1, max_length=100_000)


class InstanceSpawn(_Body):
    repo: str | None = Field(default=None, max_length=4096)
    worktree_id: str | None = Field(default=None, max_length=32)
    prompt: str | None = Field(default=None, max_length=100_000)
    agent: str | None = Field(default=None, max_length=64)
    mode: Mode | None = None
    name: str | None = Field(default=None, max_length=64)
    base: str | None = Field(default=None, max_length=200)


class SendText(_Body):
    text: str = Field(min_length=1, max_length=100_000)
    force: bool = False


class AnswerBody(_Body):
    """allow (once) / deny (message: what the agent is told) / choice (a key it offers)."""

    decision: Literal["allow", "deny", "choice"]
    choice: str | None = Field(default=None, min_length=1, max_length=8)
    message: str | None = Field(default=None, min_length=1, max_length=2000)
    question_id: str | None = Field(default=None, min_length=1, max_length=64)


class StopOptions(_Body):
    remove_worktree: bool = False
    force: bool = False


class WorktreeCreate(_Body):
    repo: str = Field(min_length=1, max_length=4096)
    name: str | None = Field(default=None, max_length=64)
    base: str | None = Field(default=None, max_length=200)
    branch: str | None = Field(default=None, max_length=200)


class Health(BaseModel):
    status: str
    version: str
    daemon: str


class NeedsYou(BaseModel):
    kind: Literal["instance", "task"]
    id: str
    why: str
    task_id: str | None = None
    title: str | None = None


class Status(BaseModel):
    daemon: str
    instances: dict[str, int]
    tasks: dict[str, int]
    cost_usd: float
    needs_you: list[NeedsYou]


class DepsOut(BaseModel):
    task: Task
    depends_on: list[Task]
    dependents: list[Task]


class LogLines(BaseModel):
    lines: list[str]
    offset: int
    source: Literal["events", "transcript", "stream"]  # offsets belong to one source


class ErrorBody(BaseModel):
    type: str
    message: str
    hint: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


# ---------------------------------------------------------------------------- middleware
class BodyLimit:
    """413 with a JSON message for bodies over the limit, counted as they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes, send)
            return
        # Read the body first (at most the limit), so an oversized streamed body gets its 413
        # before any route sees it; then replay it to the app.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await _too_large(self.max_bytes, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(limit: int, send: Send) -> None:
    response = JSONResponse(
        {
            "error": {
                "type": "PayloadTooLarge",
                "message": f"the request body is larger than {limit} bytes",
            }
        },
        status_code=413,
    )
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _error(status: int, kind: str, message: str, hint: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": kind, "message": message}
    if hint:
        body["hint"] = hint
    return JSONResponse({"error": body}, status_code=status)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------- the app
def create_app(
    services: App,
    *,
    poll_interval_s: float = 0.25,
    bind_host: str | None = None,
    token: str | None = None,
) -> FastAPI:
    """The app; `token` overrides the configured or generated one (the schema printer's)."""
    settings = services.config.settings.web
    configured = settings.token.get_secret_value() if settings.token else None
    policy = Policy(
        token=token or effective_token(configured, services.data_dir),
        bind_host=settings.host if bind_host is None else bind_host,
        public_url=settings.public_url,
    )
    hub = EventHub(
        lambda after, limit: services.instances.events(
            after_id=after, limit=limit, entity_types=("task", "instance", "worktree", "repository")
        ),
        services.instances.last_event_id,
        interval_s=poll_interval_s,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        # commits in this process (the daemon's, under `cco up`, and the API's) wake the hub
        unlisten = services.store.on_events(hub.wake)
        yield
        unlisten()
        await hub.stop()

    app = FastAPI(
        title="cc-orchestrator",
        version=__version__,
        description="Control tower for many Claude Code instances.",
        lifespan=lifespan,
        responses={
            400: {"model": ErrorOut},
            404: {"model": ErrorOut},
            409: {"model": ErrorOut},
            422: {"model": ErrorOut},
            **security_responses(ErrorOut),
        },
        dependencies=[Depends(require_json)],
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Guard, policy=policy)  # the outermost: before any body is read
    app.state.policy = policy
    add_security_schemes(app)
    login_refused = add_login_route(app, policy)

    @app.exception_handler(login_refused)
    async def _refused(_request: Request, exc: Exception) -> JSONResponse:
        wait = getattr(exc, "retry_after", None)
        if wait is None:
            return _error(401, "Unauthorized", "that is not this server's token")
        response = _error(429, "TooManyRequests", "too many failed logins", f"retry after {wait} s")
        response.headers["retry-after"] = str(wait)
        return response

    @app.exception_handler(CcoError)
    async def _cco_error(_request: Request, exc: CcoError) -> JSONResponse:
        return _error(exc.http_status, type(exc).__name__, exc.message, exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(
            422, "InvalidInput", f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer to a body that is not UTF-8: invalid input like any bad JSON
            return _error(422, "InvalidInput", "the body is not JSON (it is not UTF-8 text)")
        response = _error(exc.status_code, "HTTPError", str(exc.detail))
        response.headers.update(exc.headers or {})  # Allow on a 405
        return response

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("web.internal_error")
        return _error(
            500, "InternalError", f"{type(exc).__name__}: the server failed", "see the log file"
        )

    # ---- health, config, status, events
    @app.get("/api/health", response_model=Health)
    def health() -> Health:
        daemon = "running" if services.overview.daemon_running() else "stopped"
        return Health(status="ok", version=__version__, daemon=daemon)

    @app.get("/api/config")
    def config() -> dict[str, Any]:
        return public_dump(services.config.settings)

    @app.get("/api/status", response_model=Status)
    def status() -> Status:
        return Status(**services.overview.snapshot())

    @app.get("/api/events", response_model=list[Event])
    def events(
        after_id: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        entity_id: Annotated[str | None, Query(max_length=64)] = None,
    ) -> list[Event]:
        return services.overview.events(after_id=after_id, limit=limit, entity_id=entity_id)

    @app.get("/api/repositories", response_model=list[Repository])
    def repositories() -> list[Repository]:
        return services.overview.repositories()

    # ---- tasks
    @app.get("/api/tasks", response_model=list[Task])
    def list_tasks(
        status: Annotated[list[TaskStatus] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        after: Annotated[
            str | None,
            Query(
                max_length=64,
                description="Only tasks after this one (the last id of the previous page): "
                "every page then costs what the first does.",
            ),
        ] = None,
    ) -> list[Task]:
        """Oldest first, a page at a time (limit, and after= the previous page's last id, or
        offset)."""
        return services.tasks.all(statuses=status, limit=limit, offset=offset, after=after)

    @app.post("/api/tasks", response_model=Task, status_code=201)
    def add_task(body: TaskCreate) -> Task:
        return services.tasks.add(
            title=body.title,
            prompt=body.title if body.prompt is None else body.prompt,
            repo=Path(body.repo),
            base=body.base,
            priority=body.priority,
            labels=body.labels,
            depends_on=body.depends_on,
            agent=body.agent,
            mode=body.mode,
            max_turns=body.max_turns,
            max_cost_usd=body.max_cost_usd,
        )

    @app.get("/api/tasks/{task_id}", response_model=Task)
    def get_task(task_id: str) -> Task:
        return services.tasks.get(task_id)

    @app.patch("/api/tasks/{task_id}", response_model=Task)
    def edit_task(task_id: str, body: TaskEdit) -> Task:
        return services.tasks.edit(
            task_id,
            title=body.title,
            prompt=body.prompt,
            priority=body.priority,
            labels=body.labels,
            base=body.base,
            add_deps=body.add_deps,
            remove_deps=body.remove_deps,
        )

    @app.get("/api/tasks/{task_id}/deps", response_model=DepsOut)
    def task_deps(task_id: str) -> DepsOut:
        view = services.tasks.deps(task_id)
        return DepsOut(task=view.task, depends_on=view.dependencies, dependents=view.dependents)

    def task_action(name: str, action: Callable[[str], Task]) -> None:
        @app.post(
            f"/api/tasks/{{task_id}}/{name}",
            response_model=Task,
            name=f"{name}_task",
            summary=f"{name.capitalize()} a task",
        )
        def _action(task_id: str) -> Task:
            return action(task_id)

    task_action("start", services.tasks.start)
    task_action("cancel", services.tasks.cancel)
    task_action("retry", services.tasks.retry)
    task_action("approve", services.tasks.approve)

    @app.post("/api/tasks/{task_id}/reject", response_model=Task)
    def reject_task(task_id: str, body: Feedback) -> Task:
        return services.tasks.reject(task_id, body.feedback)

    # ---- instances
    @app.get("/api/instances", response_model=list[Instance])
    def list_instances(
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        live: bool = False,
    ) -> list[Instance]:
        """Oldest first, a page at a time; live=true for running ones only."""
        services.overview.fresh()
        return services.instances.all(include_ended=not live, limit=limit, offset=offset)

    @app.post("/api/instances", response_model=Instance, status_code=201)
    def spawn(body: InstanceSpawn) -> Instance:
        return services.instances.spawn(
            repo=Path(body.repo) if body.repo else None,
            worktree_id=body.worktree_id,
            prompt=body.prompt,
            agent=body.agent,
            mode=body.mode,
            name=body.name,
            base=body.base,
        )

    @app.get("/api/instances/{instance_id}", response_model=Instance)
    def get_instance(instance_id: str) -> Instance:
        return services.instances.get(instance_id)

    @app.post("/api/instances/{instance_id}/send", response_model=Instance)
    def send(instance_id: str, body: SendText) -> Instance:
        return services.instances.send(instance_id, body.text, force=body.force)

    @app.post("/api/instances/{instance_id}/answer", response_model=Instance)
    def answer(instance_id: str, body: AnswerBody) -> Instance:
        ans = Answer(
            decision=body.decision,
            choice=body.choice,
            message=body.message,
            question_id=body.question_id,
            by="api",
        )
        return services.instances.answer(instance_id, ans)

    @app.post("/api/instances/{instance_id}/stop", response_model=Instance)
    def stop(instance_id: str, body: StopOptions | None = None) -> Instance:
        options = body or StopOptions()
        return services.instances.stop(
            instance_id, remove_worktree=options.remove_worktree, force=options.force
        )

    @app.post("/api/instances/{instance_id}/restart", response_model=Instance)
    def restart(instance_id: str) -> Instance:
        return services.instances.restart(instance_id)

    @app.get("/api/instances/{instance_id}/log", response_model=LogLines)
    def instance_log(
        instance_id: str, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0
    ) -> LogLines:
        lines, new_offset, source = services.instances.structured_log(instance_id, offset)
        return LogLines(
            source=source,
            lines=lines,
            offset=new_offset,
        )

    # ---- worktrees
    @app.get("/api/worktrees", response_model=list[Worktree])
    def list_worktrees() -> list[Worktree]:
        return [v.worktree for v in services.worktrees.views()]

    @app.post("/api/worktrees", response_model=Worktree, status_code=201)
    def create_worktree(body: WorktreeCreate) -> Worktree:
        return services.worktrees.create(
            repo=Path(body.repo), name=body.name, base=body.base, branch=body.branch
        )

    @app.delete("/api/worktrees/{worktree_id}")
    def remove_worktree(
        worktree_id: str, force: bool = False, delete_branch: bool = False
    ) -> dict[str, list[str]]:
        return {
            "notes": services.worktrees.remove(
                worktree_id, force=force, delete_branch=delete_branch
            )
        }

    # ---- live: events and terminals
    @app.websocket("/api/ws")
    async def ws_events(ws: WebSocket) -> None:
        raw_after = ws.query_params.get("after_id", "")
        await ws.accept()
        client = await hub.subscribe(settings.client_queue)
        try:
            await _until_gone(ws, _stream_events(ws, client, raw_after))
        finally:
            hub.unsubscribe(client)

    async def _stream_events(ws: WebSocket, client: Any, raw_after: str) -> None:
        if raw_after.isdigit() and len(raw_after) < 16:
            last = int(raw_after)
        else:
            last = await asyncio.to_thread(hub.last_id)
        # the backlog the client missed, then live events (duplicates dropped by id)
        while True:
            backlog = await asyncio.to_thread(hub.read, last, 500)
            for event in backlog:
                await ws.send_json(event_json(event))
                last = event.id
            if len(backlog) < 500:
                break
        await ws.send_json({"kind": "ready", "id": last})
        while True:
            getter = asyncio.ensure_future(client.queue.get())
            overflow = asyncio.ensure_future(client.overflowed.wait())
            done, pending = await asyncio.wait(
                {getter, overflow}, return_when=asyncio.FIRST_COMPLETED
            )
            for p in pending:
                p.cancel()
            if overflow in done and getter not in done:
                await ws.close(code=4008, reason="too slow: reconnect with after_id")
                return
            item = getter.result()
            if item["id"] > last:
                try:
                    # a client that cannot take a message in time is dropped, not awaited
                    await asyncio.wait_for(ws.send_json(item), timeout=SEND_TIMEOUT_S)
                except TimeoutError:
                    await ws.close(code=4008, reason="too slow: reconnect with after_id")
                    return
                last = item["id"]

    @app.websocket("/api/instances/{instance_id}/terminal")
    async def ws_terminal(ws: WebSocket, instance_id: str) -> None:
        try:
            path = services.instances.files(services.instances.get(instance_id).id).raw_log
        except NotFound:
            await ws.accept()
            await ws.close(code=4404, reason=f"no instance {instance_id!r}")
            return
        await ws.accept()

        async def tail() -> None:
            offset = max(0, path.stat().st_size - 256 * 1024) if path.exists() else 0
            while True:
                data, offset = await asyncio.to_thread(_read_from, path, offset)
                if data:
                    await ws.send_bytes(data)
                else:
                    await asyncio.sleep(0.05)

        await _until_gone(ws, tail())

    if (STATIC / "index.html").exists():
        app.mount("/", StaticFiles(directory=STATIC, html=True), name="dashboard")
    return app


async def _until_gone(ws: WebSocket, work: Coroutine[Any, Any, None]) -> None:
    """Run a sender until it ends or the client goes away (read its disconnect, so a closed
    tab never leaves a sender running and shutdown never waits for one)."""

    async def listen() -> None:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass

    sender = asyncio.ensure_future(work)
    listener = asyncio.ensure_future(listen())
    done, pending = await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    for task in done:
        exc = task.exception()
        if exc is not None and not isinstance(exc, WebSocketDisconnect | RuntimeError):
            raise exc


def _read_from(path: Path, offset: int) -> tuple[bytes, int]:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return b"", 0
    if size < offset:  # the log was capped (truncated): start over from its new beginning
        offset = 0
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read(64 * 1024)
    return data, offset + len(data)


Handler = Callable[[Request], Awaitable[JSONResponse]]
