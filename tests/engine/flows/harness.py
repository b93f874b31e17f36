"""A real flow stack for tests: SQLite database with two tenants that have `flow_demo`
installed, the real sandbox pool, the real worker components (scripts + flows) on a fresh
task queue, a local SMTP server (aiosmtpd) and a local HTTP server for http nodes.

    async def test_x(stack: Stack) -> None:
        result = await stack.run({"nodes": [...], "connections": {...}}, input={...})
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from dbal.database import Database
from dbal.scope import Scope
from engine.config import builtin_packages_dir
from engine.flows.dispatch import FlowDispatcher, attributes
from engine.flows.triggers import tenant_env
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.temporal_client import TemporalConnection
from engine.workflows.flow_run import FlowRunInput, FlowRunResult
from scripts_runtime.sandbox import SandboxPool
from tests.fixtures.ports import free_port
from worker.component import WorkerContext
from worker.flows import flows_component
from worker.main import scripts_component
from worker.script_host import host_factory

HOOK_SECRET = "s3cret-hook-value"


class Mailbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {"to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf-8", "replace")}
        )
        return "250 OK"


class _Http(BaseHTTPRequestHandler):
    """GET /ok -> {"ok": true}; /fail/N/KEY fails N times per KEY with 503, then 200."""

    counts: dict[str, int] = {}

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        status, body = 200, {"ok": True, "path": self.path}
        if parts[0] == "fail":
            key = parts[2]
            self.counts[key] = self.counts.get(key, 0) + 1
            if self.counts[key] <= int(parts[1]):
                status, body = 503, {"ok": False, "attempt": self.counts[key]}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class World:
    """What lives for a whole test module: database, tenants, catalog, mail and web servers."""

    db: Database
    catalog: Catalog
    tenants: dict[str, dict[str, Any]]
    mailbox: Mailbox
    http_port: int


@dataclass
class Stack:
    world: World
    client: Client
    task_queue: str
    dispatcher: FlowDispatcher
    started: list[str] = field(default_factory=list)
    search_attributes: bool = True
    """False on the time-skipping server, which has no custom search attributes."""

    @property
    def db(self) -> Database:
        return self.world.db

    def tenant(self, slug: str = "acme") -> dict[str, Any]:
        return self.world.tenants[slug]

    def flow_input(
        self,
        definition: dict[str, Any],
        *,
        input: Any = None,
        tenant: str = "acme",
        user: str | None = "u1",
        level: int = 1,
        subflows: dict[str, dict[str, Any]] | None = None,
    ) -> FlowRunInput:
        row = self.tenant(tenant)
        return FlowRunInput(
            tenant_id=row["id"],
            tenant_slug=row["slug"],
            package_id="flow_demo",
            flow_id=str(definition.get("id", "inline")),
            definition=definition,
            input=input,
            user_id=user,
            user_level=level,
            env=tenant_env(self.db)(row["id"]),
            subflows=subflows or {},
        )

    async def start(
        self, definition: dict[str, Any], **options: Any
    ) -> WorkflowHandle[Any, FlowRunResult]:
        params = self.flow_input(definition, **options)
        workflow_id = f"{params.tenant_slug}/flow_demo/flow:{params.flow_id}/{uuid.uuid4()}"
        handle = await self.client.start_workflow(
            "FlowRun",
            params,
            id=workflow_id,
            task_queue=self.task_queue,
            result_type=FlowRunResult,
            search_attributes=attributes(params) if self.search_attributes else None,
        )
        self.started.append(workflow_id)
        return handle

    async def run(self, definition: dict[str, Any], **options: Any) -> FlowRunResult:
        handle = await self.start(definition, **options)
        return await asyncio.wait_for(handle.result(), timeout=30)

    def notes(self, tenant: str = "acme") -> list[dict[str, Any]]:
        scope = Scope.system(self.tenant(tenant)["id"])
        return list(self.db.entities(scope, package="flow_demo").list("note", limit=1000)["items"])


def tenant_settings(smtp_port: int) -> dict[str, Any]:
    return {
        "scripts": {"secrets": {"FLOW_DEMO_HOOK": HOOK_SECRET}, "httpAllowHosts": ["127.0.0.1"]},
        "flows": {"env": {"APP_URL": "https://app.example"}},
        "email": {"smtp": {"host": "127.0.0.1", "port": smtp_port, "from": "flows@example.com"}},
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    web = ThreadingHTTPServer(("127.0.0.1", 0), _Http)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    path: Path = tmp_path_factory.mktemp("flows") / "flows.db"
    db = Database.connect(f"sqlite:///{path}")
    db.upgrade()
    catalog = Catalog([builtin_packages_dir()])
    tenants = {}
    for slug in ("acme", "globex"):
        row = db.tenants.create(Scope.system(), slug, slug.title(), tenant_settings(smtp.port))
        PackageManager(db, catalog).install(row["id"], "flow_demo")
        tenants[slug] = row
    try:
        yield World(db, catalog, tenants, mailbox, web.server_address[1])
    finally:
        web.shutdown()
        web.server_close()
        smtp.stop()
        db.close()


@pytest_asyncio.fixture(scope="session")
async def sandbox_pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=2) as pool:
        yield pool


def worker(world: World, client: Client, task_queue: str, pool: SandboxPool) -> Worker:
    """The production components (scripts + flows) on `task_queue`."""
    ctx = WorkerContext(
        client=client,
        task_queue=task_queue,
        catalog=world.catalog,
        host_for=host_factory(world.db),
        pool=pool,
        db=world.db,
    )
    workflows: list[type] = []
    activities: list[Any] = []
    for component in (scripts_component, flows_component):
        registration = component(ctx)
        workflows += registration.workflows
        activities += registration.activities
    return Worker(client, task_queue=task_queue, workflows=workflows, activities=activities)


@asynccontextmanager
async def running_stack(
    world: World,
    client: Client,
    task_queue: str,
    pool: SandboxPool,
    *,
    search_attributes: bool = True,
) -> AsyncIterator[Stack]:
    dispatcher = FlowDispatcher(
        TemporalConnection("unused", "default", client),
        task_queue=task_queue,
        catalog=world.catalog,
        env_for=tenant_env(world.db),
    )
    async with worker(world, client, task_queue, pool):
        yield Stack(world, client, task_queue, dispatcher, search_attributes=search_attributes)


@pytest_asyncio.fixture
async def stack(
    world: World, temporal_client: Client, task_queue: str, sandbox_pool: SandboxPool
) -> AsyncIterator[Stack]:
    async with running_stack(world, temporal_client, task_queue, sandbox_pool) as running:
        yield running
