"""The real app with the `crud_demo` package installed in two tenants, and signed-in clients.

    async for site in make_site(database_url, tmp_path): ...
    async with site.client_as("acme", "alice") as http: ...     # alice is a user (level 1) of acme

Users of acme: alice (user), mona (moderator), ada (admin); of other: otto (admin).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from dbal.scope import Scope
from engine.packages.lifecycle import PackageManager
from tests.auth.harness import BUILTIN, Harness, build, close, login

VIEW_PACKAGES = Path(__file__).resolve().parent / "packages"
USERS = {
    "acme": {"alice": "user", "mona": "moderator", "ada": "admin"},
    "other": {"otto": "admin"},
}


@dataclass
class Site:
    h: Harness
    tenants: dict[str, dict[str, Any]]

    @asynccontextmanager
    async def client_as(
        self, tenant: str, username: str | None
    ) -> AsyncIterator[httpx.AsyncClient]:
        async with self.h.client() as http:
            if username is not None:
                response = await login(http, tenant, username)
                assert response.status_code == 200, response.text
            yield http

    def entities(self, tenant: str) -> Any:
        return self.h.db.entities(Scope.system(self.tenants[tenant]["id"]), package="crud_demo")


async def make_site(database_url: str, data_dir: Path) -> AsyncIterator[Site]:
    for h in build(database_url, data_dir, packages_dirs=(BUILTIN, VIEW_PACKAGES)):
        manager = PackageManager(h.db, h.app.state.services.catalog)
        tenants = {}
        for slug, users in USERS.items():
            tenants[slug] = h.tenant(slug)
            manager.install_many(tenants[slug]["id"], ["crud_demo", "crud_custom", "ui_login"])
            for username, role in users.items():
                h.user(slug, username, role)
        try:
            yield Site(h, tenants)
        finally:
            await close(h)
