"""`/api/v1/auth/*`: login, logout, me, register, passwords, own sessions and API tokens.

Bodies are JSON; login, logout and register also take plain HTML form posts (with the
`csrf_token` field) and then answer with a redirect, so the pages work without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from engine.accounts.errors import AccountError, AccountLocked, InvalidInput
from engine.accounts.levels import role_level
from engine.accounts.service import Accounts, LoginResult
from web.auth.cookies import SESSION_COOKIE, clear_session_cookie, is_secure, session_cookie
from web.auth.guards import require_principal
from web.errors import ApiError, error_response

MAX_BODY = 64 * 1024
Handler = Callable[[Request], Awaitable[Response]]


def accounts_of(request: Request) -> Accounts:
    found = request.app.state.auth.accounts
    assert isinstance(found, Accounts)
    return found


def secure_flag(request: Request) -> bool:
    return is_secure(request.scope, bool(request.app.state.auth.config.secure_cookies))


def handles_account_errors(fn: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await fn(request)
        except AccountError as exc:
            response = error_response(
                exc.http_status, exc.message, code=exc.code, details=exc.details
            )
            if isinstance(exc, AccountLocked):
                response.headers["retry-after"] = str(exc.retry_after_s)
            return response

    return wrapped


def is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


async def read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, f"the request body exceeds {MAX_BODY} bytes")
    if is_form(request):
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise ApiError(400, "the form is not valid UTF-8") from exc
        return dict(pairs)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "the request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return body


def text(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(name, "is required")
        return ""
    if not isinstance(value, str):
        raise InvalidInput(name, "must be a string")
    return value


def safe_next(value: str | None, fallback: str) -> str:
    """Only same-origin paths: never `//host` or a scheme (no open redirect)."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return fallback


def tenant_home(slug: str) -> str:
    return f"/{quote(slug)}"


def with_session(
    response: Response, request: Request, token: str, expires_at: datetime, now: datetime
) -> Response:
    cookie = session_cookie(token, expires_at, now, secure=secure_flag(request))
    response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return response


def client(request: Request) -> tuple[str | None, str | None]:
    ip = request.client.host if request.client else None
    return ip, request.headers.get("user-agent")


def back_to_form(tenant: str, page: str, reason: str, body: Mapping[str, Any]) -> Response:
    """A refused sign-in/registration form goes back to its page with the reason."""
    nxt = quote(safe_next(body.get("next"), tenant_home(tenant)))
    return RedirectResponse(f"/{quote(tenant)}/{page}?error={quote(reason)}&next={nxt}", 303)


async def signed_in(
    request: Request,
    accounts: Accounts,
    result: LoginResult,
    tenant: str,
    body: Mapping[str, Any],
    *,
    form: bool,
    status: int,
) -> Response:
    """The answer to a successful login or registration: redirect a form, JSON for the API."""
    now = accounts.clock()
    response: Response
    if form:
        response = RedirectResponse(safe_next(body.get("next"), tenant_home(tenant)), 303)
    else:
        me_ = await run_in_threadpool(accounts.me, result.principal)
        response = JSONResponse({"user": me_}, status_code=status)
    return with_session(response, request, result.session.token, result.session.expires_at, now)


@handles_account_errors
async def login(request: Request) -> Response:
    accounts = accounts_of(request)
    form = is_form(request)
    body = await read_body(request)
    tenant = text(body, "tenant")
    ip, agent = client(request)
    try:
        result = await run_in_threadpool(
            accounts.login,
            tenant,
            text(body, "username"),
            text(body, "password"),
            ip=ip,
            user_agent=agent,
            replacing_token=request.cookies.get(SESSION_COOKIE),
        )
    except AccountError as exc:
        if not form:
            raise
        reason = "locked" if isinstance(exc, AccountLocked) else "invalid"
        return back_to_form(tenant, "login", reason, body)
    return await signed_in(request, accounts, result, tenant, body, form=form, status=200)


@handles_account_errors
async def logout(request: Request) -> Response:
    accounts = accounts_of(request)
    principal = request.scope.get("mb.principal")
    if principal is not None and getattr(principal, "session_id", None):
        await run_in_threadpool(accounts.logout, principal)
    response: Response
    if is_form(request):
        body = await read_body(request)
        response = RedirectResponse(safe_next(body.get("next"), "/"), 303)
    else:
        response = JSONResponse({"ok": True})
    cookie = clear_session_cookie(secure=secure_flag(request))
    response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return response


@handles_account_errors
async def me(request: Request) -> Response:
    principal = require_principal(request)
    return JSONResponse(await run_in_threadpool(accounts_of(request).me, principal))


@handles_account_errors
async def register(request: Request) -> Response:
    accounts = accounts_of(request)
    form = is_form(request)
    body = await read_body(request)
    tenant = text(body, "tenant")
    ip, agent = client(request)
    try:
        result = await run_in_threadpool(
            accounts.register,
            tenant,
            text(body, "username"),
            text(body, "password"),
            email=text(body, "email", required=False) or None,
            display_name=text(body, "displayName", required=False) or None,
            ip=ip,
            user_agent=agent,
        )
    except AccountError as exc:
        if not form:
            raise
        return back_to_form(tenant, "register", exc.code, body)
    return await signed_in(request, accounts, result, tenant, body, form=form, status=201)


@handles_account_errors
async def change_password(request: Request) -> Response:
    accounts = accounts_of(request)
    principal = require_principal(request)
    if principal.method != "session":
        raise ApiError(403, "Passwords are changed from a signed-in browser session.")
    body = await read_body(request)
    ip, agent = client(request)
    issued = await run_in_threadpool(
        accounts.change_password,
        principal,
        text(body, "currentPassword"),
        text(body, "newPassword"),
        ip=ip,
        user_agent=agent,
    )
    response = JSONResponse({"ok": True, "sessionsRevoked": True})
    return with_session(response, request, issued.token, issued.expires_at, accounts.clock())


@handles_account_errors
async def request_reset(request: Request) -> Response:
    body = await read_body(request)
    await run_in_threadpool(
        accounts_of(request).request_reset, text(body, "tenant"), text(body, "login")
    )
    message = "If the account exists, a reset token has been sent."
    return JSONResponse({"ok": True, "message": message}, status_code=202)


@handles_account_errors
async def confirm_reset(request: Request) -> Response:
    body = await read_body(request)
    await run_in_threadpool(
        accounts_of(request).confirm_reset, text(body, "token"), text(body, "newPassword")
    )
    return JSONResponse({"ok": True})


@handles_account_errors
async def list_sessions(request: Request) -> Response:
    principal = require_principal(request)
    rows = await run_in_threadpool(accounts_of(request).list_sessions, principal)
    return JSONResponse({"sessions": [session_json(r) for r in rows]})


@handles_account_errors
async def revoke_session(request: Request) -> Response:
    principal = require_principal(request)
    session_id = request.path_params["session_id"]
    await run_in_threadpool(accounts_of(request).revoke_session, principal, session_id)
    response = JSONResponse({"ok": True})
    if session_id == principal.session_id:
        cookie = clear_session_cookie(secure=secure_flag(request))
        response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return response


@handles_account_errors
async def list_tokens(request: Request) -> Response:
    principal = require_principal(request)
    rows = await run_in_threadpool(accounts_of(request).list_api_tokens, principal)
    return JSONResponse({"tokens": [token_json(r) for r in rows]})


@handles_account_errors
async def create_token(request: Request) -> Response:
    principal = require_principal(request)
    body = await read_body(request)
    token, row = await run_in_threadpool(
        lambda: accounts_of(request).create_api_token(
            principal,
            text(body, "name"),
            max_level=body.get("maxLevel"),
            expires_in_days=body.get("expiresInDays"),
        )
    )
    return JSONResponse({"token": token, **token_json(row)}, status_code=201)


@handles_account_errors
async def revoke_token(request: Request) -> Response:
    principal = require_principal(request)
    token_id = request.path_params["token_id"]
    await run_in_threadpool(accounts_of(request).revoke_api_token, principal, token_id)
    return JSONResponse({"ok": True})


@handles_account_errors
async def set_membership(request: Request) -> Response:
    """Set a member's role in a tenant (admin+, by the level rules of engine.accounts.levels)."""
    principal = require_principal(request)
    body = await read_body(request)
    level = role_level(body.get("role") or "")
    row = await run_in_threadpool(
        lambda: accounts_of(request).set_level(
            text(body, "tenant"), text(body, "username"), level, actor=principal
        )
    )
    return JSONResponse(row)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def session_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "createdAt": iso(row["created_at"]),
        "lastSeenAt": iso(row["last_seen_at"]),
        "expiresAt": iso(row["expires_at"]),
        "ipAddress": row["ip_address"],
        "userAgent": row["user_agent"],
        "current": row["current"],
    }


def token_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "maxLevel": row["max_level"],
        "createdAt": iso(row["created_at"]),
        "expiresAt": iso(row["expires_at"]),
        "lastUsedAt": iso(row["last_used_at"]),
        "revokedAt": iso(row["revoked_at"]),
    }


def routes() -> list[Route]:
    base = "/api/v1/auth"
    return [
        Route(f"{base}/login", login, methods=["POST"]),
        Route(f"{base}/logout", logout, methods=["POST"]),
        Route(f"{base}/me", me, methods=["GET"]),
        Route(f"{base}/register", register, methods=["POST"]),
        Route(f"{base}/password", change_password, methods=["POST"]),
        Route(f"{base}/password-reset/request", request_reset, methods=["POST"]),
        Route(f"{base}/password-reset/confirm", confirm_reset, methods=["POST"]),
        Route(f"{base}/sessions", list_sessions, methods=["GET"]),
        Route(f"{base}/sessions/{{session_id}}", revoke_session, methods=["DELETE"]),
        Route(f"{base}/tokens", list_tokens, methods=["GET"]),
        Route(f"{base}/tokens", create_token, methods=["POST"]),
        Route(f"{base}/tokens/{{token_id}}", revoke_token, methods=["DELETE"]),
        Route(f"{base}/memberships", set_membership, methods=["PUT"]),
    ]
