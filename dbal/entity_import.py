"""Importing entity rows from CSV, JSON or NDJSON: parse, convert, validate and insert in one
transaction, with a report of every bad record. The REST API (`web/api/entity_io.py`) runs it
in the request; the EntityImport workflow (`worker/entity_import.py`) runs it for large files.

    report = Report(dry_run=False, mode="all")
    rows = import_rows(db, scope, "forum", "post", records("csv", model, chunks), report)

* `mode="all"`: any bad record -> nothing is written (the report says why);
* `mode="skip"`: bad records are left out and reported, the others are written;
* `dry_run=True`: the whole import runs, including the inserts (so unique and foreign-key
  violations show up), and is then rolled back.

Batches go in under a savepoint; when the database refuses one, its rows are retried one by
one, each under its own savepoint, so a duplicate unique value or a dangling foreign key is
reported on its row like any other error (`field` is null for those). `row` is the 1-based
number of the record in the file (the CSV header is not counted).

`id` is kept; `created_at`/`updated_at` are ignored (the rows are new, so they get new
timestamps). A null in a field that is not nullable and not required counts as "not given"
(that is how such a field exports when it was never set). CSV: the header names fields;
an empty unquoted cell is null and `""` the empty string (`dbal.csv_codec`; a quoted empty
cell in a field that is not text is null too); booleans are true/false (or 1/0), date-times
ISO 8601, JSON fields JSON text; exactly one leading `'` is removed from string cells (the
export's guard against spreadsheet formulas).
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from dbal.csv_codec import decode_records
from dbal.database import Database
from dbal.entities import Entities
from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import DataError, FieldError, ValidationError
from dbal.query import access
from dbal.scope import Scope
from dbal.types import Row

BATCH = 500
MAX_IMPORT_ROWS = 100_000
MAX_JSON_IMPORT = 16 * 1024 * 1024
MAX_LINE = 4 * 1024 * 1024
MAX_ERRORS = 1000
FORMATS = ("csv", "json", "ndjson")
IGNORED_ON_IMPORT = frozenset({"created_at", "updated_at"})
INTEGER = re.compile(r"^[+-]?\d{1,19}$")
Rows = list[Row]
Records = Iterator[tuple[Any, list[FieldError]]]


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
        lowered = text.strip().lower()
        if lowered in ("true", "1", "false", "0"):
            return lowered in ("true", "1")
        raise ValueError("must be true or false")
    if kind == "json":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ValueError("must be JSON") from None
    if kind == "string" and text.startswith("'") and len(text) > 1:
        return text[1:]
    return text


def lines_of(chunks: Iterable[bytes]) -> Iterator[str]:
    """Text lines (with their ends) from a byte stream, decoded as UTF-8 (a BOM is dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    for chunk in _with_end(chunks):
        final = chunk is None
        try:
            pending += decoder.decode(chunk or b"", final=final)
        except UnicodeDecodeError:
            raise ValidationError.for_field("body", "not UTF-8 text") from None
        *complete, pending = pending.split("\n")
        yield from (line + "\n" for line in complete)
        if len(pending) > MAX_LINE:
            raise ValidationError.for_field("body", f"a line longer than {MAX_LINE} characters")
    if pending:
        yield pending


def csv_records(model: EntityModel, lines: Iterator[str]) -> Iterator[tuple[Any, list[FieldError]]]:
    reader = decode_records(lines)
    header = next(reader, None)
    if header is None:
        return
    if isinstance(header, str):
        raise ValidationError.for_field("body", f"the CSV header cannot be read ({header})")
    columns = [(h or "").strip() for h in header]
    for cells in reader:
        if isinstance(cells, str):
            yield None, [{"field": "", "error": f"not valid CSV ({cells})"}]
            continue
        row: dict[str, Any] = {}
        errors: list[FieldError] = []
        if len(cells) != len(columns):
            errors.append({"field": "", "error": f"{len(cells)} cells, header has {len(columns)}"})
        for name, text in zip(columns, cells, strict=False):
            if name in IGNORED_ON_IMPORT:
                continue
            spec = model.fields.get(name)
            if spec is None:
                row[name] = text  # unknown: the validator says so
                continue
            if text is None or (text == "" and spec.kind != "string"):
                row[name] = None
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


def json_records(chunks: Iterable[bytes]) -> Records:
    raw = bytearray()
    for chunk in chunks:
        raw += chunk
        if len(raw) > MAX_JSON_IMPORT:
            raise ValidationError.for_field(
                "body", f"JSON over {MAX_JSON_IMPORT} bytes: use NDJSON"
            )
    try:
        records = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationError.for_field("body", "not a JSON array") from None
    if not isinstance(records, list):
        raise ValidationError.for_field("body", "not a JSON array")
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


def insert(tx: Entities, entity: str, batch: list[tuple[int, Any]], report: Report) -> Rows:
    """Insert a batch under a savepoint; when the database refuses it (a duplicate unique
    value, a dangling foreign key), insert its rows one by one to report exactly which."""
    try:
        with tx.savepoint():
            return tx.create_many(entity, [record for _, record in batch])
    except DataError:
        pass
    created: Rows = []
    for number, record in batch:
        try:
            with tx.savepoint():
                created.append(tx.create(entity, record))
        except DataError as exc:
            report.valid -= 1
            report.error(number, None, exc.message)
    return created


def import_rows(
    db: Database,
    scope: Scope,
    package: str,
    entity: str,
    records: Callable[[EntityModel], Records],
    report: Report,
    *,
    progress: Callable[[Report], None] | None = None,
) -> Rows:
    """Validate and insert in one transaction; returns the rows created (none if rolled back).
    `records` gets the entity's model; `progress` is called after each batch."""
    bound = db.schema.get(entity, package)
    model, validator = bound.model, bound.validator
    access(model, scope, "create")
    created: Rows = []
    batch: list[tuple[int, Any]] = []
    try:
        with db.transaction(scope, package=package) as tx:
            for number, (record, problems) in enumerate(records(model), start=1):
                report.total = number
                if number > MAX_IMPORT_ROWS:
                    raise ValidationError.for_field("body", f"over {MAX_IMPORT_ROWS} records")
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
                    created.extend(insert(tx, bound.name, batch, report))
                    batch = []
                    if progress is not None:
                        progress(report)
            created.extend(insert(tx, bound.name, batch, report) if batch else [])
            if report.dry_run or (report.errors and report.mode == "all"):
                raise ImportAborted
    except ImportAborted:
        return []
    report.created = len(created)
    return created


def records(fmt: str, chunks: Iterable[bytes]) -> Callable[[EntityModel], Records]:
    """The record reader of a format over a byte stream, for `import_rows`."""
    if fmt not in FORMATS:
        raise ValidationError.for_field("format", "csv, json or ndjson")
    if fmt == "json":
        return lambda model: json_records(chunks)
    if fmt == "ndjson":
        return lambda model: ndjson_records(lines_of(chunks))
    return lambda model: csv_records(model, lines_of(chunks))


def _with_end(chunks: Iterable[bytes]) -> Iterator[bytes | None]:
    yield from chunks
    yield None
