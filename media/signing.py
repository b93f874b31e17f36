"""Short-lived signed URLs for private media: HMAC-SHA256 over (path, expiry).

    url = sign_path("/media/t1/a1/hls/master.m3u8", key, ttl_s=300)
    verify_path(path, query_params, key)  # raises SignatureInvalid / SignatureExpired

The signature covers a path prefix (the asset's folder, by default the path's directory), so
one signed master playlist also authorizes its variant playlists and segments, which players
fetch by relative URL without the query string being re-signed per file. The key is the
deployment's METABUILDER_SECRET_KEY, passed in by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from posixpath import dirname
from urllib.parse import urlencode

from media.errors import MediaError


class SignatureInvalid(MediaError):
    code = "MEDIA_SIGNATURE_INVALID"


class SignatureExpired(SignatureInvalid):
    code = "MEDIA_SIGNATURE_EXPIRED"


def _mac(key: bytes, scope: str, expires: int) -> str:
    message = f"{scope}\n{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_path(
    path: str, key: bytes, *, ttl_s: int = 300, scope: str | None = None, now: float | None = None
) -> str:
    """`path?exp=..&scope=..&sig=..`; `scope` must be a prefix of `path` (default: its folder)."""
    scope = scope if scope is not None else dirname(path).rstrip("/") + "/"
    if not path.startswith(scope):
        raise SignatureInvalid("the signed scope must contain the path")
    expires = int((time.time() if now is None else now) + ttl_s)
    query = urlencode({"exp": expires, "scope": scope, "sig": _mac(key, scope, expires)})
    return f"{path}?{query}"


def verify_path(
    path: str, params: Mapping[str, str], key: bytes, *, now: float | None = None
) -> None:
    try:
        expires = int(params["exp"])
        scope = params["scope"]
        signature = params["sig"]
    except (KeyError, ValueError):
        raise SignatureInvalid("the URL is not signed") from None
    if not scope.endswith("/") or not path.startswith(scope) or "/../" in f"{path}/":
        raise SignatureInvalid("the signature does not cover this path")
    if not hmac.compare_digest(signature, _mac(key, scope, expires)):
        raise SignatureInvalid("the signature does not match")
    if (time.time() if now is None else now) > expires:
        raise SignatureExpired("the signed URL has expired")
