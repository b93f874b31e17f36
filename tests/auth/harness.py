"""The real app (`web.app.create_app`) over a real database, driven through httpx in process.

Time is a `FakeClock` handed to the accounts service, so expiry tests move it instead of
sleeping; argon2 runs with small costs to keep the suite fast (still argon2id).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from dbal.database import Database
from dbal.scope import Scope
from engine.accounts.delivery import Collected
from engine.accounts.lockout import LockoutPolicy
from engine.accounts.passwords import HashingParams
from engine.accounts.service import Accounts, AuthPolicy
from engine.accounts.sessions import SessionPolicy
from engine.cli.services import script_lookup
from engine.config import load_settings
from engine.dispatch import Dispatcher
from engine.packages import Catalog, Package
from engine.temporal_client import TemporalConnection
from web.app import create_app
from web.auth.config import AuthConfig, RateLimits
from web.render import Renderer
from web.services import WebServices

FAST_HASHING = HashingParams(time_cost=1, memory_cost_kib=1024, parallelism=1)
PASSWORD = "correct horse battery"
BUILTIN = Path(__file__).resolve().parents[2] / "packages"
CSRF = "test-csrf-token-0123456789"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Harness:
    db: Database
    app: Starlette
    accounts: Accounts
    clock: FakeClock
    delivery: Collected
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(
        self, *, https: bool = False, ip: str = "127.0.0.1", browser: bool = True
    ) -> httpx.AsyncClient:
        """A client; `browser=True` echoes the CSRF cookie in a header, as the client runtime."""
        transport = httpx.ASGITransport(app=self.app, client=(ip, 40000))
        base = "https://testserver" if https else "http://testserver"
        if not browser:
            return httpx.AsyncClient(transport=transport, base_url=base)
        return httpx.AsyncClient(
            transport=transport,
            base_url=base,
            headers={"x-csrf-token": CSRF},
            cookies={"mb_csrf": CSRF},
        )

    def tenant(self, slug: str, **settings: Any) -> dict[str, Any]:
        row = self.db.tenants.create(Scope.system(), slug, slug.title(), settings)
        self.tenants[slug] = row
        return row

    def user(self, tenant: str, username: str, role: str | int, password: str = PASSWORD) -> str:
        row = self.accounts.create_user(tenant, username, password, role)
        return str(row["id"])


def policy(**overrides: Any) -> AuthPolicy:
    values: dict[str, Any] = {
        "hashing": FAST_HASHING,
        "sessions": SessionPolicy(idle_s=1800, absolute_s=86400, touch_every_s=60),
        "lockout": LockoutPolicy(),
    }
    values.update(overrides)
    return AuthPolicy(**values)


async def close(h: Harness) -> None:
    await h.app.state.auth.aclose()


def build(
    database_url: str,
    data_dir: Path,
    *,
    auth_policy: AuthPolicy | None = None,
    rate_limits: RateLimits | None = None,
    packages_dirs: tuple[Path, ...] = (BUILTIN,),
    dispatcher: Dispatcher | None = None,
    temporal: TemporalConnection | None = None,
    task_queue: str = "unused",
    redis_url: str | None = None,
) -> Iterator[Harness]:
    """A generator for fixtures: yields the harness, closes the database afterwards."""
    settings = load_settings({}, data_dir=data_dir).with_overrides(
        database_url=database_url, packages_dirs=packages_dirs, task_queue=task_queue
    )
    db = Database.connect(database_url)
    db.upgrade()
    catalog = Catalog(list(packages_dirs))

    lookup = script_lookup(catalog)
    conn = temporal or TemporalConnection("127.0.0.1:9", "default")
    clock = FakeClock()
    delivery = Collected()
    config = AuthConfig(
        policy=auth_policy or policy(),
        rate_limits=rate_limits or RateLimits(enabled=False),
        redis_url=redis_url,
        clock=clock,
        delivery=delivery,
    )
    svc = WebServices(
        settings=settings,
        db=db,
        catalog=catalog,
        renderer=Renderer(resolve=catalog.resolve),
        temporal=conn,
        dispatcher=dispatcher or Dispatcher(conn, task_queue=settings.task_queue, lookup=lookup),
    )
    app = create_app(svc, auth=config)
    try:
        yield Harness(db, app, app.state.auth.accounts, clock, delivery)
    finally:
        db.close()


async def login(
    client: httpx.AsyncClient, tenant: str, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"tenant": tenant, "username": username, "password": password}
    )


def install(h: Harness, tenant_id: str, package: Package) -> None:
    """What the package installer does for routing: the installed row and the page configs."""
    system = Scope.system()
    h.db.installed_packages.upsert(system, tenant_id, package.id, package.version)
    for page in package.pages:
        h.db.page_configs.upsert(
            system,
            tenant_id,
            {
                "path": page.path,
                "package_id": package.id,
                "component": page.component,
                "title": page.title,
                "level": page.level,
                "requires_auth": page.requires_auth,
            },
        )
