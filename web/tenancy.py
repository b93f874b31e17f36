"""Tenant resolution: a slug in the URL -> the tenant row, or a 404.

Every request names its tenant, so the rows (and a tenant's enabled package ids) are kept
per database for `DIRECTORY_TTL_S` seconds: a lookup that hits costs no database round trip
and no thread hop. A tenant that does not exist is not remembered (a new one answers at
once); a disabled or uninstalled package stops answering within the TTL.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dbal.database import Database
from web.errors import ApiError
from web.services import services

DEFAULT_TENANT = "default"
DIRECTORY_TTL_S = 2.0
MAX_SLUG_LENGTH = 100
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class Installed:
    """A tenant's enabled packages: their ids, and the version of each it has installed."""

    ids: frozenset[str]
    versions: Mapping[str, str]


class Directory:
    """Tenant slugs -> rows and tenant ids -> enabled packages, briefly cached."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._tenants: dict[str, tuple[float, dict[str, Any]]] = {}
        self._packages: dict[str, tuple[float, Installed]] = {}

    def cached_tenant(self, slug: str) -> dict[str, Any] | None:
        """The row if it is cached and fresh; None means: ask `tenant`."""
        cached = self._tenants.get(slug)
        return cached[1] if cached is not None and cached[0] >= time.monotonic() else None

    def tenant(self, slug: str) -> dict[str, Any] | None:
        found = self.cached_tenant(slug)
        if found is not None:
            return found
        row = self._db.tenants.get_by_slug(slug) if len(slug) <= MAX_SLUG_LENGTH else None
        if row is not None:
            with self._lock:
                if len(self._tenants) > MAX_ENTRIES:
                    self._tenants.clear()
                self._tenants[slug] = (time.monotonic() + DIRECTORY_TTL_S, row)
        return row

    def cached_installed(self, tenant_id: str) -> Installed | None:
        """The packages if they are cached and fresh; None means: ask `installed` (in a
        thread)."""
        cached = self._packages.get(tenant_id)
        return cached[1] if cached is not None and cached[0] >= time.monotonic() else None

    def installed(self, tenant_id: str) -> Installed:
        now = time.monotonic()
        cached = self._packages.get(tenant_id)
        if cached is None or cached[0] < now:
            rows = self._db.installed_packages.list(tenant_id)
            versions = MappingProxyType({str(r["package_id"]): str(r["version"]) for r in rows})
            found = Installed(frozenset(versions), versions)
            with self._lock:
                if len(self._packages) > MAX_ENTRIES:
                    self._packages.clear()
                self._packages[tenant_id] = cached = (now + DIRECTORY_TTL_S, found)
        return cached[1]

    def packages(self, tenant_id: str) -> frozenset[str]:
        return self.installed(tenant_id).ids

    def forget_packages(self, tenant_id: str) -> None:
        """Drop a tenant's cached package ids: this process saw them change."""
        with self._lock:
            self._packages.pop(tenant_id, None)


_directories: weakref.WeakKeyDictionary[Database, Directory] = weakref.WeakKeyDictionary()
_directories_lock = threading.Lock()


def directory(db: Database) -> Directory:
    found = _directories.get(db)
    if found is None:
        with _directories_lock:
            found = _directories.setdefault(db, Directory(db))
    return found


async def find_tenant(request: Request, slug: str) -> dict[str, Any] | None:
    tenants = directory(services(request).db)
    found = tenants.cached_tenant(slug)
    if found is not None:
        return found
    return await run_in_threadpool(tenants.tenant, slug)


async def installed_packages(request: Request, tenant_id: str) -> Installed:
    """The tenant's enabled packages and their installed versions (cached, see Directory)."""
    tenants = directory(services(request).db)
    found = tenants.cached_installed(tenant_id)
    if found is not None:
        return found
    return await run_in_threadpool(tenants.installed, tenant_id)


async def resolve_tenant(request: Request, slug: str) -> dict[str, Any]:
    tenant = await find_tenant(request, slug)
    if tenant is None:
        raise ApiError(404, f"no tenant {slug!r}")
    return tenant
