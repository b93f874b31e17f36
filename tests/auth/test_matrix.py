"""The authorisation matrix: every page route, API route and action of the built-in packages
(plus `guarded`, a test package with a page and an action at each level 0..5) answers as its
declared level says, for an anonymous visitor, a member at each level 0..5, and users of
another tenant (an admin, who has no reach here, and a god, who acts across tenants).

The app is the real one over a real database; allowed actions run as Temporal workflows on a
real dev server through a worker and the sandbox, so "allowed" means the run completed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from temporalio.client import Client

from engine.cli.services import script_lookup
from engine.dispatch import Dispatcher
from engine.packages import Catalog, Package
from engine.temporal_client import TemporalConnection
from tests.auth.harness import BUILTIN, Harness, build, close, install, login
from tests.fixtures.temporal import task_queue, temporal_client, temporal_server  # noqa: F401
from worker.main import run_worker
from worker.script_host import host_factory

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

GUARDED = Path(__file__).resolve().parent / "packages"
TENANT = "acme"
LOGIN = "login"  # an anonymous visitor sent to the login page (the pages' 401)


@dataclass(frozen=True)
class Caller:
    name: str
    tenant: str | None  # where their membership is; None = anonymous
    role: str | None
    level_here: int  # effective level in TENANT
    member_here: bool

    @property
    def authenticated(self) -> bool:
        return self.tenant is not None


CALLERS = [
    Caller("anonymous", None, None, 0, False),
    *(
        Caller(f"{role} member", TENANT, role, level, True)
        for level, role in enumerate(("public", "user", "moderator", "admin", "god", "supergod"))
    ),
    Caller("admin of another tenant", "rival", "admin", 0, False),
    Caller("god of another tenant", "rival", "god", 4, False),
]


def page_expectation(caller: Caller, level: int, requires_auth: bool) -> int | str:
    if requires_auth and not caller.authenticated:
        return LOGIN
    return 200 if caller.level_here >= level else 403


def action_expectation(caller: Caller, min_level: int) -> int:
    if caller.level_here >= min_level:
        return 200
    return 403 if caller.authenticated else 401


def packages(catalog: Catalog) -> list[Package]:
    ids = sorted(p.name for p in BUILTIN.iterdir() if (p / "package.json").exists())
    found = [catalog.find(i) for i in [*ids, "guarded"]]
    return [p for p in found if p is not None]


@pytest.fixture
async def stack(
    database_url: str,
    tmp_path: Path,
    temporal_client: Client,  # noqa: F811
    task_queue: str,  # noqa: F811
) -> AsyncIterator[tuple[Harness, Catalog]]:
    catalog = Catalog([BUILTIN, GUARDED])

    lookup = script_lookup(catalog)
    conn = TemporalConnection("unused", "default", temporal_client)
    dispatcher = Dispatcher(conn, task_queue=task_queue, lookup=lookup)
    for h in build(
        database_url,
        tmp_path / "data",
        packages_dirs=(BUILTIN, GUARDED),
        dispatcher=dispatcher,
        temporal=conn,
        task_queue=task_queue,
    ):
        stop = asyncio.Event()
        ready = asyncio.Event()
        worker = asyncio.create_task(
            run_worker(
                temporal_client,
                task_queue=task_queue,
                catalog=catalog,
                host_for=host_factory(h.db),
                stop=stop,
                on_ready=ready.set,
            )
        )
        await asyncio.wait_for(ready.wait(), 60)
        try:
            yield h, catalog
        finally:
            stop.set()
            await worker
            await close(h)


async def observe(h: Harness, catalog: Catalog, caller: Caller) -> dict[str, int | str]:
    seen: dict[str, int | str] = {}
    async with h.client() as client:
        if caller.authenticated:
            assert caller.tenant is not None
            assert (await login(client, caller.tenant, caller.name.replace(" ", "-"))).is_success
        for package in packages(catalog):
            for page in package.pages:
                response = await client.get(f"/{TENANT}{page.path}")
                location = response.headers.get("location", "")
                if response.status_code == 303 and location.startswith(f"/{TENANT}/login?next="):
                    assert location.endswith(quote(f"/{TENANT}{page.path}"))
                    seen[f"page {package.id}{page.path}"] = LOGIN
                else:
                    seen[f"page {package.id}{page.path}"] = response.status_code
            for script in package.scripts:
                if script.kind != "action":
                    continue
                url = f"/api/v1/{TENANT}/{package.id}/actions/{script.name}"
                response = await client.post(url, json={"input": {}})
                key = f"action {package.id}/{script.name}"
                seen[key] = response.status_code
                if response.status_code == 200:
                    assert response.json()["status"] == "completed", response.text
        missing = await client.post(f"/api/v1/{TENANT}/guarded/actions/nope", json={})
        seen["action guarded/nope"] = missing.status_code
        elsewhere = await client.post("/api/v1/rival/guarded/actions/at_level_0", json={})
        seen["action in a tenant without the package"] = elsewhere.status_code
        for path in ("/api/v1/auth/me", "/api/v1/auth/sessions", "/api/v1/auth/tokens"):
            seen[f"api GET {path}"] = (await client.get(path)).status_code
        response = await client.put(
            "/api/v1/auth/memberships",
            json={"tenant": TENANT, "username": "target", "role": "moderator"},
        )
        seen["api PUT memberships (admin+)"] = response.status_code
    return seen


def expected(catalog: Catalog, caller: Caller) -> dict[str, int | str]:
    table: dict[str, int | str] = {}
    for package in packages(catalog):
        for page in package.pages:
            key = f"page {package.id}{page.path}"
            table[key] = page_expectation(caller, page.level, page.requires_auth)
        for script in package.scripts:
            if script.kind == "action":
                key = f"action {package.id}/{script.name}"
                table[key] = action_expectation(caller, script.min_level)
    table["action guarded/nope"] = 404
    table["action in a tenant without the package"] = 404
    signed_in = 200 if caller.authenticated else 401
    for path in ("/api/v1/auth/me", "/api/v1/auth/sessions", "/api/v1/auth/tokens"):
        table[f"api GET {path}"] = signed_in
    admin = 200 if caller.level_here >= 3 else 403
    table["api PUT memberships (admin+)"] = admin if caller.authenticated else 401
    return table


async def test_every_route_and_action_answers_as_its_level_says(
    stack: tuple[Harness, Catalog],
) -> None:
    h, catalog = stack
    acme = h.tenant(TENANT)
    rival = h.tenant("rival")
    for package in packages(catalog):
        install(h, acme["id"], package)
    h.user(TENANT, "target", "user")
    for caller in CALLERS:
        if caller.tenant is not None and caller.role is not None:
            h.user(caller.tenant, caller.name.replace(" ", "-"), caller.role)
    assert rival["slug"] == "rival"
    observed = {c.name: await observe(h, catalog, c) for c in CALLERS}
    wanted = {c.name: expected(catalog, c) for c in CALLERS}
    assert observed == wanted
    assert len(wanted["anonymous"]) >= 12 + 6  # pages and actions of every level, at least
