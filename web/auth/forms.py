"""Sign-in, registration and sign-out pages posting back to themselves (no JavaScript needed).

`POST /{tenant}/login`, `/{tenant}/register`, `/{tenant}/logout` take the urlencoded forms of
the `ui_login` and `ui_auth` pages (CSRF field included). Success answers 303 to `next` (a
same-origin path) with the session cookie; a failure renders the same page again with the
reason in `params.error` and the status that fits (401, 403, 409, 422, 429), so the visitor
keeps what they typed (never the password).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine.accounts.errors import AccountError, AccountLocked
from web import pages
from web.auth.cookies import SESSION_COOKIE, clear_session_cookie
from web.auth.endpoints import accounts_of, client, read_body, safe_next, secure_flag, with_session
from web.auth.middleware import principal_of
from web.identity import current_identity
from web.services import services
from web.tenancy import find_tenant


def home(slug: str) -> str:
    return f"/{quote(slug)}"


def next_of(request: Request, form: dict[str, str], slug: str) -> str:
    return safe_next(form.get("next") or request.query_params.get("next"), home(slug))


async def again(
    request: Request, slug: str, path: str, status: int, params: dict[str, str]
) -> Response:
    """The page at `path` rendered anew with `params` (error, next, typed values)."""
    svc = services(request)
    tenant = await find_tenant(request, slug)
    if tenant is None:
        return pages.system_page(request, slug, 404, "Not found", [f"There is no tenant {slug!r}."])
    route = await run_in_threadpool(pages.find_route, svc, tenant["id"], path)
    if route is None:
        lines = [params.get("error", "The request failed.")]
        return pages.system_page(request, slug, status, "Not available", lines)
    route = replace(route, params={**route.params, **params})
    response = await pages.render_route(request, svc, tenant, route, current_identity(request))
    response.status_code = status
    return response


def message(exc: AccountError) -> str:
    if isinstance(exc, AccountLocked):
        return exc.message
    if exc.details and isinstance(exc.details, dict) and exc.details.get("problems"):
        return " ".join(str(p) for p in exc.details["problems"])
    return exc.message


async def login_form(request: Request) -> Response:
    slug = request.path_params["tenant"]
    form = {k: str(v) for k, v in (await read_body(request)).items()}
    nxt = next_of(request, form, slug)
    ip, agent = client(request)
    accounts = accounts_of(request)
    try:
        result = await run_in_threadpool(
            lambda: accounts.login(
                slug,
                form.get("username", ""),
                form.get("password", ""),
                ip=ip,
                user_agent=agent,
                replacing_token=request.cookies.get(SESSION_COOKIE),
            )
        )
    except AccountError as exc:
        params = {"error": message(exc), "next": nxt, "username": form.get("username", "")}
        response = await again(request, slug, "/login", exc.http_status, params)
        if isinstance(exc, AccountLocked):
            response.headers["retry-after"] = str(exc.retry_after_s)
        return response
    redirect = RedirectResponse(nxt, 303)
    return with_session(
        redirect, request, result.session.token, result.session.expires_at, accounts.clock()
    )


async def register_form(request: Request) -> Response:
    slug = request.path_params["tenant"]
    form = {k: str(v) for k, v in (await read_body(request)).items()}
    nxt = next_of(request, form, slug)
    ip, agent = client(request)
    accounts = accounts_of(request)
    try:
        result = await run_in_threadpool(
            lambda: accounts.register(
                slug,
                form.get("username", ""),
                form.get("password", ""),
                email=form.get("email") or None,
                ip=ip,
                user_agent=agent,
            )
        )
    except AccountError as exc:
        params = {
            "error": message(exc),
            "next": nxt,
            "username": form.get("username", ""),
            "email": form.get("email", ""),
        }
        return await again(request, slug, "/register", exc.http_status, params)
    redirect = RedirectResponse(nxt, 303)
    return with_session(
        redirect, request, result.session.token, result.session.expires_at, accounts.clock()
    )


async def logout_form(request: Request) -> Response:
    slug = request.path_params["tenant"]
    form = {k: str(v) for k, v in (await read_body(request)).items()}
    principal = principal_of(request.scope)
    if principal is not None and principal.session_id:
        await run_in_threadpool(accounts_of(request).logout, principal)
    response = RedirectResponse(safe_next(form.get("next"), home(slug)), 303)
    cookie = clear_session_cookie(secure=secure_flag(request))
    response.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))
    return response


def routes() -> list[Route]:
    return [
        Route("/{tenant}/login", login_form, methods=["POST"]),
        Route("/{tenant}/register", register_form, methods=["POST"]),
        Route("/{tenant}/logout", logout_form, methods=["POST"]),
    ]
