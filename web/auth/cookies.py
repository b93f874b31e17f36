"""The session cookie: `mb_session`, HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS."""

from __future__ import annotations

from datetime import datetime
from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.types import Scope

SESSION_COOKIE = "mb_session"


def read_cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header carries no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel and morsel.value else None


def is_secure(scope: Scope, force: bool = False) -> bool:
    return force or scope.get("scheme") in ("https", "wss")


def session_cookie(token: str, expires_at: datetime, now: datetime, *, secure: bool) -> str:
    max_age = max(0, int((expires_at - now).total_seconds()))
    value = f"{SESSION_COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax"
    return value + "; Secure" if secure else value


def clear_session_cookie(*, secure: bool) -> str:
    value = f"{SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    return value + "; Secure" if secure else value
