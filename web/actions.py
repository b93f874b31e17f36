"""`POST /api/v1/{tenant}/{package}/actions/{action}`: run a package action as a workflow.

Body: `{"input": ...}` (or any JSON value, taken as the input when it has no `input` key).
Answer: `{workflowId, runId, status, result}`; `?async=1` answers 202 at once with status
"running". An `Idempotency-Key` header makes a retried request join the first run.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from engine.dispatch import ActionRequest, InputInvalid
from engine.errors import ActionDenied, ActionNotFound
from web.errors import ApiError
from web.identity import current_identity
from web.services import services
from web.tenancy import installed_packages, resolve_tenant

MAX_BODY = 1024 * 1024


async def run_action(request: Request) -> JSONResponse:
    tenant = await resolve_tenant(request, request.path_params["tenant"])
    package_id = request.path_params["package"]
    action = request.path_params["action"]
    identity = current_identity(request)

    installed = await installed_packages(request, tenant["id"])
    if package_id not in installed.ids:
        raise ApiError(404, f"package {package_id!r} is not installed for this tenant")

    body = await read_json(request)
    payload = body.get("input") if isinstance(body, dict) and "input" in body else body
    req = ActionRequest(
        tenant_id=tenant["id"],
        tenant_slug=tenant["slug"],
        package_id=package_id,
        action=action,
        input=payload if payload is not None else {},
        user_id=identity.user_id,
        user_level=identity.level,
        idempotency_key=request.headers.get("idempotency-key"),
        version=installed.versions[package_id],
    )
    return await dispatch(request, req)


async def dispatch(request: Request, req: ActionRequest) -> JSONResponse:
    """Run `req` through the engine and answer as this endpoint does (also entity actions)."""
    svc = services(request)
    identity = current_identity(request)
    wait = request.query_params.get("async") not in ("1", "true")
    try:
        outcome = await svc.dispatcher.run_action(req, wait=wait)
    except ActionNotFound as exc:
        raise ApiError(404, exc.message) from exc
    except ActionDenied as exc:
        status = 401 if not identity.authenticated else 403
        raise ApiError(status, exc.message) from exc
    except InputInvalid as exc:
        raise ApiError(422, exc.message, details=exc.details) from exc
    status = 202 if outcome.status == "running" else 200
    return JSONResponse(outcome.to_json(), status_code=status)


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, f"the request body exceeds {MAX_BODY} bytes")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"the request body is not valid JSON ({exc})") from exc
