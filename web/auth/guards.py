"""Level guards for handlers: the `getCurrentUser` of the original, and its checks.

    identity = require_level(request, ADMIN)   # 401 when anonymous, 403 below admin

API routes answer with the JSON bodies of ARCHITECTURE.md section 5; pages use
`web.pages.access_denied` for their HTML answer.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from engine.accounts.principal import Principal
from web.auth.middleware import principal_of
from web.errors import ApiError
from web.identity import Identity, current_identity, level_name


def current_principal(conn: HTTPConnection) -> Principal | None:
    return principal_of(conn.scope)


def require_principal(conn: HTTPConnection) -> Principal:
    principal = principal_of(conn.scope)
    if principal is None:
        raise ApiError(401, "Authentication required.", code="UNAUTHORIZED")
    return principal


def require_level(conn: HTTPConnection, minimum: int) -> Identity:
    identity = current_identity(conn)
    if identity.level >= minimum:
        return identity
    if not identity.authenticated:
        raise ApiError(401, "Authentication required.", code="UNAUTHORIZED")
    raise ApiError(
        403,
        f"This needs level {minimum} ({level_name(minimum)}); you have level {identity.level}.",
        code="FORBIDDEN",
        details={"required": minimum, "level": identity.level},
    )
