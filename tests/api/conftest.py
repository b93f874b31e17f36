"""The real app over a real database with the `forum` test package installed in two tenants,
`acme` and `rival`, and a signed-in member of `acme` at every level (plus an admin and a god
of `rival`), as in the authorisation matrix (tests/auth/test_matrix.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.packages.lifecycle import PackageManager
from tests.auth.harness import BUILTIN, Harness, build, close, login
from tests.fixtures.databases import database, database_url  # noqa: F401
from web.services import WebServices

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
