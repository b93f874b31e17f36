"""Authentication: session cookie or `Authorization: Bearer` -> an `Identity` for the request.

The identity is relative to the tenant the URL addresses (`/{tenant}/...`, `/api/v1/{tenant}/...`,
`/` = the default tenant); elsewhere (`/api/v1/auth/...`) to the tenant the session was opened
in. A user with no role in the addressed tenant (and no god+ role anywhere) is authenticated at
level 0 there. A stale session cookie is cleared; a rotated session gets its new cookie here.
A bearer token that is wrong is answered with 401 at once (the client must know).
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.accounts.principal import Principal
from engine.accounts.service import Accounts
from web.auth.cookies import (
    SESSION_COOKIE,
    clear_session_cookie,
    is_secure,
    read_cookie,
    session_cookie,
)
from web.errors import error_response
from web.identity import IDENTITY_KEY, Identity
from web.tenancy import DEFAULT_TENANT

PRINCIPAL_KEY = "mb.principal"
NOT_TENANTS = frozenset({"api", "static", "healthz", "readyz", "metrics", "favicon.ico"})
TENANT_CACHE_S = 30.0


def tenant_slug_of(path: str) -> str | None:
    """The tenant a URL addresses, or None for tenant-less endpoints."""
    parts = path.strip("/").split("/")
    if parts[0] == "":
        return DEFAULT_TENANT
    if parts[0] == "api":
        if len(parts) >= 3 and parts[1] == "v1" and parts[2] not in ("auth", "openapi.json"):
            return parts[2]
        return None
    return None if parts[0] in NOT_TENANTS else parts[0]


def principal_of(scope: Scope) -> Principal | None:
    found = scope.get(PRINCIPAL_KEY)
    return found if isinstance(found, Principal) else None


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, accounts: Accounts, secure_cookies: bool = False) -> None:
        self.app = app
        self.accounts = accounts
        self.secure_cookies = secure_cookies
        self._tenant_ids: dict[str, tuple[float, str | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        authorization = headers.get("authorization", "")
        cookie = read_cookie(headers, SESSION_COOKIE)
        if not authorization and not cookie:
            await self.app(scope, receive, send)
            return
        tenant_id = await self._tenant_id(tenant_slug_of(scope.get("path", "/")))
        secure = is_secure(scope, self.secure_cookies)

        if authorization:
            scheme, _, token = authorization.partition(" ")
            principal = None
            if scheme.lower() == "bearer" and token.strip():
                principal = await run_in_threadpool(
                    self.accounts.authenticate_token, token.strip(), tenant_id
                )
            if principal is None:
                response = error_response(401, "invalid or expired API token", code="UNAUTHORIZED")
                response.headers["www-authenticate"] = 'Bearer error="invalid_token"'
                await response(scope, receive, send)
                return
            self._attach(scope, principal)
            await self.app(scope, receive, send)
            return

        assert cookie is not None
        principal = await run_in_threadpool(self.accounts.authenticate_session, cookie, tenant_id)
        set_cookie: str | None = None
        if principal is None:
            set_cookie = clear_session_cookie(secure=secure)
        else:
            self._attach(scope, principal)
            if principal.new_session_token and principal.session_expires_at is not None:
                set_cookie = session_cookie(
                    principal.new_session_token,
                    principal.session_expires_at,
                    self.accounts.clock(),
                    secure=secure,
                )
        if set_cookie is None:
            await self.app(scope, receive, send)
            return
        cookie_header = set_cookie.encode("latin-1")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                # an endpoint that set the session cookie itself (login, logout) wins
                if not any(
                    k.lower() == b"set-cookie" and v.startswith(SESSION_COOKIE.encode() + b"=")
                    for k, v in raw
                ):
                    raw.append((b"set-cookie", cookie_header))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _attach(self, scope: Scope, principal: Principal) -> None:
        scope[PRINCIPAL_KEY] = principal
        scope[IDENTITY_KEY] = Identity(
            user_id=principal.user_id,
            username=principal.username,
            level=principal.level,
            tenant_id=principal.tenant_id,
        )

    async def _tenant_id(self, slug: str | None) -> str | None:
        if slug is None:
            return None
        now = time.monotonic()
        cached = self._tenant_ids.get(slug)
        if cached is not None and cached[0] > now:
            return cached[1]
        tenant_id = await run_in_threadpool(self.accounts.tenant_id_for, slug)
        if tenant_id is None:
            # an unknown tenant: the identity is bound to a tenant nobody belongs to
            tenant_id = f"unknown:{slug}"
        if len(self._tenant_ids) > 10_000:
            self._tenant_ids.clear()
        self._tenant_ids[slug] = (now + TENANT_CACHE_S, tenant_id)
        return tenant_id
