"""Who may touch which media: the caller's scope in a tenant, the asset rows it can see, and the
key that signs private URLs.

Assets and jobs are read through the DBAL with the caller's own scope, so the entity ACL
decides (owner at level 1, every row of the tenant at admin level 3): a user of tenant B never
reads a row of tenant A, because the tenant filter comes from the scope and a user scope is
only ever built for the caller's own tenant (god and supergod may act across tenants).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dbal.entities import Entities
from dbal.errors import NotFoundError
from dbal.scope import GOD, USER, Scope
from engine.workflows.media_job import PACKAGE
from web.auth.guards import require_level
from web.errors import ApiError
from web.services import WebServices
from web.tenancy import resolve_tenant

ASSET = "MediaAsset"
JOB = "MediaJob"
CHANNEL = "MediaChannel"
_PROCESS_KEY = secrets.token_bytes(32)  # no secret configured: URLs valid in this process only


def signing_key(svc: WebServices) -> bytes:
    """A key of its own for media URLs, derived from the deployment secret."""
    secret = svc.settings.secret_key
    if not secret:
        return _PROCESS_KEY
    return hashlib.sha256(b"metabuilder media url\x00" + secret.encode()).digest()


async def caller(request: Request, *, minimum: int = USER) -> tuple[dict[str, Any], Scope]:
    """The tenant row of the URL and the caller's scope in it; 401 / 403 otherwise."""
    tenant = await resolve_tenant(request, request.path_params["tenant"])
    identity = require_level(request, minimum)
    if identity.user_id is None:
        raise ApiError(401, "Authentication required.", code="UNAUTHORIZED")
    if identity.tenant_id != tenant["id"] and identity.level < GOD:
        raise ApiError(403, "Your sign-in is for another tenant.")
    return tenant, Scope.for_user(tenant["id"], identity.user_id, identity.level)


def rows(svc: WebServices, scope: Scope) -> Entities:
    return svc.db.entities(scope, package=PACKAGE)


async def read_row(svc: WebServices, scope: Scope, entity: str, row_id: str) -> dict[str, Any]:
    """One row the scope may read, or a 404 that does not say whether it exists elsewhere."""
    try:
        return await run_in_threadpool(rows(svc, scope).read, entity, row_id)
    except NotFoundError as exc:
        raise ApiError(404, f"no {entity} {row_id[:64]!r}") from exc
