"""Package management over HTTP: a tenant admin installs, upgrades, enables, disables and
uninstalls catalog packages without the CLI.

    GET  /api/v1/{tenant}/packages                     the catalog as the tenant has it:
                                                       installed version, enabled, newest
                                                       version, upgradeAvailable
    POST /api/v1/{tenant}/packages/{package}/install   install, or upgrade when another version
                                                       is installed; body {version?, config?}
    POST /api/v1/{tenant}/packages/{package}/enable | /disable | /uninstall

Who: admin (3) and above, the level the data layer asks for to write a tenant's installed
packages and the one PackageInstall checks (`CHANGE_LEVEL`); gods and supergods reach every
tenant. Anonymous: 401; a member below admin: 403; someone signed in with no role in the
tenant: 404, the answer for a tenant that does not exist, so nothing about it leaks.

A change is a PackageInstall run (engine/workflows/package_install.py) started with
`exclusive=True`: every change of one package in one tenant has the workflow id
`{tenant}/{package}/package-change`, and Temporal refuses a second while one is open (409,
with the open run in `details`). The answer is 202 `{workflowId, runId, status: "running",
op, package}`; follow the run with `GET /api/v1/{tenant}/runs/{workflowId}?runId=` or its
`/events`. `?wait=SECONDS` (at most 60; `true`: 30) waits for the end: 200 with the result,
422 with the run's failure (step, compensated, cause), still 202 when time runs out. With an
`Idempotency-Key` header a retried request joins the package's latest run carrying that key
(the key is kept in the run's memo).

Checked before a run starts: a package the catalog does not have, or (enable, disable,
uninstall) one the tenant has not installed: 404; an unresolvable dependency, a version no
catalog entry matches, an uninstall other installed packages depend on: 422 with the details.

Caches: pages need nothing (routes are read from the database, and the render cache compares
the tenant's installed packages on every render, web/render_cache.py); when this process
sees a change end (`?wait`) it also drops the tenant's package ids from the tenant directory
(web/tenancy.py) and bumps the tenant's render generation, so the entity API answers for a
new package at once. Elsewhere the directory follows within its TTL (2 s).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from engine.accounts.levels import ADMIN
from engine.packages import Catalog
from engine.packages.semver import Version, is_version
from web.api.package_changes import change
from web.auth.guards import current_principal, require_level
from web.errors import ApiError
from web.identity import Identity, current_identity
from web.services import services
from web.tenancy import resolve_tenant

MANAGE_LEVEL = ADMIN
VERBS = ("install", "enable", "disable", "uninstall")
BASE = "/api/v1/{tenant}/packages"


async def tenant_admin(request: Request) -> tuple[dict[str, Any], Identity]:
    """The URL's tenant, if the caller may manage its packages (see the module docstring)."""
    slug = request.path_params["tenant"]
    tenant = await resolve_tenant(request, slug)
    if not current_identity(request).authenticated:
        raise ApiError(401, "Authentication required.", code="UNAUTHORIZED")
    principal = current_principal(request)
    if principal is None or not principal.member or principal.tenant_id != tenant["id"]:
        raise ApiError(404, f"no tenant {slug!r}")
    return tenant, require_level(request, MANAGE_LEVEL)


# -- listing ----------------------------------------------------------------------------------


async def list_packages(request: Request) -> JSONResponse:
    svc = services(request)
    tenant, _ = await tenant_admin(request)
    rows = await run_in_threadpool(svc.db.installed_packages.list, tenant["id"], False)
    return JSONResponse({"items": catalog_view(svc.catalog, rows)})


def catalog_view(catalog: Catalog, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every catalog package, and every installed one the catalog no longer has."""
    installed = {str(r["package_id"]): r for r in rows}
    items = []
    for package_id in sorted({*catalog.ids(), *installed}):
        newest = catalog.find(package_id)
        row = installed.get(package_id)
        current = str(row["version"]) if row else None
        items.append(
            {
                "id": package_id,
                "name": newest.name if newest else package_id,
                "description": newest.description if newest else "",
                "minLevel": newest.min_level if newest else None,
                "primary": newest.primary if newest else False,
                "dependencies": dict(newest.dependencies) if newest else {},
                "versions": catalog.versions(package_id),
                "availableVersion": newest.version if newest else None,
                "installedVersion": current,
                "enabled": bool(row["enabled"]) if row else None,
                "installedAt": _when(row["installed_at"]) if row else None,
                "updatedAt": _when(row["updated_at"]) if row else None,
                "upgradeAvailable": bool(newest and current and _newer(newest.version, current)),
                "inCatalog": newest is not None,
            }
        )
    return items


def _newer(candidate: str, installed: str) -> bool:
    if is_version(candidate) and is_version(installed):
        return Version.parse(candidate) > Version.parse(installed)
    return False


def _when(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


# -- changes (web/api/package_changes.py) -----------------------------------------------


def change_endpoint(verb: str) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        tenant, identity = await tenant_admin(request)
        return await change(request, verb, tenant, identity)

    endpoint.__name__ = f"package_{verb}"
    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route(BASE, list_packages, methods=["GET"]),
        *(
            Route(f"{BASE}/{{package}}/{verb}", change_endpoint(verb), methods=["POST"])
            for verb in VERBS
        ),
    ]
