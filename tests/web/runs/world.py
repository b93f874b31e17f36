"""The run browser's test world: the real app served by uvicorn, a real Temporal dev server.

Two tenants (random slugs, because the dev server's visibility is shared by the whole test
session) with signed-in users at several levels, and a worker running the real ScriptRun
workflow with `run_script` replaced under its real name (the sandbox has its own suites):

    echo    answers {"echo": input} and one log line
    gated   waits until the test opens its gate (`input["gate"]`), or until cancelled
    broken  fails with a script error

Flows run on the real FlowRun workflow: chains of approval nodes need no activity, and the
tests move them on through the real approve endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
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
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from engine.accounts.levels import role_level
from engine.dispatch import ActionOutcome, ActionRequest
from engine.flows.dispatch import attributes as flow_attributes
from engine.temporal_client import TemporalConnection
from engine.workflows.flow_run import FlowRun, FlowRunInput
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


def approval_chain(steps: list[tuple[str, int]]) -> dict[str, Any]:
    """A flow of approval nodes, one after the other: (node id, minLevel) each. The test moves
    it one node at a time through the real approve endpoint (web/api/flows.py)."""
    nodes = [
        {"id": node, "name": node, "type": "metabuilder.approval", "parameters": {"minLevel": lvl}}
        for node, lvl in steps
    ]
    connections = {
        a: {"approved": [[{"node": b, "type": "main", "index": 0}]]}
        for (a, _), (b, _) in itertools.pairwise(steps)
    }
    return {"id": "steps", "name": "Steps", "nodes": nodes, "connections": connections}


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
        self,
        username: str,
        steps: list[tuple[str, int]],
        *,
        definition: dict[str, Any] | None = None,
    ) -> WorkflowHandle[Any, Any]:
        """Start the real FlowRun as `username`: an `approval_chain`, or `definition`."""
        tenant = self.harness.tenants[self.tenants[self.home[username]]]
        params = FlowRunInput(
            tenant_id=tenant["id"],
            tenant_slug=tenant["slug"],
            package_id=PACKAGE,
            flow_id="steps",
            definition=definition or approval_chain(steps),
            input={"asked": "by " + username},
            user_id=self.users[username],
            user_level=self.levels[username],
        )
        return await self.client.start_workflow(
            FlowRun.run,
            params,
            id=f"{tenant['slug']}/{PACKAGE}/flow:steps/{uuid.uuid4()}",
            task_queue=self.task_queue,
            search_attributes=flow_attributes(params),
        )

    async def decide(
        self, username: str, workflow_id: str, *, approve: bool = True
    ) -> httpx.Response:
        http = await self.session(username)
        verb = "approve" if approve else "reject"
        slug = self.tenants[self.home[username]]
        return await http.post(f"/api/v1/{slug}/runs/{workflow_id}/{verb}", json={})


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
    temporal_client: Client,
    data_dir: Path,
    *,
    runtime_dir: Path | None = None,
    worker_client: Client | None = None,
) -> AsyncIterator[World]:
    """Tenants a and b; users: alice, bob (user), mona (moderator), ada (admin) in a; carol
    (user), cyd (admin) in b. With `runtime_dir`, pages load the client runtime built there.
    The web app uses `temporal_client`; the worker `worker_client` when given (so that a test
    can cut the web off from Temporal and keep the worker)."""
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
            worker_client or temporal_client,
            task_queue=task_queue,
            workflows=[ScriptRun, FlowRun],
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
