"""`GET /static/media/{name}.js`: the media center's browser code, bundled by our esbuild
compiler (`engine.compiler`) the first time a process is asked for it.

The client runtime stays small (ARCHITECTURE 7): `web/client/media.ts` in it only loads
`media-ui.js` on media pages, and the player loads `media-hls.js` (hls.js from the npm
registry, pinned in tools/esbuild/package.json) when it plays. Each bundle is compiled once
per process, minified, and served with a content hash as its ETag.
"""

from __future__ import annotations

import asyncio
import hashlib

import anyio
from starlette.requests import Request
from starlette.responses import Response

from engine.compiler import CompilerError
from engine.compiler.client import CLIENT_SOURCE_DIR
from engine.compiler.esbuild import compile as compile_ts
from web.errors import ApiError

BUNDLES = ("media-ui", "media-hls")
_built: dict[str, tuple[bytes, str]] = {}
_lock = asyncio.Lock()


def _compile(name: str) -> tuple[bytes, str]:
    result = compile_ts(CLIENT_SOURCE_DIR / f"{name}.ts", bundle=True, minify=True)
    code = result.code.encode()
    return code, '"' + hashlib.sha256(code).hexdigest()[:32] + '"'


async def media_bundle(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in BUNDLES:
        raise ApiError(404, "no such script")
    async with _lock:
        if name not in _built:
            try:
                _built[name] = await anyio.to_thread.run_sync(_compile, name)
            except CompilerError as exc:
                raise ApiError(503, f"the {name} bundle cannot be built here ({exc})") from exc
    code, etag = _built[name]
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(code, media_type="text/javascript", headers=headers)
