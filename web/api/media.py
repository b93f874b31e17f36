"""The media API of the `media_center` package (issue 10).

    POST   /api/v1/{tenant}/media/assets?name=FILE    upload: the body is the file (streamed to
                                                      disk, size limit, tenant quota, SHA-256);
                                                      the type is decided by probing; starts a
                                                      MediaJob -> 201 {asset, job}
    GET    /api/v1/{tenant}/media/assets              the caller's assets (all for admins)
    GET    /api/v1/{tenant}/media/assets/{id}         one asset with signed play / poster URLs
    DELETE /api/v1/{tenant}/media/assets/{id}         cancel its job, remove its files and rows
    GET    /api/v1/{tenant}/media/jobs                the caller's jobs (all for admins)
    GET    /api/v1/{tenant}/media/jobs/events         server-sent `job` events as jobs change
    GET    /api/v1/{tenant}/media/jobs/{id}/events    one job as run events (progress / done)
    POST   /api/v1/{tenant}/media/jobs/{id}/cancel    cancel the job's workflow (202)
    GET    /api/v1/{tenant}/media/files/{asset}/{path} files, with Range (web/api/media_files.py)
    ...    /api/v1/{tenant}/media/channels...         channels and their EPG (media_channels.py)

Rows go through the DBAL: reads with the caller's scope (owner or admin decides), writes of
assets and jobs with the system scope of the tenant, because only this endpoint and the worker
create them (the entity ACL forbids generic CRUD writes: size counts against the quota).
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from dbal.errors import NotFoundError
from dbal.ids import new_id
from dbal.scope import ADMIN, Scope
from engine import search_attributes
from engine.media_usage import tenant_usage
from engine.workflows.media_job import (
    PACKAGE,
    WORKFLOW_NAME,
    MediaJob,
    MediaJobInput,
    media_job_workflow_id,
)
from media.errors import MediaError
from media.ingest import QuotaExceeded, UploadLimits, UploadTooLarge, receive_upload
from media.paths import MediaRoot
from media.probe import probe
from web.api import media_channels, media_events
from web.api.entity_http import JSONBody
from web.api.media_access import ASSET, JOB, caller, read_row, rows
from web.api.media_files import serve_file, signed_url
from web.api.runs import temporal, unavailable
from web.errors import ApiError
from web.services import WebServices, services

MAX_NAME = 255
RUNNING = ("pending", "processing")
DEFAULT_HEIGHTS = [720, 480, 360]


async def upload(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    tenant_id = tenant["id"]
    name = (request.query_params.get("name") or "upload")[:MAX_NAME]
    asset_id = new_id()
    root = MediaRoot(svc.settings.media_dir)

    async def usage(_: str) -> int:
        return await run_in_threadpool(tenant_usage, svc.db, tenant_id)

    declared = request.headers.get("content-length")
    try:
        stored = await receive_upload(
            request.stream(),
            root=root,
            tenant_id=tenant_id,
            asset_id=asset_id,
            limits=UploadLimits(
                svc.settings.media_max_upload_bytes, svc.settings.media_quota_bytes
            ),
            usage=usage,
            declared_size=int(declared) if declared and declared.isdigit() else None,
        )
    except (UploadTooLarge, QuotaExceeded) as exc:
        _remove_asset_dir(root, tenant_id, asset_id)
        raise ApiError(413, exc.message, code=exc.code) from exc
    except BaseException:
        _remove_asset_dir(root, tenant_id, asset_id)
        raise
    try:
        found = await probe(root.resolve_for(tenant_id, stored.ref))
    except MediaError as exc:
        _remove_asset_dir(root, tenant_id, asset_id)
        raise ApiError(
            422, "the file is not a video, audio or image that can be read", code=exc.code
        ) from exc

    job_id = new_id()
    asset_row = {
        "id": asset_id,
        "userId": scope.user_id,
        "filename": "source",
        "originalName": name,
        "mimeType": found.mime_type,
        "size": stored.size,
        "path": stored.ref,
        "width": found.width,
        "height": found.height,
        "duration": round(found.duration_s),
        "metadata": {"kind": found.kind, "sha256": stored.sha256, "jobId": job_id},
    }
    job = MediaJobInput(
        tenant_id=tenant_id,
        asset_id=asset_id,
        job_id=job_id,
        source=stored.ref,
        heights=DEFAULT_HEIGHTS,
        user_id=scope.user_id,
    )
    job_row = {
        "id": job_id,
        "userId": scope.user_id,
        "type": "transcode",
        "status": "pending",
        "inputPath": stored.ref,
        "outputPath": job.out_dir(),
        "params": {"assetId": asset_id, "heights": job.heights, "audio": job.audio},
        "progress": 0,
    }
    try:
        await run_in_threadpool(_create_rows, svc, tenant_id, asset_row, job_row)
    except BaseException:
        _remove_asset_dir(root, tenant_id, asset_id)
        raise
    workflow_id = media_job_workflow_id(tenant["slug"], job_id)
    try:
        await _start_job(svc, tenant["slug"], workflow_id, job)
    except BaseException:
        # Without its run the upload would sit "pending" forever: take it back entirely.
        await run_in_threadpool(_drop_rows, svc, tenant_id, asset_id, job_id)
        _remove_asset_dir(root, tenant_id, asset_id)
        raise
    asset = await read_row(svc, scope, ASSET, asset_id)
    job_out = await read_row(svc, scope, JOB, job_id)
    return JSONBody(
        {"asset": asset, "job": {**job_out, "workflowId": workflow_id}}, status_code=201
    )


async def _start_job(svc: WebServices, slug: str, workflow_id: str, job: MediaJobInput) -> None:
    client = await temporal(svc)
    try:
        await client.start_workflow(
            MediaJob.run,
            job,
            id=workflow_id,
            task_queue=svc.settings.task_queue,
            search_attributes=search_attributes.run_attributes(
                tenant=slug, package=PACKAGE, action=WORKFLOW_NAME, user=job.user_id, kind="media"
            ),
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=timedelta(hours=24),
        )
    except RPCError as exc:
        raise unavailable(exc) from exc


def _create_rows(
    svc: WebServices, tenant_id: str, asset: dict[str, Any], job: dict[str, Any]
) -> None:
    with svc.db.transaction(Scope.system(tenant_id), package=PACKAGE) as tx:
        tx.create(ASSET, asset)
        tx.create(JOB, job)


def _drop_rows(svc: WebServices, tenant_id: str, asset_id: str, job_id: str) -> None:
    system = rows(svc, Scope.system(tenant_id))
    system.delete_many(JOB, {"id": job_id})
    system.delete_many(ASSET, {"id": asset_id})


def _remove_asset_dir(root: MediaRoot, tenant_id: str, asset_id: str) -> None:
    shutil.rmtree(root.resolve_for(tenant_id, f"{tenant_id}/{asset_id}"), ignore_errors=True)


async def list_assets(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    page = await run_in_threadpool(rows(svc, scope).list, ASSET, sort="-created_at", limit=200)
    items = [asset_view(svc, tenant, row) for row in page["items"]]
    return JSONBody({"items": items})


async def get_asset(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    row = await read_row(svc, scope, ASSET, request.path_params["asset_id"])
    view = asset_view(svc, tenant, row)
    job_id = (row.get("metadata") or {}).get("jobId")
    if isinstance(job_id, str):
        try:
            view["job"] = await run_in_threadpool(rows(svc, scope).read, JOB, job_id)
        except NotFoundError:
            view["job"] = None
    return JSONBody(view)


def asset_view(svc: WebServices, tenant: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """The row plus short-lived signed URLs of what the player and the grid show."""
    meta = row.get("metadata") or {}
    slug = tenant["slug"]
    prefix = f"{tenant['id']}/{row['id']}/"
    view = dict(row)
    hls = meta.get("hls") if isinstance(meta, dict) else None
    master = hls.get("master") if isinstance(hls, dict) else None
    view["playUrl"] = (
        signed_url(svc, slug, row["id"], master.removeprefix(prefix))
        if isinstance(master, str) and master.startswith(prefix)
        else None
    )
    poster = row.get("thumbnailPath")
    view["posterUrl"] = (
        signed_url(svc, slug, row["id"], poster.removeprefix(prefix))
        if isinstance(poster, str) and poster.startswith(prefix)
        else None
    )
    return view


async def delete_asset(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    row = await read_row(svc, scope, ASSET, request.path_params["asset_id"])
    if row["userId"] != scope.user_id and scope.level < ADMIN:
        raise ApiError(403, "only the owner or an admin deletes an asset")
    job_id = (row.get("metadata") or {}).get("jobId")
    if isinstance(job_id, str):
        await _cancel(svc, tenant["slug"], job_id)
    system = rows(svc, Scope.system(tenant["id"]))

    def drop() -> None:
        if isinstance(job_id, str):
            system.delete_many(JOB, {"id": job_id})
        system.delete(ASSET, row["id"])

    await run_in_threadpool(drop)
    _remove_asset_dir(MediaRoot(svc.settings.media_dir), tenant["id"], row["id"])
    return Response(status_code=204)


async def list_jobs(request: Request) -> Response:
    svc = services(request)
    _, scope = await caller(request)
    items = await run_in_threadpool(media_events.visible_jobs, svc, scope)
    return JSONBody({"items": items})


async def cancel_job(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    job = await read_row(svc, scope, JOB, request.path_params["job_id"])
    if job["userId"] != scope.user_id and scope.level < ADMIN:
        raise ApiError(403, "only the owner or an admin cancels a job")
    if job["status"] not in RUNNING:
        raise ApiError(409, f"the job has already ended ({job['status']})")
    await _cancel(svc, tenant["slug"], job["id"])
    return JSONBody({"id": job["id"], "status": "cancelling"}, status_code=202)


async def _cancel(svc: WebServices, slug: str, job_id: str) -> None:
    client = await temporal(svc)
    try:
        await client.get_workflow_handle(media_job_workflow_id(slug, job_id)).cancel()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise unavailable(exc) from exc


async def job_events(request: Request) -> Response:
    svc = services(request)
    _, scope = await caller(request)
    stream = media_events.jobs_stream(svc, scope, until=time.monotonic() + media_events.MAX_S)
    return StreamingResponse(stream, media_type="text/event-stream", headers=media_events.HEADERS)


async def one_job_events(request: Request) -> Response:
    svc = services(request)
    _, scope = await caller(request)
    job = await read_row(svc, scope, JOB, request.path_params["job_id"])
    stream = media_events.job_run_stream(svc, scope, job["id"])
    return StreamingResponse(stream, media_type="text/event-stream", headers=media_events.HEADERS)


BASE = "/api/v1/{tenant}/media"


def routes() -> list[BaseRoute]:
    return [
        Route(BASE + "/assets", upload, methods=["POST"]),
        Route(BASE + "/assets", list_assets, methods=["GET"]),
        Route(BASE + "/assets/{asset_id}", get_asset, methods=["GET"]),
        Route(BASE + "/assets/{asset_id}", delete_asset, methods=["DELETE"]),
        Route(BASE + "/jobs", list_jobs, methods=["GET"]),
        Route(BASE + "/jobs/events", job_events, methods=["GET"]),
        Route(BASE + "/jobs/{job_id}/events", one_job_events, methods=["GET"]),
        Route(BASE + "/jobs/{job_id}/cancel", cancel_job, methods=["POST"]),
        Route(BASE + "/files/{asset_id}/{path:path}", serve_file, methods=["GET", "HEAD"]),
        *media_channels.routes(BASE),
    ]
