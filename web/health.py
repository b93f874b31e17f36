"""Liveness and readiness: `/healthz` says the process is up, `/readyz` that it can serve."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from web.services import services


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    svc = services(request)
    checks: dict[str, str] = {}
    try:
        await run_in_threadpool(svc.db.ping)
        checks["database"] = "ok"
    except Exception as exc:  # reported, not raised
        checks["database"] = f"unavailable: {exc}"
    checks["temporal"] = "ok" if await svc.temporal.healthy() else "unavailable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )
