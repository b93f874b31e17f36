"""CSRF protection for state-changing requests from browsers (double-submit token).

Every page response carries an `mb_csrf` cookie (HttpOnly, SameSite=Lax) and the same token in
`<meta name="mb-csrf">`; the client runtime echoes it in `X-CSRF-Token`, and plain HTML forms in
a `csrf_token` field. A POST/PUT/PATCH/DELETE is refused with 403 when:
- it is cross-site (`Sec-Fetch-Site: cross-site`, or an `Origin` whose host is not ours), or
- it carries cookies (so it could ride on a session) but not the matching token.
Clients that authenticate with `Authorization: Bearer` carry no ambient credential and are
exempt; so is a cookie-less request without an Origin (a script or CLI, not a browser).
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import error_response

COOKIE = "mb_csrf"
HEADER = "x-csrf-token"
FORM_FIELD = "csrf_token"
SCOPE_KEY = "mb.csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_PEEK = 64 * 1024


def csrf_token(scope: Scope) -> str:
    token = scope.get(SCOPE_KEY)
    return token if isinstance(token, str) else ""


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, secure_cookie: bool = False) -> None:
        self.app = app
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie_token = _cookie(headers, COOKIE)
        token = cookie_token or secrets.token_urlsafe(32)
        scope[SCOPE_KEY] = token

        if scope["method"] not in SAFE_METHODS:
            receive, refusal = await self._check(scope, receive, headers, cookie_token)
            if refusal is not None:
                await error_response(403, refusal, code="CSRF_FAILED")(scope, receive, send)
                return

        if cookie_token:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                flags = "; HttpOnly; SameSite=Lax; Path=/"
                if self.secure_cookie or scope.get("scheme") == "https":
                    flags += "; Secure"
                raw = list(message.get("headers", []))
                raw.append((b"set-cookie", f"{COOKIE}={token}{flags}".encode("latin-1")))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _check(
        self, scope: Scope, receive: Receive, headers: Headers, cookie_token: str | None
    ) -> tuple[Receive, str | None]:
        if headers.get("authorization", "").lower().startswith("bearer "):
            return receive, None
        if headers.get("sec-fetch-site") == "cross-site":
            return receive, "cross-site request refused"
        origin = headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != headers.get("host"):
            return receive, "cross-origin request refused"
        if origin == "null":
            return receive, "request from an opaque origin refused"
        if not headers.get("cookie") and not origin:
            return receive, None
        sent = headers.get(HEADER)
        if sent is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            receive, sent = await _form_token(receive)
        if not cookie_token or not sent or not hmac.compare_digest(sent, cookie_token):
            return receive, "missing or wrong CSRF token"
        return receive, None


def _cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header simply has no token
        return None
    morsel = jar.get(name)
    return morsel.value if morsel and morsel.value else None


async def _form_token(receive: Receive) -> tuple[Receive, str | None]:
    """Read a urlencoded body to find the token, then replay it to the app."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        body = message.get("body", b"")
        chunks.append(body)
        size += len(body)
        more = message.get("more_body", False)
        if size > MAX_FORM_PEEK:
            break
    data = b"".join(chunks)
    values = parse_qs(data.decode("latin-1")).get(FORM_FIELD)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": data, "more_body": more}
        return await receive()

    return replay, values[0] if values else None
