"""Import and export of an entity's rows over HTTP: CSV, JSON and NDJSON, streamed both ways.

    GET  .../{entity}/_export?format=csv|json|ndjson [&filter..&sort=..&fields=..]
    POST .../{entity}/_import?format=csv|json|ndjson [&dry_run=true] [&mode=all|skip]
    POST .../{entity}/_import?...&background=true   -> 202, the import runs as a workflow
    GET  .../{entity}/_imports/{run}                 its progress, then its report

Export pages through the rows with keyset cursors (`PAGE` rows a query) and streams them
as they come, so memory stays flat whatever the size; the first page is read before the
answer starts, so a bad filter or a refused read is still a clean 4xx. Without `format` the
`Accept` header decides (text/csv, application/x-ndjson), else JSON (an array). CSV
(`dbal.csv_codec`) writes null as an empty unquoted cell and the empty string as `""`, and
import reads them back so. String cells that a spreadsheet would run as a formula
(starting with = + - @ tab or CR) are written with a leading `'`, as are cells that already
start with one; import removes exactly one, so the round trip is exact.

Import reads the body incrementally (CSV and NDJSON; a JSON array is parsed whole and is
meant for small sets) and runs `dbal.entity_import` in one transaction: the report is
`{"dry_run", "mode", "total", "valid", "created", "errors": [{"row", "field", "error"}],
"errors_truncated"}`; `mode=all` with bad records answers 422 with the report and writes
nothing. `background=true` stores the body in the data directory and starts an
EntityImport workflow (`engine/workflows/entity_import.py`); the answer is 202 with the
run's id, whose progress (records read so far) and final report `GET .../_imports/{run}`
shows, as does the run in Temporal UI.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import anyio.from_thread
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from dbal import entity_import
from dbal.csv_codec import encode_record
from dbal.entities import Entities
from dbal.entity_import import Report, records
from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import ValidationError
from web.api import entity_import_runs
from web.api.entity_http import JSONBody, api_endpoint
from web.api.entity_query import boolean, parse_list
from web.api.entity_target import Target, notify, resolve
from web.errors import ApiError
from web.identity import current_identity
from web.services import services

PAGE = 1000
FORMULA = tuple("=+-@\t\r'")
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
         "ndjson": "application/x-ndjson"}  # fmt: skip


def negotiate(request: Request, params: QueryParams) -> str:
    wanted = params.get("format")
    if wanted is None:
        accept = request.headers.get("accept", "") if request.method == "GET" else ""
        kind = request.headers.get("content-type", "") if request.method == "POST" else accept
        wanted = "csv" if "text/csv" in kind else "ndjson" if "ndjson" in kind else "json"
    if wanted not in MEDIA:
        raise ValidationError.for_field("format", "csv, json or ndjson")
    return wanted


# -- export -----------------------------------------------------------------------------------


def text_cell(spec: FieldSpec | None, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if spec is not None and spec.kind == "string" and text.startswith(FORMULA):
        return "'" + text
    return text


class CsvRows:
    def __init__(self, model: EntityModel, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.specs = [model.fields.get(c) for c in columns]

    def header(self) -> bytes:
        return encode_record(self.columns).encode()

    def rows(self, rows: list[dict[str, Any]]) -> bytes:
        pairs = list(zip(self.specs, self.columns, strict=True))
        return "".join(
            encode_record([text_cell(s, row.get(c)) for s, c in pairs]) for row in rows
        ).encode()


@api_endpoint
async def export_rows(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    params = QueryParams([(k, v) for k, v in request.query_params.multi_items() if k != "format"])
    fmt = negotiate(request, request.query_params)

    def first() -> tuple[Target, Entities, Any, dict[str, Any]]:
        target = resolve(db, identity, request.path_params)
        query = parse_list(target.model, params)
        if query.q or query.cursor or query.offset is not None or query.include or query.total:
            raise ValidationError.for_field("export", "takes filter, sort and fields only")
        ents = target.entities()
        page = ents.list(target.name, filter=query.filter, sort=query.sort, limit=PAGE)
        return target, ents, query, dict(page)

    target, ents, query, page = await run_in_threadpool(first)
    columns = query.fields or target.model.visible

    def more(cursor: str) -> dict[str, Any]:
        return dict(
            ents.list(target.name, filter=query.filter, sort=query.sort, limit=PAGE, cursor=cursor)
        )

    async def body() -> AsyncIterator[bytes]:
        current = page
        encoder = CsvRows(target.model, columns) if fmt == "csv" else None
        if encoder is not None:
            yield encoder.header()
        elif fmt == "json":
            yield b"["
        started = False
        while True:
            rows = [{c: r.get(c) for c in columns} for r in current["items"]]
            if encoder is not None:
                yield encoder.rows(rows)
            elif fmt == "ndjson":
                yield b"".join(orjson.dumps(r) + b"\n" for r in rows)
            elif rows:
                chunk = b",".join(orjson.dumps(r) for r in rows)
                yield (b"," if started else b"") + chunk
                started = True
            if current["next_cursor"] is None:
                break
            current = await run_in_threadpool(more, current["next_cursor"])
        if fmt == "json":
            yield b"]"

    filename = f"{target.name}.{fmt}"
    return StreamingResponse(
        body(),
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- import -----------------------------------------------------------------------------------


@api_endpoint
async def import_rows(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    params = request.query_params
    fmt = negotiate(request, params)
    unknown = sorted(set(params) - {"format", "dry_run", "mode", "background"})
    if unknown:
        raise ValidationError.for_field(unknown[0][:64], "unknown query parameter")
    mode = params.get("mode", "all")
    if mode not in ("all", "skip"):
        raise ValidationError.for_field("mode", "all or skip")
    report = Report(dry_run=boolean("dry_run", params.get("dry_run", "false")), mode=mode)
    if boolean("background", params.get("background", "false")):
        return await entity_import_runs.start(request, fmt, mode, report.dry_run)
    stream = request.stream().__aiter__()

    async def pull() -> bytes:
        return await stream.__anext__()

    def next_chunk() -> bytes | None:
        try:
            return anyio.from_thread.run(pull)
        except StopAsyncIteration:
            return None

    def work() -> tuple[Target, list[dict[str, Any]]]:
        target = resolve(db, identity, request.path_params)
        reader = records(fmt, iter(next_chunk, None))
        created = entity_import.import_rows(
            db, target.scope, target.package, target.name, reader, report
        )
        return target, created

    target, created = await run_in_threadpool(work)
    await notify(request, target, "create", created)
    if report.errors and report.mode == "all" and not report.dry_run:
        raise ApiError(422, "the import has bad records; nothing was written",
                       details=report.as_json())  # fmt: skip
    return JSONBody(report.as_json())
