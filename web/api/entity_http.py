"""HTTP plumbing of the entity API: JSON in and out, data errors as API errors, ETags.

Bodies are parsed with orjson, which refuses what the database could not store either (lone
surrogates, integers beyond 64 bits) with a 400 instead of a failure deep in a driver.
`DataError`s of the DBAL become the section 5 error bodies with their own status (422 with
`details.fields` for validation). ETags are weak validators built from the row's
`updated_at` (a version, not a byte-for-byte representation: field selection changes the
bytes, not the version); `If-Match` carries them back and becomes a condition on
`updated_at` inside the UPDATE/DELETE itself, so a concurrent writer cannot slip in between.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from dbal.errors import DataError, ValidationError
from web.errors import ApiError, error_response

log = logging.getLogger("metabuilder.web.entities")

MAX_BODY = 4 * 1024 * 1024
ETAG_VALUE = re.compile(r'^(?:W/)?"([0-9a-f]{1,16})"$')
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Handler = Callable[[Request], Awaitable[Response]]


class JSONBody(Response):
    """A JSON response encoded by orjson (datetimes as RFC 3339, UTF-8, compact)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def api_endpoint(handler: Handler) -> Handler:
    """Answer DBAL errors in the section 5 shape; anything else goes to the app's handlers."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except DataError as exc:
            if exc.http_status >= 500:
                log.error("data error on %s %s: %s", request.method, request.url.path, exc)
            return error_response(exc.http_status, exc.message, code=exc.code, details=exc.details)

    return wrapped


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    raw = await read_body(request, limit)
    if not raw.strip():
        raise ApiError(400, "a JSON body is required")
    return parse_json(raw)


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the request body is not valid JSON ({str(exc)[:120]})") from None


async def read_object(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    body = await read_json(request, limit)
    if not isinstance(body, dict):
        raise ValidationError.for_field("body", "must be a JSON object")
    return body


def etag(row: dict[str, Any]) -> str | None:
    updated = row.get("updated_at")
    if not isinstance(updated, datetime):
        return None
    micros = (updated - EPOCH) // _MICROSECOND
    return f'W/"{micros:x}"'


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - EPOCH


def precondition(header: str | None) -> list[datetime] | None:
    """The `updated_at` values an `If-Match` header accepts; None when it sets no condition
    (absent, or `*`). Tags that are not ours match nothing (an empty list: 412)."""
    if header is None or header.strip() == "*":
        return None
    versions: list[datetime] = []
    for part in header.split(",")[:16]:
        match = ETAG_VALUE.match(part.strip())
        if match is not None:
            versions.append(EPOCH + _MICROSECOND * int(match.group(1), 16))
    return versions


def precondition_failed() -> ApiError:
    return ApiError(
        412,
        "the record changed since you read it (If-Match does not match its ETag)",
        code="PRECONDITION_FAILED",
    )


def not_modified(request: Request, tag: str | None) -> bool:
    wanted = request.headers.get("if-none-match")
    if wanted is None or tag is None:
        return False
    return wanted.strip() == "*" or tag in [t.strip() for t in wanted.split(",")]
