"""Flows over HTTP: start a flow, webhooks, approvals, validation.

    POST /api/v1/{tenant}/{package}/flows/{flow}        start (waits; ?async=1 -> 202)
    POST /api/v1/{tenant}/hooks/{flow}                  webhook, X-Webhook-Secret header
    POST /api/v1/{tenant}/runs/{workflowId}/approve     body {node?, comment?}
    POST /api/v1/{tenant}/runs/{workflowId}/reject
    POST /api/v1/{tenant}/flows/validate                body: a flow definition

Starting answers like an action: `{workflowId, runId, status, result}` (`result` is the body
of the flow's `http_response` node when it has one, else its last output). A webhook answers
with the flow's `http_response` itself. Webhooks carry no session and no Origin, so the
CSRF middleware lets them through; the secret is what authenticates them (401 when wrong).
Approvals check the run's tenant against the URL (404) and the caller's level in that tenant
against the approval node's `minLevel` (403), inside the workflow's update validator.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from engine.dispatch import DEFAULT_WAIT_S
from engine.flows.dispatch import FlowDispatcher, FlowRequest, outcome_of
from engine.flows.errors import FlowDenied, FlowInvalid, FlowNotFound
from engine.flows.payloads import APPROVAL_REFUSED, ApprovalDecision
from engine.flows.triggers import find_webhook, secret_matches, tenant_env
from engine.flows.validate import validate_definition
from web.actions import read_json
from web.errors import ApiError
from web.identity import Identity, current_identity
from web.services import services
from web.tenancy import installed_packages, resolve_tenant

SECRET_HEADER = "x-webhook-secret"  # noqa: S105 - a header name
DISPATCHER_KEY = "flow_dispatcher"
REFUSAL_STATUS = {"FORBIDDEN": 403, "NOT_FOUND": 404, "CONFLICT": 409}
VALIDATE_MIN_LEVEL = 1


def flow_dispatcher(request: Request) -> FlowDispatcher:
    """One dispatcher per app, built from the services on first use."""
    state = request.app.state
    found = getattr(state, DISPATCHER_KEY, None)
    if isinstance(found, FlowDispatcher):
        return found
    svc = services(request)
    dispatcher = FlowDispatcher(
        svc.temporal,
        task_queue=svc.settings.task_queue,
        catalog=svc.catalog,
        env_for=tenant_env(svc.db),
    )
    setattr(state, DISPATCHER_KEY, dispatcher)
    return dispatcher


def _wait(request: Request) -> bool:
    return request.query_params.get("async") not in ("1", "true")


def _refusal(exc: FlowNotFound | FlowDenied | FlowInvalid, identity: Identity) -> ApiError:
    if isinstance(exc, FlowNotFound):
        return ApiError(404, exc.message)
    if isinstance(exc, FlowDenied):
        return ApiError(401 if not identity.authenticated else 403, exc.message)
    return ApiError(422, exc.message, details=[i.to_json() for i in exc.issues])


async def start_flow(request: Request) -> JSONResponse:
    tenant = await resolve_tenant(request, request.path_params["tenant"])
    package_id = request.path_params["package"]
    identity = current_identity(request)
    installed = (await installed_packages(request, tenant["id"])).versions
    if package_id not in installed:
        raise ApiError(404, f"package {package_id!r} is not installed for this tenant")
    body = await read_json(request)
    payload = body.get("input") if isinstance(body, dict) and "input" in body else body
    req = FlowRequest(
        tenant_id=tenant["id"],
        tenant_slug=tenant["slug"],
        package_id=package_id,
        flow_id=request.path_params["flow"],
        input=payload if payload is not None else {},
        user_id=identity.user_id,
        user_level=identity.level,
        trigger="page" if request.query_params.get("trigger") == "page" else "manual",
        idempotency_key=request.headers.get("idempotency-key"),
        version=installed[package_id],
    )
    try:
        outcome = await flow_dispatcher(request).run(req, wait=_wait(request))
    except (FlowNotFound, FlowDenied, FlowInvalid) as exc:
        raise _refusal(exc, identity) from exc
    return JSONResponse(outcome.to_json(), status_code=202 if outcome.status == "running" else 200)


async def webhook(request: Request) -> Response:
    tenant = await resolve_tenant(request, request.path_params["tenant"])
    flow_ref = request.path_params["flow"]
    dispatcher = flow_dispatcher(request)
    installed = (await installed_packages(request, tenant["id"])).versions
    hooks = find_webhook(dispatcher, installed, flow_ref)
    if not hooks:
        raise ApiError(404, f"no webhook {flow_ref!r} in this tenant")
    if len(hooks) > 1:
        raise ApiError(409, f"several installed packages have a webhook {flow_ref!r}")
    hook = hooks[0]
    if not secret_matches(tenant, hook, request.headers.get(SECRET_HEADER)):
        raise ApiError(401, "missing or wrong webhook secret")
    body = await read_json(request)
    req = FlowRequest(
        tenant_id=tenant["id"],
        tenant_slug=tenant["slug"],
        package_id=hook.package_id,
        flow_id=hook.flow_id,
        input=body,
        user_level=hook.trigger.run_as_level,
        trigger="webhook",
        idempotency_key=request.headers.get("idempotency-key"),
        version=hook.version,
    )
    try:
        handle = await dispatcher.start(req, check_level=False)
    except (FlowNotFound, FlowDenied, FlowInvalid) as exc:
        raise _refusal(exc, current_identity(request)) from exc
    outcome = await outcome_of(handle, wait=_wait(request), wait_s=DEFAULT_WAIT_S)
    if outcome.status == "completed" and outcome.response is not None:
        status = outcome.response.get("status")
        return JSONResponse(
            outcome.response.get("body"),
            status_code=status if isinstance(status, int) and 200 <= status < 600 else 200,
        )
    return JSONResponse(outcome.to_json(), status_code=202 if outcome.status == "running" else 200)


async def _decide(request: Request, approved: bool) -> JSONResponse:
    svc = services(request)
    tenant = await resolve_tenant(request, request.path_params["tenant"])
    workflow_id = request.path_params["workflow_id"]
    identity = current_identity(request)
    if not workflow_id.startswith(f"{tenant['slug']}/"):
        raise ApiError(404, "no such run in this tenant")
    if not identity.authenticated:
        raise ApiError(401, "sign in to decide approvals")
    body = await read_json(request)
    options = body if isinstance(body, dict) else {}
    decision = ApprovalDecision(
        approved=approved,
        tenant_id=tenant["id"],
        user_id=identity.user_id,
        user_level=identity.level,
        node_id=options.get("node") if isinstance(options.get("node"), str) else None,
        comment=str(options["comment"])[:2000] if options.get("comment") is not None else None,
    )
    client = await svc.temporal.client()
    handle = client.get_workflow_handle(workflow_id)
    try:
        result: Any = await handle.execute_update("decide", decision)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == APPROVAL_REFUSED:
            details = cause.details[0] if cause.details else {}
            status = REFUSAL_STATUS.get(str(details.get("code")), 409)
            raise ApiError(status, cause.message) from exc
        raise ApiError(409, "the run does not accept approvals") from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(404, "no such run in this tenant") from exc
        raise ApiError(409, "the run does not accept approvals now") from exc
    return JSONResponse({"workflowId": workflow_id, "decision": result})


async def approve(request: Request) -> JSONResponse:
    return await _decide(request, True)


async def reject(request: Request) -> JSONResponse:
    return await _decide(request, False)


async def validate(request: Request) -> JSONResponse:
    await resolve_tenant(request, request.path_params["tenant"])
    identity = current_identity(request)
    if identity.level < VALIDATE_MIN_LEVEL:
        raise ApiError(401 if not identity.authenticated else 403, "sign in to validate flows")
    doc = await read_json(request)
    _, issues = validate_definition(doc)
    return JSONResponse({"ok": not issues, "issues": [i.to_json() for i in issues]})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/{tenant}/flows/validate", validate, methods=["POST"]),
        Route("/api/v1/{tenant}/hooks/{flow}", webhook, methods=["POST"]),
        Route("/api/v1/{tenant}/runs/{workflow_id:path}/approve", approve, methods=["POST"]),
        Route("/api/v1/{tenant}/runs/{workflow_id:path}/reject", reject, methods=["POST"]),
        Route("/api/v1/{tenant}/{package}/flows/{flow}", start_flow, methods=["POST"]),
    ]
