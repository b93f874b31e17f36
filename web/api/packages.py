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

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from dbal.installed_packages import PACKAGE_ID
from engine.accounts.levels import ADMIN
from engine.dispatch import DEFAULT_WAIT_S
from engine.packages import Catalog
from engine.packages.errors import DependencyError, PackageError, PackageNotFound
from engine.packages.lifecycle import PackageManager
from engine.packages.resolve import resolve
from engine.packages.semver import Version, is_version
from engine.workflows.package_install import (
    INSTALL_FAILED,
    PackageChange,
    PackageInstallResult,
    change_workflow_id,
    start_package_change,
)
from web.actions import read_json
from web.api.runs import temporal, unavailable
from web.auth.guards import current_principal, require_level
from web.errors import ApiError
from web.identity import Identity, current_identity
from web.services import WebServices, services
from web.tenancy import directory, resolve_tenant

MANAGE_LEVEL = ADMIN
VERBS = ("install", "enable", "disable", "uninstall")
MAX_WAIT_S = 60.0
MAX_KEY = 200
BASE = "/api/v1/{tenant}/packages"

Handle = WorkflowHandle[Any, PackageInstallResult]


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


# -- changes ----------------------------------------------------------------------------------


def change_endpoint(verb: str) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        return await change(request, verb)

    endpoint.__name__ = f"package_{verb}"
    return endpoint


async def change(request: Request, verb: str) -> JSONResponse:
    svc = services(request)
    tenant, identity = await tenant_admin(request)
    package_id = request.path_params["package"]
    if not PACKAGE_ID.match(package_id):
        raise ApiError(404, f"no package {package_id[:128]!r} in the catalog")
    options = _options(verb, await read_json(request))
    wait_s = _wait_seconds(request)
    key = request.headers.get("idempotency-key") or None
    if key is not None and len(key) > MAX_KEY:
        raise ApiError(422, f"the Idempotency-Key is longer than {MAX_KEY} characters")
    client = await temporal(svc)
    workflow_id = change_workflow_id(tenant["slug"], package_id)
    latest = await _latest_run(client, workflow_id)
    # Before the checks: a retried uninstall finds nothing left to uninstall, and a change
    # in flight is the answer even when the tenant's packages do not show it yet.
    if latest is not None and key is not None and latest.key == key:
        return await _join(svc, tenant, package_id, latest, verb, wait_s)
    if latest is not None and latest.running:
        raise _conflict(package_id, latest)
    planned = await run_in_threadpool(_prepare, svc, tenant, package_id, verb, options, identity)
    memo = {"request": verb, "op": planned.op, **({"idempotencyKey": key} if key else {})}
    try:
        handle = await start_package_change(
            client, planned, task_queue=svc.settings.task_queue, exclusive=True, memo=memo
        )
    except WorkflowAlreadyStartedError as exc:
        latest = await _latest_run(client, workflow_id)
        if latest is not None and key is not None and latest.key == key:
            return await _join(svc, tenant, package_id, latest, verb, wait_s)  # raced itself
        raise _conflict(package_id, latest) from exc
    except RPCError as exc:
        raise unavailable(exc) from exc
    return await _answer(svc, tenant, package_id, handle, planned.op, False, wait_s)


def _conflict(package_id: str, running: LatestRun | None) -> ApiError:
    return ApiError(
        409,
        f"A change of {package_id} is already running in this tenant; follow it, or try "
        "again when it has ended.",
        details={
            "workflowId": running.handle.id if running else None,
            "runId": running.handle.run_id if running else None,
        },
    )


def _options(verb: str, body: Any) -> dict[str, Any]:
    """The request body: install takes {version?, config?}, the other changes nothing."""
    if not isinstance(body, dict):
        raise ApiError(422, "the request body must be a JSON object")
    allowed = ("version", "config") if verb == "install" else ()
    for name in body:
        if name not in allowed:
            raise ApiError(422, f"unknown field {name!r} for {verb}", details={"field": name})
    version = body.get("version")
    if version is not None and (not isinstance(version, str) or not 0 < len(version) <= 64):
        raise ApiError(422, "version must be a version or a range", details={"field": "version"})
    config = body.get("config")
    if config is not None and not isinstance(config, dict):
        raise ApiError(422, "config must be an object", details={"field": "config"})
    return body


def _wait_seconds(request: Request) -> float | None:
    raw = request.query_params.get("wait")
    if raw in (None, "", "0", "false"):
        return None
    if raw == "true":
        return DEFAULT_WAIT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_WAIT_S:  # also refuses nan
        raise ApiError(
            422,
            f"bad parameter wait: expected seconds up to {MAX_WAIT_S:g}, or true",
            details={"field": "wait"},
        )
    return seconds


def _prepare(
    svc: WebServices,
    tenant: dict[str, Any],
    package_id: str,
    verb: str,
    options: dict[str, Any],
    identity: Identity,
) -> PackageChange:
    """What the change will be, refused before any run when it cannot work (blocking)."""
    manager = PackageManager(svc.db, svc.catalog)
    installed = manager.installed(str(tenant["id"]))
    row = installed.get(package_id)
    change = PackageChange(
        tenant_id=str(tenant["id"]),
        tenant_slug=str(tenant["slug"]),
        package=package_id,
        op=verb,
        user_id=identity.user_id,
        user_level=identity.level,
    )
    try:
        if verb == "install":
            if package_id not in svc.catalog:
                raise ApiError(404, f"no package {package_id!r} in the catalog")
            if row is not None and options.get("config") is not None:
                raise ApiError(
                    422,
                    f"{package_id} is installed: its config stays as it is (config is for a "
                    "fresh install)",
                    details={"field": "config"},
                )
            target = manager.load_target(package_id, options.get("version"))
            versions = {pid: str(r["version"]) for pid, r in installed.items()}
            if row is not None and row["version"] != target.version:
                change.op = "upgrade"
                versions.pop(package_id)
            resolve(svc.catalog, [target], versions)
            change.version = target.version
            change.config = options.get("config")
            return change
        if row is None:
            raise ApiError(404, f"package {package_id!r} is not installed in this tenant")
        if verb == "uninstall":
            dependents = sorted(
                pid
                for pid, other in installed.items()
                if pid != package_id
                and (found := svc.catalog.find(pid, str(other["version"]))) is not None
                and package_id in found.dependencies
            )
            if dependents:
                raise DependencyError(
                    f"cannot uninstall {package_id}: {', '.join(dependents)} depend on it",
                    [*dependents, package_id],
                )
        return change
    except PackageNotFound as exc:
        raise ApiError(404, str(exc)) from exc
    except DependencyError as exc:
        details = {"error": type(exc).__name__, "chain": exc.chain}
        raise ApiError(422, str(exc), code="DEPENDENCY_ERROR", details=details) from exc
    except PackageError as exc:
        details = {"error": type(exc).__name__}
        raise ApiError(422, str(exc), code="PACKAGE_ERROR", details=details) from exc


@dataclass(frozen=True)
class LatestRun:
    """The latest run of a package's change workflow id, and what its memo says."""

    handle: Handle
    running: bool
    op: str
    request: str | None
    key: str | None


async def _latest_run(client: Client, workflow_id: str) -> LatestRun | None:
    try:
        run = await client.get_workflow_handle(workflow_id).describe()
        memo = await run.memo()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise unavailable(exc) from exc
    handle = client.get_workflow_handle(
        workflow_id, run_id=run.run_id, result_type=PackageInstallResult
    )
    running = run.status == WorkflowExecutionStatus.RUNNING
    key = memo.get("idempotencyKey")
    request = memo.get("request")
    return LatestRun(
        handle,
        running,
        str(memo.get("op") or request or "?"),
        str(request) if request is not None else None,
        str(key) if key is not None else None,
    )


async def _join(
    svc: WebServices,
    tenant: dict[str, Any],
    package_id: str,
    run: LatestRun,
    verb: str,
    wait_s: float | None,
) -> JSONResponse:
    """Answer a retried request (same Idempotency-Key) with the run it started."""
    if run.request != verb:
        raise ApiError(422, "This Idempotency-Key was used for another change of the package.")
    return await _answer(svc, tenant, package_id, run.handle, run.op, not run.running, wait_s)


async def _answer(
    svc: WebServices,
    tenant: dict[str, Any],
    package_id: str,
    handle: Handle,
    op: str,
    closed: bool,
    wait_s: float | None,
) -> JSONResponse:
    """202 while the run goes on (or `wait_s` is None and it has not ended), else its end."""
    body: dict[str, Any] = {
        "workflowId": handle.id,
        "runId": handle.result_run_id or handle.run_id,
        "status": "running",
        "op": op,
        "package": package_id,
    }
    if wait_s is None and not closed:
        return JSONResponse(body, status_code=202)
    try:
        result = await asyncio.wait_for(handle.result(), timeout=wait_s or DEFAULT_WAIT_S)
    except TimeoutError:
        return JSONResponse(body, status_code=202)
    except WorkflowFailureError as exc:
        raise _failure(exc, body) from exc
    except RPCError as exc:
        raise unavailable(exc) from exc
    await run_in_threadpool(_changed, svc, str(tenant["id"]))
    body["status"] = "completed"
    body["result"] = {
        "changed": result.changed,
        "schedules": result.schedules,
        "initRuns": result.init_runs,
        "steps": result.steps,
    }
    return JSONResponse(body)


def _changed(svc: WebServices, tenant_id: str) -> None:
    """This process saw the tenant's packages change: its caches follow at once."""
    directory(svc.db).forget_packages(tenant_id)
    svc.render_cache.invalidate_tenant(tenant_id)


def _failure(exc: WorkflowFailureError, run: dict[str, Any]) -> ApiError:
    cause = exc.cause
    if not (isinstance(cause, ApplicationError) and cause.type == INSTALL_FAILED):
        return ApiError(
            409,
            "The package change did not finish: its run was cancelled or terminated.",
            code="PACKAGE_CHANGE_ABORTED",
            details={**run, "status": "failed"},
        )
    found = _first_details(cause)
    inner: BaseException = cause
    while inner.__cause__ is not None:
        inner = inner.__cause__
    inner_details = _first_details(inner) if isinstance(inner, ApplicationError) else {}
    kind = inner_details.get("error") or getattr(inner, "type", None) or type(inner).__name__
    return ApiError(
        422,
        cause.message,
        code="PACKAGE_CHANGE_FAILED",
        details={
            **run,
            "status": "failed",
            "step": found.get("step"),
            "compensated": bool(found.get("compensated")),
            "steps": found.get("steps") or [],
            "cause": {"error": str(kind), "message": getattr(inner, "message", str(inner))},
        },
    )


def _first_details(error: ApplicationError) -> dict[str, Any]:
    first = error.details[0] if error.details else None
    return first if isinstance(first, dict) else {}


def routes() -> list[BaseRoute]:
    return [
        Route(BASE, list_packages, methods=["GET"]),
        *(
            Route(f"{BASE}/{{package}}/{verb}", change_endpoint(verb), methods=["POST"])
            for verb in VERBS
        ),
    ]
