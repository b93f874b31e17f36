"""The real app over a real database with the `forum` test package installed in two tenants,
`acme` and `rival`, and a signed-in member of `acme` at every level (plus an admin and a god
of `rival`), as in the authorisation matrix (tests/auth/test_matrix.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from engine.cli.services import script_lookup
from engine.dispatch import Dispatcher
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.temporal_client import TemporalConnection
from tests.auth.harness import BUILTIN, Harness, build, close, login
from tests.fixtures.databases import database, database_url  # noqa: F401
from web.services import WebServices
from worker.main import run_worker
from worker.script_host import host_factory

PACKAGES = Path(__file__).resolve().parent / "packages"
ROLES = ("public", "user", "moderator", "admin", "god", "supergod")
FORUM = "/api/v1/acme/forum"


@dataclass
class Api:
    h: Harness
    stack: AsyncExitStack
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    @property
    def services(self) -> WebServices:
        svc = self.h.app.state.services
        assert isinstance(svc, WebServices)
        return svc

    async def client(self, who: str = "admin") -> httpx.AsyncClient:
        """A client signed in as `who`: a role in acme, `rival-admin`, `rival-god`, or
        `anonymous`; one per name, kept for the test."""
        found = self._clients.get(who)
        if found is None:
            found = await self.stack.enter_async_context(self.h.client())
            if who != "anonymous":
                tenant = "rival" if who.startswith("rival-") else "acme"
                response = await login(found, tenant, who)
                assert response.is_success, response.text
            self._clients[who] = found
        return found

    async def seed(self) -> dict[str, Any]:
        """A category with two threads (one by `user`) and three posts."""
        admin = await self.client("admin")
        user = await self.client("user")
        cat = await admin.post(f"{FORUM}/category", json={"name": "General", "slug": "general"})
        assert cat.status_code == 201, cat.text
        category = cat.json()
        threads = []
        for who, title in (("user", "Hello world"), ("admin", "Rules of the forum")):
            client = user if who == "user" else admin
            r = await client.post(
                f"{FORUM}/thread", json={"title": title, "category_id": category["id"]}
            )
            assert r.status_code == 201, r.text
            threads.append(r.json())
        posts = []
        for i, body in enumerate(("first post", "second post here", "third")):
            r = await user.post(
                f"{FORUM}/post",
                json={"thread_id": threads[0]["id"], "body": body, "score": float(i)},
            )
            assert r.status_code == 201, r.text
            posts.append(r.json())
        return {"category": category, "threads": threads, "posts": posts}


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:  # noqa: F811
    for h in build(database_url, tmp_path / "data", packages_dirs=(BUILTIN, PACKAGES)):
        async with AsyncExitStack() as stack:
            result = Api(h, stack)
            manager = PackageManager(h.db, result.services.catalog)
            for slug in ("acme", "rival"):
                tenant = h.tenant(slug)
                result.tenants[slug] = tenant
                manager.install(tenant["id"], "forum")
            for role in ROLES:
                result.users[role] = h.user("acme", role, role)
            result.users["rival-admin"] = h.user("rival", "rival-admin", "admin")
            result.users["rival-god"] = h.user("rival", "rival-god", "god")
            yield result
        await close(h)


@asynccontextmanager
async def with_worker(
    url: str,
    data_dir: Path,
    temporal_client: Client,
    task_queue: str,
    dirs: Sequence[Path],
) -> AsyncIterator[Api]:
    """The app over the database at `url` with the packages of `dirs`, and a real worker (the
    production `run_worker`) on `task_queue` of the session's Temporal dev server."""
    catalog = Catalog(list(dirs))
    conn = TemporalConnection("unused", "default", temporal_client)
    dispatcher = Dispatcher(conn, task_queue=task_queue, lookup=script_lookup(catalog))
    for h in build(url, data_dir, packages_dirs=tuple(dirs), dispatcher=dispatcher,
                   temporal=conn, task_queue=task_queue):  # fmt: skip
        stop, ready = asyncio.Event(), asyncio.Event()
        worker = asyncio.create_task(
            run_worker(temporal_client, task_queue=task_queue, catalog=catalog,
                       host_for=host_factory(h.db), stop=stop, on_ready=ready.set,
                       db=h.db, data_dir=data_dir)
        )  # fmt: skip
        await asyncio.wait_for(ready.wait(), 60)
        try:
            async with AsyncExitStack() as exits:
                yield Api(h, exits)
        finally:
            stop.set()
            await worker
            await close(h)
