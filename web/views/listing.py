"""The list view: query string -> DBAL list/search -> the `data.view` of the list component.

Query string (every part optional; the filter form posts and is redirected here):

    q=text                 full-text search (x-search fields), else "contains" on string fields
    ff=score&fo=gte&fv=3   filters: field, operator, value; repeat the triple for more (AND)
    sort=-score            a field, "-" for descending
    offset=40&limit=20     offset pagination (limit one of 10, 20, 50, 100)
    cols=title&cols=score  the columns shown
    format=csv|json        the matching rows as a file (at most EXPORT_MAX)
    format=options         [{value, label}] for foreign-key pickers (JSON, 20 at most)

Operators are the DBAL's (dbal/filters.py); values are read as the field's type; `in` takes
a comma-separated list, `is_null` true or false.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict, QueryParams
from starlette.responses import Response

from dbal.database import Database
from dbal.entities import Entities
from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import DataError, ForbiddenError, ValidationError
from dbal.query import access
from dbal.scope import Scope
from web.api.entity_io import CsvRows
from web.views.fields import display_text, label_field, label_of, row_label, scalar

LIMITS: Final = (10, 20, 50, 100)
DEFAULT_LIMIT: Final = 20
DEFAULT_COLUMNS: Final = 6
EXPORT_MAX: Final = 10_000
OPTIONS_MAX: Final = 20
MAX_FILTERS: Final = 8
OPERATORS: Final = (
    ("eq", "equals"),
    ("ne", "is not"),
    ("contains", "contains"),
    ("startswith", "starts with"),
    ("lt", "<"),
    ("lte", "≤"),
    ("gt", ">"),
    ("gte", "≥"),
    ("in", "is one of (a,b,c)"),
    ("is_null", "is empty (true/false)"),
)
_OPS: Final = {op for op, _ in OPERATORS}


@dataclass
class ListQuery:
    q: str = ""
    filters: list[tuple[str, str, str]] = field(default_factory=list)
    sort: str = ""
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    cols: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params: QueryParams | ImmutableMultiDict[str, Any]) -> ListQuery:
        query = cls(q=str(params.get("q") or "")[:200].strip(), sort=str(params.get("sort") or ""))
        fields, ops, values = params.getlist("ff"), params.getlist("fo"), params.getlist("fv")
        triples = zip(fields, ops, values, strict=False)
        query.filters = [(str(f), str(o), str(v)) for f, o, v in triples if f and o][:MAX_FILTERS]
        query.offset = _int(params.get("offset"), 0, 0, 100_000)
        limit = _int(params.get("limit"), DEFAULT_LIMIT, 1, 100)
        query.limit = limit if limit in LIMITS else DEFAULT_LIMIT
        query.cols = [str(c) for c in params.getlist("cols")][:64]
        return query

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        values = {**self.__dict__, **changes}
        out: list[tuple[str, str]] = []
        if values["q"]:
            out.append(("q", values["q"]))
        for f, o, v in values["filters"]:
            out += [("ff", f), ("fo", o), ("fv", v)]
        if values["sort"]:
            out.append(("sort", values["sort"]))
        if values["offset"]:
            out.append(("offset", str(values["offset"])))
        if values["limit"] != DEFAULT_LIMIT:
            out.append(("limit", str(values["limit"])))
        out += [("cols", c) for c in values["cols"]]
        return out

    def url(self, base: str, **changes: Any) -> str:
        query = urlencode(self.params(**changes))
        return f"{base}?{query}" if query else base


def _int(raw: Any, default: int, low: int, high: int) -> int:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def filter_spec(model: EntityModel, query: ListQuery) -> dict[str, Any]:
    """The DBAL filter for the query's filters and (non-full-text) search."""
    parts: list[dict[str, Any]] = []
    for name, op, raw in query.filters:
        spec = model.fields.get(name)
        if spec is None or not spec.scalar:
            raise ValidationError.for_field(f"filter.{name[:64]}", "unknown or unfilterable field")
        if op not in _OPS:
            raise ValidationError.for_field(f"filter.{name}", f"unknown operator {op[:32]!r}")
        parts.append({name: {op: _operand(spec, op, raw)}})
    if query.q and not model.search_fields:
        texts = [n for n in model.visible if model.fields[n].kind == "string" and n != "id"]
        if texts:
            parts.append({"or": [{n: {"contains": query.q}} for n in texts[:16]]})
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"and": parts}


def _operand(spec: FieldSpec, op: str, raw: str) -> Any:
    where = f"filter.{spec.name}"
    try:
        if op == "is_null":
            return scalar("boolean", raw.strip() or "true")
        if op == "in":
            return [_typed(spec, v.strip()) for v in raw.split(",") if v.strip()]
        return _typed(spec, raw if spec.kind == "string" else raw.strip())
    except ValueError as error:
        raise ValidationError.for_field(where, str(error)) from None


def _typed(spec: FieldSpec, text: str) -> Any:
    if spec.kind in ("integer", "number", "boolean"):
        return scalar(spec.kind, text)
    return text


def columns_of(model: EntityModel, chosen: Sequence[str]) -> list[str]:
    shown = [n for n in model.visible if n not in ("id", "created_at", "updated_at")]
    valid = [c for c in chosen if c in model.visible]
    return valid or shown[:DEFAULT_COLUMNS] or ["id"]


@dataclass
class Found:
    rows: list[dict[str, Any]]
    total: int | None
    more: bool


def fetch(ents: Entities, model: EntityModel, query: ListQuery) -> Found:
    where = filter_spec(model, query)
    if query.q and model.search_fields:
        rows = ents.search(
            model.name, query.q, filter=where or None, limit=query.limit + 1, offset=query.offset
        )
        return Found(rows[: query.limit], None, len(rows) > query.limit)
    page = ents.list(
        model.name,
        filter=where or None,
        sort=query.sort or None,
        limit=query.limit,
        offset=query.offset,
        total=True,
    )
    total = page["total"]
    more = total is not None and query.offset + len(page["items"]) < total
    return Found(page["items"], total, more)


def list_view(
    db: Database,
    scope: Scope,
    model: EntityModel,
    base: str,
    query: ListQuery,
    fk_links: Mapping[str, str],
) -> dict[str, Any]:
    """`data.view` of the list component (web/views/README.md describes every key)."""
    ents = db.entities(scope, package=model.package_id)
    cols = columns_of(model, query.cols)
    error = ""
    try:
        found = fetch(ents, model, query)
    except ValidationError as exc:
        found, error = Found([], 0, False), _message(exc)
    sort_field = query.sort.lstrip("-")
    descending = query.sort.startswith("-")
    columns = []
    for name in cols:
        spec = model.fields[name]
        sortable = spec.scalar and not (query.q and model.search_fields)
        next_sort = f"-{name}" if sort_field == name and not descending else name
        columns.append(
            {
                "name": name,
                "label": label_of(spec),
                "href": query.url(base, sort=next_sort, offset=0) if sortable else "",
                "arrow": (" ↓" if descending else " ↑") if sort_field == name else "",
                "ariaSort": (
                    ("descending" if descending else "ascending") if sort_field == name else "none"
                ),
            }
        )
    first = cols[0]
    rows = []
    for row in found.rows:
        href = f"{base}/{row['id']}"
        cells = []
        for name in cols:
            spec = model.fields[name]
            text = display_text(row.get(name), spec)
            link = ""
            if name == first:
                link, text = href, text or str(row["id"])
            elif name in fk_links and row.get(name):
                link = f"{fk_links[name]}/{row[name]}"
            cells.append({"name": name, "text": text, "href": link})
        rows.append({"id": row["id"], "label": row_label(model, row), "cells": cells})
    start = query.offset + 1 if rows else 0
    end = query.offset + len(rows)
    if found.total is not None:
        summary = f"{start} to {end} of {found.total}" if rows else f"0 of {found.total}"
    else:
        summary = f"{start} to {end}" if rows else "No matches"
    filters = [{"field": f, "op": o, "value": v} for f, o, v in query.filters]
    filters.append({"field": "", "op": "eq", "value": ""})
    filterable = [n for n in model.visible if model.fields[n].scalar]
    return {
        "title": label_of_entity(model),
        "entity": model.name,
        "entityLabel": model.name.replace("_", " "),
        "package": model.package_id,
        "q": query.q,
        "sort": query.sort,
        "limit": str(query.limit),
        "limits": [str(n) for n in LIMITS],
        "filters": filters,
        "filterFields": [{"value": "", "label": "—"}]
        + [{"value": n, "label": label_of(model.fields[n])} for n in filterable],
        "operators": [{"value": op, "label": text} for op, text in OPERATORS],
        "allColumns": [
            {"name": n, "label": label_of(model.fields[n]), "checked": n in cols}
            for n in model.visible
        ],
        "columns": columns,
        "rows": rows,
        "total": found.total,
        "summary": summary,
        "prevHref": (
            query.url(base, offset=max(query.offset - query.limit, 0)) if query.offset > 0 else ""
        ),
        "nextHref": query.url(base, offset=query.offset + query.limit) if found.more else "",
        "clearHref": base if query.params(cols=[]) else "",
        "newHref": f"{base}/new" if may(model, scope, "create") else "",
        "canDelete": may(model, scope, "delete"),
        "exportCsvHref": _with_format(query.url(base, offset=0), "csv"),
        "exportJsonHref": _with_format(query.url(base, offset=0), "json"),
        "error": error,
    }


def label_of_entity(model: EntityModel) -> str:
    title = model.schema.get("title")
    if isinstance(title, str) and title and title != model.name:
        return title
    return model.name.replace("_", " ").title()


def _with_format(url: str, fmt: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}format={fmt}"


def may(model: EntityModel, scope: Scope, op: Any, row: Mapping[str, Any] | None = None) -> bool:
    """Whether the scope may `op` some rows (or, given `row`, that row: owner rules apply)."""
    try:
        mode = access(model, scope, op)
    except ForbiddenError:
        return False
    if mode == "own" and row is not None and model.owner is not None:
        return row.get(model.owner) == scope.user_id
    return True


def _message(error: DataError) -> str:
    if isinstance(error, ValidationError) and error.fields:
        return "; ".join(f"{f['field']}: {f['error']}" for f in error.fields)
    return error.message


# -- exports, bulk delete, picker options ------------------------------------------------------


def export_rows(db: Database, scope: Scope, model: EntityModel, query: ListQuery) -> list[Any]:
    """Every row the query matches (not just one page), EXPORT_MAX at most."""
    ents = db.entities(scope, package=model.package_id)
    where = filter_spec(model, query)
    if query.q and model.search_fields:
        return ents.search(model.name, query.q, filter=where or None, limit=1000)
    rows: list[Any] = []
    cursor = None
    while len(rows) < EXPORT_MAX:
        page = ents.list(
            model.name, filter=where or None, sort=query.sort or None, limit=1000, cursor=cursor
        )
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return rows[:EXPORT_MAX]


def selected_rows(
    db: Database, scope: Scope, model: EntityModel, ids: Sequence[str]
) -> list[dict[str, Any]]:
    ents = db.entities(scope, package=model.package_id)
    wanted = [i for i in ids if i][:EXPORT_MAX]
    if not wanted:
        return []
    page = ents.list(model.name, filter={"id": {"in": wanted[:1000]}}, limit=1000)
    return page["items"]


def delete_selected(db: Database, scope: Scope, model: EntityModel, ids: Sequence[str]) -> int:
    wanted = [i for i in ids if i][:1000]
    if not wanted:
        return 0
    return db.entities(scope, package=model.package_id).delete_many(
        model.name, {"id": {"in": wanted}}
    )


def file_response(model: EntityModel, rows: Sequence[Mapping[str, Any]], fmt: str) -> Response:
    names = list(model.visible)
    if fmt == "json":
        body = json.dumps([{n: _plain(r.get(n)) for n in names} for r in rows], ensure_ascii=False)
        media, ext = "application/json", "json"
    else:  # the CRUD API's CSV: null vs "" kept, formulas guarded, importable again
        encoder = CsvRows(model, tuple(names))
        body = (encoder.header() + encoder.rows([dict(r) for r in rows])).decode()
        media, ext = "text/csv; charset=utf-8", "csv"
    filename = f"{model.package_id}-{model.name}.{ext}"
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def picker_options(
    db: Database, scope: Scope, model: EntityModel, q: str, *, current: str | None = None
) -> list[dict[str, str]]:
    """[{value: id, label}] of rows the scope may read, matching `q` on the label field."""
    ents = db.entities(scope, package=model.package_id)
    label = label_field(model)
    where: dict[str, Any] | None = None
    if q and model.search_fields:
        rows = ents.search(model.name, q, limit=OPTIONS_MAX)
    else:
        if q:
            where = {label: {"contains": q[:200]}}
        sort = label if model.fields[label].scalar else None
        rows = ents.list(model.name, filter=where, sort=sort, limit=OPTIONS_MAX)["items"]
    if current and all(r["id"] != current for r in rows):
        with contextlib.suppress(DataError):  # dangling or unreadable: the form shows the id
            rows = [ents.read(model.name, current), *rows]
    return [{"value": str(r["id"]), "label": row_label(model, r)} for r in rows]
