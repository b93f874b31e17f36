"""Tenant resolution: a slug in the URL -> the tenant row, or a 404."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from web.errors import ApiError
from web.services import services

DEFAULT_TENANT = "default"


async def find_tenant(request: Request, slug: str) -> dict[str, Any] | None:
    svc = services(request)
    return await run_in_threadpool(svc.db.tenants.get_by_slug, slug)


async def resolve_tenant(request: Request, slug: str) -> dict[str, Any]:
    tenant = await find_tenant(request, slug)
    if tenant is None:
        raise ApiError(404, f"no tenant {slug!r}")
    return tenant
