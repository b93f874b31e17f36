"""Large imports as workflows: `POST .../_import?background=true` and `GET .../_imports/{run}`.

The body is streamed to `{data_dir}/imports/{uuid}.{format}` (at most `MAX_FILE` bytes), then
an EntityImport run starts (engine/workflows/entity_import.py) and the answer is 202 with the
run's key. The progress endpoint reads the run: while it works, the records read so far (the
import activity's heartbeat); when it has finished, the import report. Both need the level
that creating rows of the entity needs; the run's id carries the tenant, package and entity
of the URL, so a run can only be looked at where it was started.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from dbal.query import access
from engine.workflows.entity_import import EntityImportInput, run_id, start_import
from web.api.entity_http import JSONBody, api_endpoint
from web.api.entity_target import Target, resolve
from web.errors import ApiError
from web.identity import current_identity
from web.services import services

MAX_FILE = 1024 * 1024 * 1024
CONNECT_S = 10.0
RUN_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


async def temporal(request: Request) -> Client:
    try:
        return await asyncio.wait_for(services(request).temporal.client(), CONNECT_S)
    except (RuntimeError, TimeoutError, RPCError) as exc:
        raise ApiError(503, "the workflow engine is not reachable") from exc


def importer(request: Request) -> Target:
    target = resolve(services(request).db, current_identity(request), request.path_params)
    access(target.model, target.scope, "create")
    return target


async def start(request: Request, fmt: str, mode: str, dry_run: bool) -> Response:
    svc = services(request)
    identity = current_identity(request)
    target = await run_in_threadpool(importer, request)
    folder = svc.settings.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4()}.{fmt}"
    path = folder / name
    size = 0
    try:
        async with await anyio.open_file(path, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_FILE:
                    raise ApiError(413, f"an import file is at most {MAX_FILE} bytes")
                await out.write(chunk)
        params = EntityImportInput(
            tenant_id=str(target.where.tenant["id"]), tenant_slug=target.where.slug,
            package_id=target.package, entity=target.name, file=f"imports/{name}",
            format=fmt, mode=mode, dry_run=dry_run, user_id=identity.user_id,
            user_level=identity.level,
        )  # fmt: skip
        client = await temporal(request)
        try:
            key, handle = await start_import(client, svc.settings.task_queue, params)
        except RPCError as exc:
            raise ApiError(503, "the workflow engine did not take the import") from exc
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    body = {"run": key, "workflowId": handle.id, "status": "running",
            "progress": f"{target.url()}/_imports/{key}"}  # fmt: skip
    return JSONBody(body, status_code=202, headers={"Location": body["progress"]})


@api_endpoint
async def progress(request: Request) -> Response:
    key = str(request.path_params["run"])
    target = await run_in_threadpool(importer, request)
    if not RUN_KEY.match(key):
        raise ApiError(404, "no such import")
    client = await temporal(request)
    ids = EntityImportInput(
        tenant_id="", tenant_slug=target.where.slug, package_id=target.package,
        entity=target.name, file="", format="",
    )  # fmt: skip
    handle = client.get_workflow_handle(run_id(ids, key))
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(404, "no such import") from None
        raise ApiError(503, "the workflow engine did not answer") from exc
    status = described.raw_description.workflow_execution_info.status
    body: dict[str, Any] = {"run": key, "workflowId": handle.id}
    if status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
        body["status"] = "running"
        body["progress"] = {"total": 0, "valid": 0}
        for pending in described.raw_description.pending_activities:
            if pending.heartbeat_details.payloads:
                decoded = await client.data_converter.decode(pending.heartbeat_details.payloads)
                if decoded and isinstance(decoded[0], dict):
                    body["progress"] = decoded[0]
    elif status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED:
        body["status"] = "completed"
        body["report"] = await handle.result()
    else:
        body["status"] = "failed"
    return JSONBody(body)
