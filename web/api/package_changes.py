"""The change endpoints of web/api/packages.py (install, enable, disable, uninstall): check
the change (`PackageManager.check`), start its PackageInstall run with `exclusive=True`
(one workflow id per tenant and package, so a second change while one is open is a 409),
join a retried request by its Idempotency-Key, and answer 202, or the run's end with `?wait`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from dbal.installed_packages import PACKAGE_ID
from engine.dispatch import DEFAULT_WAIT_S
from engine.packages.errors import (
    ConfigInvalid,
    DependencyError,
    NotInstalled,
    PackageError,
    PackageNotFound,
)
from engine.packages.lifecycle import PackageManager
from engine.workflows.package_install import (
    INSTALL_FAILED,
    PackageChange,
    PackageInstallResult,
    change_workflow_id,
    start_package_change,
)
from web.actions import read_json
from web.api.runs import temporal, unavailable
from web.errors import ApiError
from web.identity import Identity
from web.services import WebServices, services
from web.tenancy import directory

MAX_WAIT_S = 60.0
MAX_KEY = 200

Handle = WorkflowHandle[Any, PackageInstallResult]
T = TypeVar("T")


async def change(
    request: Request, verb: str, tenant: dict[str, Any], identity: Identity
) -> JSONResponse:
    """One change of the URL's package by a caller `tenant_admin` let through."""
    svc = services(request)
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
    """What the change will be, refused before any run when it cannot work (blocking).
    `install` of a package installed at another version is an upgrade."""
    manager = PackageManager(svc.db, svc.catalog)
    tenant_id = str(tenant["id"])
    if verb == "install" and package_id not in svc.catalog:
        raise ApiError(404, f"no package {package_id!r} in the catalog")
    version, config = options.get("version"), options.get("config")
    op = verb
    row = manager.installed(tenant_id).get(package_id) if verb == "install" else None
    if row is not None:
        target = _checked(lambda: manager.load_target(package_id, version))
        op = "upgrade" if target.version != row["version"] else "install"
    checked = _checked(
        lambda: manager.check(tenant_id, package_id, op, version=version, config=config)
    )
    return PackageChange(
        tenant_id=tenant_id,
        tenant_slug=str(tenant["slug"]),
        package=package_id,
        op=checked.op,
        version=checked.target.version if checked.target is not None else None,
        config=config if checked.op == "install" else None,
        user_id=identity.user_id,
        user_level=identity.level,
    )


def _checked(step: Callable[[], T]) -> T:
    """`step`, with the package errors as the answers the module docstring lists."""
    try:
        return step()
    except NotInstalled as exc:
        raise ApiError(404, str(exc)) from exc
    except PackageNotFound as exc:
        raise ApiError(404, str(exc)) from exc
    except ConfigInvalid as exc:
        raise ApiError(422, str(exc), details={"field": "config"}) from exc
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
