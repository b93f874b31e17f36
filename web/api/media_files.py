"""Serving media files: `GET /api/v1/{tenant}/media/files/{asset_id}/{path}` with byte ranges.

A request is let through when either
- its URL carries a valid, unexpired signature (`media.signing`) whose scope is this asset's
  folder, as made by `signed_url` for the player (hls.js and `<video>` fetch without our
  headers), or
- the caller's own scope can read the asset row (owner, or admin of the tenant).

Anything else is a 404, whichever tenant or asset it names. Only the derived outputs and the
source are served; hidden files (`.part` uploads, `.done` markers) never are. A playlist
fetched through a signature is rewritten so every URI in it carries the same signature:
players request variants and segments by relative URL and would drop the query string.
"""

from __future__ import annotations

import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlencode

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from dbal.errors import NotFoundError
from dbal.scope import GOD, Scope
from media.errors import MediaError
from media.paths import MediaRoot
from media.ranges import RangeNotSatisfiable, content_range, parse_range
from media.signing import SignatureExpired, sign_path, verify_path
from web.api.media_access import ASSET, rows, signing_key
from web.errors import ApiError
from web.identity import current_identity
from web.services import WebServices, services
from web.tenancy import resolve_tenant

SIGNED_TTL_S = 300
CHUNK = 256 * 1024
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt",
}
SERVED_TOP = ("derived", "source")


def file_url(slug: str, asset_id: str, path: str) -> str:
    return f"/api/v1/{quote(slug)}/media/files/{quote(asset_id)}/{path}"


def signed_url(svc: WebServices, slug: str, asset_id: str, path: str) -> str:
    """A URL for `path` of the asset that works without a session for `SIGNED_TTL_S` seconds;
    the signature covers the whole asset folder (variants, segments, thumbnails)."""
    scope = file_url(slug, asset_id, "")
    return sign_path(
        file_url(slug, asset_id, path), signing_key(svc), ttl_s=SIGNED_TTL_S, scope=scope
    )


async def serve_file(request: Request) -> Response:
    svc = services(request)
    slug = request.path_params["tenant"]
    asset_id = request.path_params["asset_id"]
    rel = request.path_params["path"]
    tenant = await resolve_tenant(request, slug)
    signature = _signature(request)
    if signature is not None:
        try:
            verify_path(request.url.path, signature, signing_key(svc))
        except SignatureExpired as exc:
            raise ApiError(403, exc.message, code=exc.code) from exc
        except MediaError as exc:
            raise ApiError(404, "no such media file") from exc
        scope = Scope.system(tenant["id"])
    else:
        scope = _session_scope(request, tenant["id"])
    try:
        await run_in_threadpool(rows(svc, scope).read, ASSET, asset_id)
        path = _resolve(svc, tenant["id"], asset_id, rel)
    except (NotFoundError, MediaError) as exc:
        raise ApiError(404, "no such media file") from exc
    info = await anyio.to_thread.run_sync(_stat, path)
    if info is None:
        raise ApiError(404, "no such media file")
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
    headers = {"Cache-Control": "private, max-age=60", "Accept-Ranges": "bytes"}
    if path.suffix.lower() == ".m3u8":
        text = await anyio.Path(path).read_text()
        if signature is not None:
            text = sign_playlist(text, urlencode(signature))
        return Response(
            text, media_type=content_type, headers={**headers, "Cache-Control": "no-store"}
        )
    return _ranged(request, path, info.st_size, content_type, headers)


def sign_playlist(text: str, query: str) -> str:
    """Every URI line (and `URI="..."` attribute) of an M3U8 with `query` appended."""
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            line = f"{line}{'&' if '?' in line else '?'}{query}"
        elif 'URI="' in line:
            head, _, rest = line.partition('URI="')
            uri, _, tail = rest.partition('"')
            line = f'{head}URI="{uri}{"&" if "?" in uri else "?"}{query}"{tail}'
        out.append(line)
    return "\n".join(out) + "\n"


def _signature(request: Request) -> dict[str, str] | None:
    params = request.query_params
    if not any(k in params for k in ("sig", "exp", "scope")):
        return None
    return {k: params.get(k, "") for k in ("exp", "scope", "sig")}


def _session_scope(request: Request, tenant_id: str) -> Scope:
    identity = current_identity(request)
    if identity.user_id is None:
        raise ApiError(404, "no such media file")  # nothing to say to a stranger
    if identity.tenant_id != tenant_id and identity.level < GOD:
        raise ApiError(404, "no such media file")  # only god and supergod cross tenants
    return Scope.for_user(tenant_id, identity.user_id, identity.level)


def _resolve(svc: WebServices, tenant_id: str, asset_id: str, rel: str) -> Path:
    parts = PurePosixPath(rel).parts
    if not parts or parts[0] not in SERVED_TOP or any(p.startswith(".") for p in parts):
        raise MediaError("not a served media file")
    return MediaRoot(svc.settings.media_dir).resolve_for(tenant_id, f"{tenant_id}/{asset_id}/{rel}")


def _stat(path: Path) -> os.stat_result | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def _ranged(
    request: Request, path: Path, size: int, content_type: str, headers: dict[str, str]
) -> Response:
    try:
        wanted = parse_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    first, last = wanted if wanted is not None else (0, size - 1)
    length = max(0, last - first + 1)
    out = {**headers, "Content-Length": str(length)}
    status = 200
    if wanted is not None:
        status = 206
        out["Content-Range"] = content_range(first, last, size)
    if request.method == "HEAD":
        return Response(status_code=status, headers=out, media_type=content_type)
    return StreamingResponse(
        _read(path, first, length), status_code=status, headers=out, media_type=content_type
    )


async def _read(path: Path, first: int, length: int) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as fh:
        await fh.seek(first)
        left = length
        while left > 0:
            chunk = await fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
