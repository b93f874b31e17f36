"""Import and export of an entity's rows: CSV, JSON and NDJSON, streamed both ways.

    GET  .../{entity}/_export?format=csv|json|ndjson [&filter..&sort=..&fields=..]
    POST .../{entity}/_import?format=csv|json|ndjson [&dry_run=true] [&mode=all|skip]

Export pages through the rows with keyset cursors (`PAGE` rows a query) and streams them
as they come, so memory stays flat whatever the size; the first page is read before the
answer starts, so a bad filter or a refused read is still a clean 4xx. Without `format` the
`Accept` header decides (text/csv, application/x-ndjson), else JSON (an array).

Import reads the body incrementally (CSV and NDJSON; a JSON array is parsed whole and is
meant for small sets), converts and validates every record against the entity schema, and
inserts in batches inside ONE transaction of at most `MAX_IMPORT_ROWS` records:

* `mode=all` (default): any bad record -> nothing is written, 422 with the report;
* `mode=skip`: bad records are left out and reported, the others are written;
* `dry_run=true`: the whole import runs, including the inserts (so unique and foreign-key
  violations show up), and is then rolled back; the answer is the report.

Batches go in under a savepoint; when the database refuses one, its rows are retried one by
one, each under its own savepoint, so a duplicate unique value or a dangling foreign key is
reported on its row like any other error (`field` is null for those).

The report is `{"dry_run", "mode", "total", "valid", "created", "errors": [{"row", "field",
"error"}], "errors_truncated"}` where `row` is the 1-based number of the record in the file
(the CSV header is not counted).

`id` is kept; `created_at`/`updated_at` are ignored on import (the rows are new, so they get
new timestamps). A null in a field that is not nullable and not required counts as "not
given" (that is how such a field exports when it was never set).

CSV conventions: the header names fields. An empty cell is null (CSV cannot tell an empty
string from a missing value; use NDJSON for exact empty strings).
Booleans are `true`/`false`, date-times ISO 8601, JSON fields JSON text. String cells that a
spreadsheet would run as a formula (starting with = + - @ tab or CR) are written with a
leading `'`, as are cells that already start with one; import removes exactly one leading
`'`, so the round trip is exact. Large imports run synchronously in the request; running them
as a workflow with progress is not built yet.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.from_thread
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from dbal.entities import Entities
from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import DataError, FieldError, ValidationError
from dbal.query import access
from dbal.types import Row
from web.api.entity_http import JSONBody, api_endpoint, read_body
from web.api.entity_query import INTEGER, boolean, parse_list
from web.api.entity_target import Target, notify, resolve
from web.errors import ApiError
from web.identity import current_identity
from web.services import services

PAGE = 1000
BATCH = 500
MAX_IMPORT_ROWS = 100_000
MAX_JSON_IMPORT = 16 * 1024 * 1024
MAX_LINE = 4 * 1024 * 1024
MAX_ERRORS = 1000
FORMULA = tuple("=+-@\t\r'")
MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json",
         "ndjson": "application/x-ndjson"}  # fmt: skip
Rows = list[Row]
IGNORED_ON_IMPORT = frozenset({"created_at", "updated_at"})


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


def text_cell(spec: FieldSpec | None, value: Any) -> str:
    if value is None:
        return ""
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
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def header(self) -> bytes:
        self.writer.writerow(self.columns)
        return self._take()

    def rows(self, rows: list[dict[str, Any]]) -> bytes:
        for row in rows:
            self.writer.writerow(
                [text_cell(s, row.get(c)) for s, c in zip(self.specs, self.columns, strict=True)]
            )
        return self._take()

    def _take(self) -> bytes:
        out = self.buffer.getvalue().encode()
        self.buffer.seek(0)
        self.buffer.truncate()
        return out


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


class ImportAborted(Exception):
    """Raised inside the import transaction to roll it back (dry run, or `mode=all` errors)."""


@dataclass
class Report:
    dry_run: bool
    mode: str
    total: int = 0
    valid: int = 0
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_truncated: bool = False

    def error(self, row: int | None, field_name: str | None, error: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.errors_truncated = True
            return
        self.errors.append({"row": row, "field": field_name, "error": error})

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run, "mode": self.mode, "total": self.total,
            "valid": self.valid, "created": self.created, "errors": self.errors,
            "errors_truncated": self.errors_truncated,
        }  # fmt: skip


def typed_cell(spec: FieldSpec, text: str) -> Any:
    """A CSV cell as the field's value; ValueError with a message when it does not convert."""
    kind = spec.kind
    if kind == "integer":
        if not INTEGER.match(text):
            raise ValueError("must be an integer")
        return int(text)
    if kind == "number":
        number = float(text)
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        return number
    if kind == "boolean":
        try:
            return boolean(spec.name, text)
        except ValidationError:
            raise ValueError("must be true or false") from None
    if kind == "json":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ValueError("must be JSON") from None
    if kind == "string" and text.startswith("'") and len(text) > 1:
        return text[1:]
    return text


def lines_of(next_chunk: Callable[[], bytes | None]) -> Iterator[str]:
    """Text lines (with their ends) from a byte stream, decoded as UTF-8 (a BOM is dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    while True:
        chunk = next_chunk()
        final = chunk is None
        try:
            pending += decoder.decode(chunk or b"", final=final)
        except UnicodeDecodeError:
            raise ApiError(400, "the body is not UTF-8 text") from None
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
        if len(pending) > MAX_LINE:
            raise ApiError(413, f"a line longer than {MAX_LINE} characters")
        if final:
            if pending:
                yield pending
            return


def csv_records(model: EntityModel, lines: Iterator[str]) -> Iterator[tuple[Any, list[FieldError]]]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ApiError(400, f"the CSV header cannot be read ({exc})") from None
    columns = [h.strip() for h in header]
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield None, [{"field": "", "error": f"not valid CSV ({str(exc)[:100]})"}]
            continue
        if cells == []:
            continue
        row: dict[str, Any] = {}
        errors: list[FieldError] = []
        if len(cells) != len(columns):
            errors.append({"field": "", "error": f"{len(cells)} cells, header has {len(columns)}"})
        for name, text in zip(columns, cells, strict=False):
            if name in IGNORED_ON_IMPORT:
                continue
            spec = model.fields.get(name)
            if spec is None or text == "":
                row[name] = None if spec is not None else text  # unknown: the validator says so
                continue
            try:
                row[name] = typed_cell(spec, text)
            except ValueError as exc:
                errors.append({"field": name, "error": str(exc)})
        yield row, errors


def ndjson_records(lines: Iterator[str]) -> Iterator[tuple[Any, list[FieldError]]]:
    for line in lines:
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield None, [{"field": "", "error": "not a JSON object"}]
            continue
        yield record, []


def json_records(raw: bytes) -> Iterator[tuple[Any, list[FieldError]]]:
    try:
        records = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "the body is not a JSON array") from None
    if not isinstance(records, list):
        raise ApiError(400, "the body is not a JSON array")
    for record in records:
        yield record, []


def as_new_row(model: EntityModel, record: Any) -> Any:
    """A record as a row to create: timestamps dropped, and a null in a non-nullable optional
    field read as "not given" (that is how such a field that was never set exports)."""
    if not isinstance(record, dict):
        return record
    out = {}
    for key, value in record.items():
        spec = model.fields.get(key) if isinstance(key, str) else None
        if key in IGNORED_ON_IMPORT:
            continue
        if value is None and spec is not None and not spec.nullable and not spec.required:
            continue
        out[key] = value
    return out


def insert(tx: Entities, target: Target, batch: list[tuple[int, Any]], report: Report) -> Rows:
    """Insert a batch under a savepoint; when the database refuses it (a duplicate unique
    value, a dangling foreign key), insert its rows one by one to report exactly which."""
    try:
        with tx.savepoint():
            return tx.create_many(target.name, [record for _, record in batch])
    except DataError:
        pass
    created: Rows = []
    for number, record in batch:
        try:
            with tx.savepoint():
                created.append(tx.create(target.name, record))
        except DataError as exc:
            report.valid -= 1
            report.error(number, None, exc.message)
    return created


def run_import(
    target: Target, records: Iterator[tuple[Any, list[FieldError]]], report: Report
) -> Rows:
    """Validate and insert in one transaction; returns the rows created (none if rolled back)."""
    model = target.model
    validator = target.bound.validator
    access(model, target.scope, "create")
    created: Rows = []
    batch: list[tuple[int, Any]] = []
    try:
        with target.where.db.transaction(target.scope, package=target.package) as tx:
            for number, (record, problems) in enumerate(records, start=1):
                report.total = number
                if number > MAX_IMPORT_ROWS:
                    raise ApiError(413, f"more than {MAX_IMPORT_ROWS} records in one import")
                record = as_new_row(model, record)
                if not problems:
                    if isinstance(record, dict) and str(record.get("id", "")).startswith("_"):
                        problems = [{"field": "id", "error": "must not begin with '_'"}]
                    else:
                        try:
                            validator.validate_create(record)
                        except ValidationError as exc:
                            problems = exc.fields or [{"field": "", "error": exc.message}]
                if problems:
                    for p in problems:
                        report.error(number, p["field"] or None, p["error"])
                    continue
                report.valid += 1
                batch.append((number, record))
                if len(batch) >= BATCH:
                    created.extend(insert(tx, target, batch, report))
                    batch = []
            created.extend(insert(tx, target, batch, report) if batch else [])
            if report.dry_run or (report.errors and report.mode == "all"):
                raise ImportAborted
    except ImportAborted:
        return []
    report.created = len(created)
    return created


@api_endpoint
async def import_rows(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    params = request.query_params
    fmt = negotiate(request, params)
    unknown = sorted(set(params) - {"format", "dry_run", "mode"})
    if unknown:
        raise ValidationError.for_field(unknown[0][:64], "unknown query parameter")
    mode = params.get("mode", "all")
    if mode not in ("all", "skip"):
        raise ValidationError.for_field("mode", "all or skip")
    report = Report(dry_run=boolean("dry_run", params.get("dry_run", "false")), mode=mode)
    stream = request.stream().__aiter__()
    raw = b""
    if fmt == "json":
        raw = await read_body(request, MAX_JSON_IMPORT)

    async def pull() -> bytes:
        return await stream.__anext__()

    def next_chunk() -> bytes | None:
        try:
            return anyio.from_thread.run(pull)
        except StopAsyncIteration:
            return None

    def work() -> tuple[Target, list[dict[str, Any]]]:
        target = resolve(db, identity, request.path_params)
        if fmt == "json":
            records = json_records(raw)
        elif fmt == "ndjson":
            records = ndjson_records(lines_of(next_chunk))
        else:
            records = csv_records(target.model, lines_of(next_chunk))
        return target, run_import(target, records, report)

    target, created = await run_in_threadpool(work)
    await notify(request, target, "create", created)
    if report.errors and report.mode == "all" and not report.dry_run:
        raise ApiError(422, "the import has bad records; nothing was written",
                       details=report.as_json())  # fmt: skip
    return JSONBody(report.as_json())
