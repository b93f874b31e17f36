"""The media center wired as in production: the web app (real routes, real DBAL, the
`media_center` package installed in two tenants) and, when asked, the real worker
(`worker.main.run_worker` with every registered component) on a fresh task queue.

Callers speak as any identity through `tests.web.app.with_identity` (login has its own suite).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from temporalio.client import Client

from dbal.database import Database
from dbal.scope import Scope
from engine.cli.services import build_app, build_catalog
from engine.config import Settings, load_settings
from engine.packages.lifecycle import PackageManager
from engine.temporal_client import TemporalConnection
from tests.web.app import client as app_client
from web.identity import Identity
from worker.main import run_worker
from worker.script_host import host_factory

PACKAGE = "media_center"


@dataclass
class MediaStack:
    db: Database
    app: Starlette
    settings: Settings
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def media_dir(self) -> Path:
        return self.settings.media_dir

    def user(self, tenant: str, level: int = 1, name: str = "") -> Identity:
        return Identity(
            user_id=str(uuid.uuid4()),
            username=name or f"user{level}",
            level=level,
            tenant_id=self.tenants[tenant]["id"],
        )

    def client(self, who: Identity | None = None) -> httpx.AsyncClient:
        return app_client(self.app, who)

    def rows(self, tenant: str, entity: str) -> list[dict[str, Any]]:
        ents = self.db.entities(Scope.system(self.tenants[tenant]["id"]), package=PACKAGE)
        return list(ents.list(entity, limit=100)["items"])

    def files(self, tenant: str) -> list[str]:
        folder = self.media_dir / self.tenants[tenant]["id"]
        if not folder.exists():
            return []
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@contextlib.asynccontextmanager
async def media_stack(
    database_url: str,
    data_dir: Path,
    temporal_client: Client | None = None,
    task_queue: str = "unused",
    *,
    worker: bool = False,
    **settings: Any,
) -> AsyncIterator[MediaStack]:
    base = load_settings({}, data_dir=data_dir)
    config = base.with_overrides(task_queue=task_queue, secret_key="test-secret", **settings)
    db = Database.connect(database_url)
    db.upgrade()
    catalog = build_catalog(config)
    conn = (
        TemporalConnection("unused", "default", temporal_client)
        if temporal_client is not None
        else TemporalConnection("127.0.0.1:1", "default")
    )
    stack = MediaStack(db=db, app=build_app(config, db, catalog, conn), settings=config)
    manager = PackageManager(db, catalog)
    for key in ("a", "b"):
        slug = f"{key}{uuid.uuid4().hex[:8]}"
        stack.tenants[key] = db.tenants.create(Scope.system(), slug, slug.upper())
        manager.install(stack.tenants[key]["id"], PACKAGE)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    try:
        if worker:
            assert temporal_client is not None
            ready = asyncio.Event()
            task = asyncio.create_task(
                run_worker(
                    temporal_client,
                    task_queue=task_queue,
                    catalog=catalog,
                    host_for=host_factory(db),
                    stop=stop,
                    db=db,
                    data_dir=config.data_dir,
                    pool_size=1,
                    on_ready=ready.set,
                )
            )
            await asyncio.wait_for(ready.wait(), 60)
        yield stack
    finally:
        stop.set()
        if task is not None:
            await task
        db.close()


async def upload(
    client: httpx.AsyncClient, slug: str, clip: Path, name: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/{slug}/media/assets",
        params={"name": name or clip.name},
        content=await asyncio.to_thread(clip.read_bytes),
        headers={"Content-Type": "application/octet-stream", **csrf(client)},
    )


def csrf(client: httpx.AsyncClient) -> dict[str, str]:
    """The double-submit header a browser's runtime sends once the CSRF cookie is set."""
    token = client.cookies.get("mb_csrf")
    return {"X-CSRF-Token": token} if token else {}


async def wait_for_job(
    stack: MediaStack, tenant: str, job_id: str, *, within: float = 120
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        job = next(j for j in stack.rows(tenant, "MediaJob") if j["id"] == job_id)
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {within}s")
        await asyncio.sleep(0.2)


async def eventually(check: Callable[[], bool], *, within: float, every: float = 0.02) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(every)
