"""Live media job progress as server-sent events, read from the MediaJob rows.

The worker writes each job's percent and stage to its row (about once a second per rendition);
these streams poll the rows the caller may read every `POLL_S` and send what changed:

    GET .../media/jobs/events        event: job   data: {id, status, progress, stage, ...}
                                     (every visible job once at the start, then each change)
    GET .../media/jobs/{id}/events   the run-events format of web/client/runs.ts:
                                     event: progress  data: {"percent": 40, "message": "transcode"}
                                     event: done      data: {"status": "completed", "result": {...}}

A list stream ends after `MAX_S` (EventSource reconnects by itself); a job stream ends with
its `done` event.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from dbal.errors import NotFoundError
from dbal.scope import Scope
from web.api.media_access import ASSET, JOB, rows
from web.api.run_events import sse
from web.services import WebServices

POLL_S = 0.5
MAX_S = 300.0
HEARTBEAT_S = 15.0
LIMIT = 100
TERMINAL = ("completed", "failed", "cancelled")
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def visible_jobs(svc: WebServices, scope: Scope) -> list[dict[str, Any]]:
    """The newest jobs the scope may read, each with its asset's original name."""
    ents = rows(svc, scope)
    jobs = ents.list(JOB, sort="-created_at", limit=LIMIT)["items"]
    asset_ids = sorted({str((j.get("params") or {}).get("assetId")) for j in jobs})
    names: dict[str, str] = {}
    if asset_ids:
        assets = ents.list(ASSET, filter={"id": {"in": asset_ids}}, limit=LIMIT)["items"]
        names = {a["id"]: a["originalName"] for a in assets}
    return [job_view(j, names) for j in jobs]


def job_view(job: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    params = job.get("params") or {}
    asset_id = params.get("assetId")
    return {
        "id": job["id"],
        "assetId": asset_id,
        "name": names.get(str(asset_id), ""),
        "status": job["status"],
        "progress": job.get("progress") or 0,
        "stage": params.get("stage"),
        "error": job.get("error"),
        "userId": job.get("userId"),
    }


async def jobs_stream(svc: WebServices, scope: Scope, *, until: float) -> AsyncIterator[str]:
    seen: dict[str, dict[str, Any]] = {}
    quiet_since = time.monotonic()
    yield "retry: 2000\n\n"
    while time.monotonic() < until:
        for job in await run_in_threadpool(visible_jobs, svc, scope):
            if seen.get(job["id"]) != job:
                seen[job["id"]] = job
                quiet_since = time.monotonic()
                yield sse("job", job)
        if time.monotonic() - quiet_since > HEARTBEAT_S:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_S)


async def job_run_stream(svc: WebServices, scope: Scope, job_id: str) -> AsyncIterator[str]:
    last: tuple[Any, ...] | None = None
    deadline = time.monotonic() + MAX_S
    while time.monotonic() < deadline:
        try:
            job = await run_in_threadpool(rows(svc, scope).read, JOB, job_id)
        except NotFoundError:
            yield sse("error", {"error": "NOT_FOUND", "message": "the job was deleted"})
            return
        params = job.get("params") or {}
        if job["status"] in TERMINAL:
            result = {"jobId": job_id, "assetId": params.get("assetId"), "error": job.get("error")}
            yield sse("done", {"status": job["status"], "result": result})
            return
        now = (job["status"], job.get("progress"), params.get("stage"))
        if now != last:
            last = now
            yield sse("progress", {"percent": job.get("progress") or 0,
                                   "message": params.get("stage") or job["status"]})  # fmt: skip
        await asyncio.sleep(POLL_S)
