"""The run browser's test world: the real app served by uvicorn, a real Temporal dev server.

Two tenants (random slugs, because the dev server's visibility is shared by the whole test
session) with signed-in users at several levels, and a worker running the real ScriptRun
workflow with `run_script` replaced under its real name (the sandbox has its own suites):

    echo    answers {"echo": input} and one log line
    gated   waits until the test opens its gate (`input["gate"]`), or until cancelled
    broken  fails with a script error

`StandInFlow` is registered as `FlowRun` and answers the `progress` query the way FlowRun
does (web/api/run_view.py reads it); the test moves it one node at a time with a signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from engine import search_attributes
from engine.accounts.levels import role_level
from engine.dispatch import ActionOutcome, ActionRequest
from engine.temporal_client import TemporalConnection
from engine.workflows.script_run import (
    RUN_SCRIPT_ACTIVITY,
    SCRIPT_ERROR,
    ScriptRun,
    ScriptRunInput,
    ScriptRunResult,
)
from tests.auth.harness import BUILTIN, CSRF, PASSWORD, Harness, build, close, install
from tests.fixtures.ports import free_port
from web.services import WebServices

TEST_PACKAGES = Path(__file__).resolve().parent / "packages"
PACKAGE = "runs_demo"
GATES: dict[str, asyncio.Event] = {}


def gate(name: str) -> asyncio.Event:
    return GATES.setdefault(name, asyncio.Event())


@activity.defn(name=RUN_SCRIPT_ACTIVITY)
async def stand_in_run_script(params: ScriptRunInput) -> ScriptRunResult:
    if params.script == "broken":
        raise ApplicationError(
            "Division by zero",
            {"code": "SCRIPT_ERROR", "file": "broken.py", "line": 2},
            type=SCRIPT_ERROR,
            non_retryable=True,
        )
    if params.script == "gated":
        opened = gate(str(params.input.get("gate")))
        while not opened.is_set():
            activity.heartbeat()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(opened.wait(), 0.1)
    return ScriptRunResult(value={"echo": params.input}, logs=[f"ran {params.script}"])


@workflow.defn(name="FlowRun", sandboxed=False)
class StandInFlow:
    """Walks `nodes` in order; each `advance` signal finishes the running node."""

    def __init__(self) -> None:
        self._nodes: dict[str, dict[str, Any]] = {}
        self._advanced = 0
        self._status = "running"

    @workflow.run
    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        for index, node in enumerate(spec["nodes"]):
            now = workflow.now().isoformat()
            self._nodes[node] = {"status": "running", "startedAt": now, "endedAt": None}
            await workflow.wait_condition(lambda index=index: self._advanced > index)
            self._nodes[node].update(status="done", endedAt=workflow.now().isoformat())
            self._nodes[node]["output"] = {"node": node}
        self._status = "completed"
        return {"nodes": len(self._nodes)}

    @workflow.signal
    def advance(self) -> None:
        self._advanced += 1

    @workflow.query
    def progress(self) -> dict[str, Any]:
        return {"status": self._status, "nodes": self._nodes}


@dataclass
class World:
    harness: Harness
    client: Client
    task_queue: str
    url: str
    tenants: dict[str, str]  # "a"/"b" -> slug
    users: dict[str, str] = field(default_factory=dict)  # username -> user id
    home: dict[str, str] = field(default_factory=dict)  # username -> tenant key
    levels: dict[str, int] = field(default_factory=dict)  # username -> level at home
    sessions: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    @property
    def services(self) -> WebServices:
        svc = self.harness.app.state.services
        assert isinstance(svc, WebServices)
        return svc

    def anonymous(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"x-csrf-token": CSRF}, cookies={"mb_csrf": CSRF}
        )

    async def session(self, username: str) -> httpx.AsyncClient:
        """A client signed in as `username` in their home tenant (kept for the module)."""
        if username not in self.sessions:
            http = self.anonymous()
            slug = self.tenants[self.home[username]]
            answer = await http.post(
                "/api/v1/auth/login",
                json={"tenant": slug, "username": username, "password": PASSWORD},
            )
            assert answer.status_code == 200, answer.text
            self.sessions[username] = http
        return self.sessions[username]

    async def action(
        self, username: str, action: str, input: dict[str, Any], *, wait: bool = True
    ) -> ActionOutcome:
        """Start an action as `username` through the real dispatcher (level from the db)."""
        key = self.home[username]
        tenant = self.harness.tenants[self.tenants[key]]
        req = ActionRequest(
            tenant_id=tenant["id"],
            tenant_slug=tenant["slug"],
            package_id=PACKAGE,
            action=action,
            input=input,
            user_id=self.users[username],
            user_level=self.levels[username],
        )
        return await self.services.dispatcher.run_action(req, wait=wait)

    async def flow(
        self, key: str, nodes: list[str], *, user: str | None = None
    ) -> WorkflowHandle[Any, Any]:
        slug = self.tenants[key]
        return await self.client.start_workflow(
            "FlowRun",
            {"nodes": nodes},
            id=f"{slug}/{PACKAGE}/steps/{uuid.uuid4()}",
            task_queue=self.task_queue,
            search_attributes=search_attributes.run_attributes(
                tenant=slug, package=PACKAGE, action="steps", user=user, kind="flow"
            ),
        )


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    """Visibility is eventually consistent: retry `check` until it holds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.1)


def with_runtime(app: ASGIApp, runtime_dir: Path) -> ASGIApp:
    """Serve a freshly built client runtime at /static/build in front of the app."""
    return Starlette(
        routes=[
            Mount("/static/build", app=StaticFiles(directory=runtime_dir)),
            Mount("/", app=app),
        ]
    )


async def serve_world(
    temporal_client: Client, data_dir: Path, *, runtime_dir: Path | None = None
) -> AsyncIterator[World]:
    """Tenants a and b; users: alice, bob (user), mona (moderator), ada (admin) in a; carol
    (user), cyd (admin) in b. With `runtime_dir`, pages load the client runtime built there."""
    task_queue = f"runs-{uuid.uuid4()}"
    conn = TemporalConnection("unused", "default", temporal_client)
    for h in build(
        f"sqlite:///{data_dir / 'app.db'}",
        data_dir / "data",
        packages_dirs=(BUILTIN, TEST_PACKAGES),
        temporal=conn,
        task_queue=task_queue,
    ):
        suffix = uuid.uuid4().hex[:8]
        tenants = {"a": f"runs-a-{suffix}", "b": f"runs-b-{suffix}"}
        for slug in tenants.values():
            row = h.tenant(slug)
            for package_id in ("ui_login", "ui_runs", PACKAGE):
                package = h.app.state.services.catalog.find(package_id)
                assert package is not None, package_id
                install(h, row["id"], package)
        people = [
            ("alice", "a", "user"),
            ("bob", "a", "user"),
            ("mona", "a", "moderator"),
            ("ada", "a", "admin"),
            ("carol", "b", "user"),
            ("cyd", "b", "admin"),
        ]
        port = free_port()
        served = with_runtime(h.app, runtime_dir) if runtime_dir else h.app
        server = uvicorn.Server(
            uvicorn.Config(served, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        world = World(h, temporal_client, task_queue, f"http://127.0.0.1:{port}", tenants)
        for username, key, role in people:
            world.users[username] = h.user(tenants[key], username, role)
            world.home[username] = key
            world.levels[username] = role_level(role)
        async with Worker(
            temporal_client,
            task_queue=task_queue,
            workflows=[ScriptRun, StandInFlow],
            activities=[stand_in_run_script],
            default_heartbeat_throttle_interval=timedelta(milliseconds=200),
            graceful_shutdown_timeout=timedelta(seconds=1),
        ):
            task = asyncio.create_task(server.serve())
            for _ in range(500):
                if server.started:
                    break
                await asyncio.sleep(0.02)
            assert server.started, "uvicorn did not start"
            try:
                yield world
            finally:
                for event in GATES.values():
                    event.set()
                for http in world.sessions.values():
                    await http.aclose()
                server.should_exit = True
                await task
                await close(h)
