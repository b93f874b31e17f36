"""The run browser API, backed by Temporal (visibility, describe, history, queries).

    GET  /api/v1/{tenant}/runs                       list: ?package ?action ?kind ?status ?user
                                                     ?startedAfter ?startedBefore (ISO 8601)
                                                     ?limit (1..100) ?pageToken; newest first
                                                     -> {items: [...], nextPageToken}
    GET  /api/v1/{tenant}/runs/{workflowId}          one run: status, input, result, logs, error,
                                                     flow nodes, Temporal UI link, allowed buttons
    GET  /api/v1/{tenant}/runs/{workflowId}/events   server-sent events (web/api/run_events.py)
    POST /api/v1/{tenant}/runs/{workflowId}/cancel   request cancellation (202)
    POST /api/v1/{tenant}/runs/{workflowId}/retry    start the same action or flow again with
                                                     the same input, as the caller (202 with
                                                     the new run; a flow as installed now)

`?runId=` picks one run of a workflow id (default: its latest). Who sees and may act on what
is in web/api/run_view.py; approving a flow step is web/api/flows.py's.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from engine import search_attributes
from engine.accounts.levels import USER
from engine.dispatch import ActionOutcome, ActionRequest, InputInvalid
from engine.errors import ActionDenied, ActionNotFound
from engine.flows.dispatch import FlowRequest
from engine.flows.errors import FlowDenied, FlowInvalid, FlowNotFound
from web.api import run_events
from web.api.flows import flow_dispatcher
from web.api.run_query import (
    IDENTIFIER,
    FilterInvalid,
    build_query,
    encode_token,
    parse_filters,
    parse_page,
)
from web.api.run_view import (
    FLOW_RUN,
    Viewer,
    attribute,
    close_event,
    flow_progress,
    outcome,
    permissions,
    retryable,
    run_inputs,
    run_tenant,
    run_user,
    shown_input,
    summary,
)
from web.auth.guards import require_level
from web.errors import ApiError
from web.identity import current_identity
from web.services import WebServices, services
from web.tenancy import installed_packages, resolve_tenant

log = logging.getLogger("metabuilder.web.runs")

MAX_WORKFLOW_ID = 1000
RUN_PATH = "/api/v1/{tenant}/runs/{workflow_id:path}"


async def list_runs(request: Request) -> JSONResponse:
    svc = services(request)
    tenant, viewer = await tenant_viewer(request)
    try:
        filters = parse_filters(request.query_params)
        page = parse_page(request.query_params)
    except FilterInvalid as exc:
        raise ApiError(422, f"bad filter {exc.field}: expected {exc.expected}",
                       details={"field": exc.field}) from exc  # fmt: skip
    if viewer.only_user is not None and filters.user not in (None, viewer.user_id):
        raise ApiError(403, "You can only list your own runs; listing others' needs level 3.")
    query = build_query(tenant["slug"], filters, only_user=viewer.only_user)
    client = await temporal(svc)
    listing = client.list_workflows(query, page_size=page.limit, next_page_token=page.token)
    try:
        await listing.fetch_next_page()
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT and page.token is not None:
            raise ApiError(422, "bad filter pageToken: expected a token from a previous page",
                           details={"field": "pageToken"}) from exc  # fmt: skip
        raise unavailable(exc) from exc
    ui = svc.settings.temporal_ui_url
    return JSONResponse(
        {
            "items": [summary(run, ui) for run in listing.current_page or []],
            "nextPageToken": encode_token(listing.next_page_token),
        }
    )


async def get_run(request: Request) -> JSONResponse:
    svc = services(request)
    _, viewer = await tenant_viewer(request)
    client = await temporal(svc)
    run = await find_run(request, client, viewer)
    handle = client.get_workflow_handle(run.id, run_id=run.run_id)
    try:
        args = await run_inputs(client, handle)
        running = run.status == WorkflowExecutionStatus.RUNNING
        result = await outcome(client, None if running else await close_event(handle))
    except RPCError as exc:
        raise unavailable(exc) from exc
    progress = await flow_progress(handle) if run.workflow_type == FLOW_RUN else None
    nodes = (progress or {}).get("nodes")
    body: dict[str, Any] = {
        **summary(run, svc.settings.temporal_ui_url),
        "input": shown_input(run.workflow_type, args),
        **{k: v for k, v in result.items() if k != "status"},
        "nodes": nodes if isinstance(nodes, dict) else None,
        "approvals": (progress or {}).get("approvals") or [],
        "allowed": permissions(run, viewer, progress),
    }
    return JSONResponse(body)


async def run_events_stream(request: Request) -> Response:
    svc = services(request)
    _, viewer = await tenant_viewer(request)
    client = await temporal(svc)
    run = await find_run(request, client, viewer)
    events = run_events.stream(
        client,
        run.id,
        run.run_id,
        run.workflow_type,
        running=run.status == WorkflowExecutionStatus.RUNNING,
    )
    return StreamingResponse(events, media_type="text/event-stream", headers=run_events.HEADERS)


async def cancel_run(request: Request) -> JSONResponse:
    svc = services(request)
    _, viewer = await tenant_viewer(request)
    client = await temporal(svc)
    run = await find_run(request, client, viewer)
    if run.status != WorkflowExecutionStatus.RUNNING:
        raise ApiError(409, "The run has already ended.")
    identity = current_identity(request)
    handle = client.get_workflow_handle(run.id, run_id=run.run_id)
    try:
        await handle.cancel(reason=f"cancelled from the run browser by {identity.username}")
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(409, "The run has already ended.") from exc
        raise unavailable(exc) from exc
    return JSONResponse(
        {"workflowId": run.id, "runId": run.run_id, "status": "cancelling"}, status_code=202
    )


async def retry_run(request: Request) -> JSONResponse:
    svc = services(request)
    tenant, viewer = await tenant_viewer(request)
    client = await temporal(svc)
    run = await find_run(request, client, viewer)
    package = attribute(run, search_attributes.PACKAGE)
    name = attribute(run, search_attributes.ACTION)
    if not retryable(run) or not package or not name:
        raise ApiError(409, "Only actions and flows started by hand can be retried.")
    if run.status == WorkflowExecutionStatus.RUNNING:
        raise ApiError(409, "The run is still going; cancel it or wait for it to end.")
    version = (await installed_packages(request, tenant["id"])).versions.get(package)
    if version is None:
        raise ApiError(404, f"package {package!r} is no longer installed for this tenant")
    try:
        args = await run_inputs(client, client.get_workflow_handle(run.id, run_id=run.run_id))
    except RPCError as exc:
        raise unavailable(exc) from exc
    identity = current_identity(request)
    again = shown_input(run.workflow_type, args)
    try:
        if run.workflow_type == FLOW_RUN:
            # The flow as installed now, started by hand by the caller (its own level checks).
            started: ActionOutcome = await flow_dispatcher(request).run(
                FlowRequest(
                    tenant_id=tenant["id"],
                    tenant_slug=tenant["slug"],
                    package_id=package,
                    flow_id=name,
                    input=again,
                    user_id=identity.user_id,
                    user_level=identity.level,
                    version=version,
                ),
                wait=False,
            )
        else:
            started = await svc.dispatcher.run_action(
                ActionRequest(
                    tenant_id=tenant["id"],
                    tenant_slug=tenant["slug"],
                    package_id=package,
                    action=name,
                    input=again,
                    user_id=identity.user_id,
                    user_level=identity.level,
                    version=version,
                ),
                wait=False,
            )
    except (ActionNotFound, FlowNotFound) as exc:
        raise ApiError(404, exc.message) from exc
    except (ActionDenied, FlowDenied) as exc:
        raise ApiError(403, exc.message) from exc
    except InputInvalid as exc:
        raise ApiError(422, exc.message, details=exc.details) from exc
    except FlowInvalid as exc:
        raise ApiError(422, exc.message, details=[i.to_json() for i in exc.issues]) from exc
    return JSONResponse({**started.to_json(), "retryOf": run.id}, status_code=202)


async def tenant_viewer(request: Request) -> tuple[dict[str, Any], Viewer]:
    """The URL's tenant and the caller, who must hold a role there (or god+ reach)."""
    tenant = await resolve_tenant(request, request.path_params["tenant"])
    identity = require_level(request, USER)
    if identity.tenant_id is not None and identity.tenant_id != tenant["id"]:
        raise ApiError(403, "Your sign-in is for another tenant.")
    return tenant, Viewer.of(identity)


async def find_run(
    request: Request, client: Client, viewer: Viewer
) -> WorkflowExecutionDescription:
    """The run the URL names if it belongs to the URL's tenant and the viewer may see it."""
    workflow_id = request.path_params["workflow_id"]
    run_id = request.query_params.get("runId") or None
    slug = request.path_params["tenant"]
    missing = ApiError(404, f"no run {workflow_id!r} in this tenant")
    if not workflow_id or len(workflow_id) > MAX_WORKFLOW_ID:
        raise missing
    if run_id is not None and not IDENTIFIER.match(run_id):
        raise missing
    try:
        run = await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
    except RPCError as exc:
        if exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise missing from exc
        raise unavailable(exc) from exc
    if run_tenant(run) != slug or not viewer.may_see(run_user(run)):
        raise missing
    return run


async def temporal(svc: WebServices) -> Client:
    try:
        return await svc.temporal.client()
    except (RuntimeError, RPCError, OSError) as exc:
        raise unavailable(exc) from exc


def unavailable(exc: Exception) -> ApiError:
    log.warning("run browser: Temporal call failed: %s", exc)
    return ApiError(503, "The workflow engine is not reachable; try again shortly.",
                    code="UNAVAILABLE")  # fmt: skip


def routes() -> list[BaseRoute]:
    # The suffixed routes come first: the workflow id itself contains slashes.
    return [
        Route("/api/v1/{tenant}/runs", list_runs, methods=["GET"]),
        Route(RUN_PATH + "/events", run_events_stream, methods=["GET"]),
        Route(RUN_PATH + "/cancel", cancel_run, methods=["POST"]),
        Route(RUN_PATH + "/retry", retry_run, methods=["POST"]),
        Route(RUN_PATH, get_run, methods=["GET"]),
    ]
