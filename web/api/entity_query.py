"""The query string of entity lists, parsed into the DBAL's filter, sort and page arguments.

    ?filter[status]=open                      equality
    ?filter[score][gte]=10&filter[score][lt]=20
    ?filter[tag][in]=a,b,c                    in: comma-separated values
    ?filter[closed_at][is_null]=true
    ?filter={"or":[{"a":1},{"b":{"in":[1,2]}}]}   the whole JSON grammar (and / or / not)
    ?sort=-created_at,title                   at most 4 keys; id is always the last one
    ?limit=50                                  1..1000 (default 50)
    ?cursor=...                                keyset paging: next_cursor of the previous page
    ?offset=100                                offset paging (0..100000) instead of a cursor
    ?total=true                                also count the matching rows
    ?fields=title,score                        only these fields (id is always returned)
    ?include=thread_id,author_id               the rows these foreign keys point to
    ?include=post,link.to_thread               reverse relations: the rows pointing here
    ?include_limit=10                          rows per parent and reverse relation (1..100)
    ?q=hello world                             full-text search over x-search fields,
                                               by relevance (no sort or cursor; offset pages)

Operators are the DBAL's (`dbal.filters`): eq, ne, lt, lte, gt, gte, in, contains,
startswith, is_null. Bracket values are text, converted by the field's type (integer,
number, true/false, ISO 8601 date-time); the JSON form takes typed JSON values. Every
bracket condition and the JSON filter are combined with AND. Unknown parameters, fields,
operators and values that do not fit are a 422 with the offending parameter in
`details.fields`, never a silent no-op.

`include` takes foreign-key fields of the entity (forward: `_included[field]` is the row
or null) and names of reverse relations (`dbal.relations`: `_included[name]` is
`{"items", "total", "truncated"}`, the first `include_limit` child rows by id, default
DEFAULT_INCLUDE_LIMIT). A page's includes are bounded: rows (`limit`, 1 for a single
record) x `include_limit` x reverse relations may not exceed MAX_INCLUDED_ROWS.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.datastructures import QueryParams

from dbal.entities import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET
from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import ValidationError
from dbal.filters import OPERATORS

BRACKET = re.compile(r"^filter\[([^\[\]]{1,64})\](?:\[([^\[\]]{1,32})\])?$")
INTEGER = re.compile(r"^[+-]?\d{1,19}$")
MAX_FILTER_JSON = 20_000
MAX_LIST_ITEMS = 100
LIST_PARAMS = frozenset(
    {"filter", "sort", "limit", "cursor", "offset", "total", "fields", "include",
     "include_limit", "q"}
)  # fmt: skip
ONE_PARAMS = frozenset({"fields", "include", "include_limit"})
DEFAULT_INCLUDE_LIMIT = 10
MAX_INCLUDE_LIMIT = 100
MAX_INCLUDED_ROWS = 100_000


@dataclass
class ListQuery:
    filter: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    offset: int | None = None
    total: bool = False
    fields: tuple[str, ...] | None = None
    include: tuple[str, ...] = ()
    reverse: tuple[str, ...] = ()  # the reverse relations among `include`
    include_limit: int | None = None
    q: str | None = None

    @property
    def children_per_parent(self) -> int:
        return self.include_limit or DEFAULT_INCLUDE_LIMIT

    def page_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `Entities.list` for this query."""
        return {"filter": self.filter, "sort": self.sort, "limit": self.limit,
                "offset": self.offset, "cursor": self.cursor, "total": self.total}  # fmt: skip


def parse_list(
    model: EntityModel, params: QueryParams, relations: Collection[str] = ()
) -> ListQuery:
    """A list's query string; `relations` are the reverse relation names `include` takes."""
    query = ListQuery()
    conditions: list[dict[str, Any]] = []
    for key in params:
        values = params.getlist(key)
        if BRACKET.match(key):
            for value in values:
                conditions.append(_bracket(model, key, value))
            continue
        if key not in LIST_PARAMS:
            raise ValidationError.for_field(_label(key), "unknown query parameter")
        if len(values) > 1:
            raise ValidationError.for_field(key, "given more than once")
        value = values[0]
        if key == "filter":
            conditions.append(_json_filter(value))
        elif key == "sort":
            query.sort = value
        elif key == "limit":
            query.limit = _integer(key, value, 1, MAX_LIMIT)
        elif key == "offset":
            query.offset = _integer(key, value, 0, MAX_OFFSET)
        elif key == "cursor":
            query.cursor = value
        elif key == "total":
            query.total = boolean(key, value)
        elif key == "q":
            if not value.strip() or len(value) > 1000:
                raise ValidationError.for_field("q", "1..1000 characters")
            query.q = value
        else:
            _selection(model, query, key, value, relations)
    if len(conditions) == 1:
        query.filter = conditions[0]
    elif conditions:
        query.filter = {"and": conditions}
    if query.q is not None:
        if query.sort or query.cursor:
            raise ValidationError.for_field("q", "search results are ordered by relevance")
        if not model.search_fields:
            raise ValidationError.for_field("q", f"{model.name} has no full-text fields")
    _bound_includes(query, query.limit)
    return query


def parse_one(
    model: EntityModel, params: QueryParams, relations: Collection[str] = ()
) -> ListQuery:
    """`fields`, `include` and `include_limit` of a single-record GET."""
    query = ListQuery()
    for key in params:
        if key not in ONE_PARAMS:
            raise ValidationError.for_field(_label(key), "unknown query parameter")
        values = params.getlist(key)
        if len(values) > 1:
            raise ValidationError.for_field(key, "given more than once")
        _selection(model, query, key, values[0], relations)
    _bound_includes(query, 1)
    return query


def _bound_includes(query: ListQuery, parents: int) -> None:
    if query.include_limit is not None and not query.reverse:
        raise ValidationError.for_field("include_limit", "only with a reverse relation in include")
    if parents * query.children_per_parent * len(query.reverse) > MAX_INCLUDED_ROWS:
        raise ValidationError.for_field(
            "include_limit",
            f"limit x include_limit x reverse relations exceeds {MAX_INCLUDED_ROWS} rows",
        )


def _selection(
    model: EntityModel, query: ListQuery, key: str, value: str, relations: Collection[str]
) -> None:
    if key == "include_limit":
        query.include_limit = _integer(key, value, 1, MAX_INCLUDE_LIMIT)
        return
    names = split_list(key, value)
    if key == "fields":
        for name in names:
            if name not in model.visible:
                raise ValidationError.for_field("fields", f"unknown field {name[:64]!r}")
        query.fields = tuple(dict.fromkeys(["id", *names]))
    else:
        keys = {fk.field for fk in model.foreign_keys}
        for name in names:
            if name not in keys and name not in relations:
                raise ValidationError.for_field(
                    "include", f"{name[:64]!r} is no foreign key or reverse relation"
                )
        query.include = tuple(dict.fromkeys(names))
        query.reverse = tuple(n for n in query.include if n not in keys)


def split_list(key: str, value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names or len(names) > MAX_LIST_ITEMS:
        raise ValidationError.for_field(key, f"a comma-separated list of 1..{MAX_LIST_ITEMS} names")
    return names


def _bracket(model: EntityModel, key: str, raw: str) -> dict[str, Any]:
    match = BRACKET.match(key)
    assert match is not None
    name, op = match.group(1), match.group(2) or "eq"
    spec = model.fields.get(name)
    where = f"filter.{name}"
    if spec is None or not spec.scalar:
        raise ValidationError.for_field(where, "unknown or unfilterable field")
    if op not in OPERATORS:
        raise ValidationError.for_field(where, f"unknown operator {op!r}")
    value: Any
    if op == "is_null":
        value = boolean(where, raw)
    elif op == "in":
        value = [typed(spec, v, where) for v in raw.split(",")] if raw else []
    else:
        value = typed(spec, raw, where)
    return {name: {op: value}}


def typed(spec: FieldSpec, raw: str, where: str) -> Any:
    """A query-string value as the field's type (the DBAL checks ranges and lengths)."""
    kind = spec.kind
    if kind == "integer":
        if not INTEGER.match(raw):
            raise ValidationError.for_field(where, "expects an integer")
        return int(raw)
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise ValidationError.for_field(where, "expects a number") from None
        if not math.isfinite(number):
            raise ValidationError.for_field(where, "expects a finite number")
        return number
    if kind == "boolean":
        return boolean(where, raw)
    return raw


def boolean(where: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValidationError.for_field(where, "expects true or false")


def _json_filter(raw: str) -> dict[str, Any]:
    if len(raw) > MAX_FILTER_JSON:
        raise ValidationError.for_field("filter", f"at most {MAX_FILTER_JSON} characters")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationError.for_field("filter", "a JSON object (or use filter[field])") from None
    if not isinstance(value, dict):
        raise ValidationError.for_field("filter", "must be a JSON object")
    return value


def _integer(key: str, raw: str, low: int, high: int) -> int:
    if not INTEGER.match(raw.strip()) or not low <= int(raw) <= high:
        raise ValidationError.for_field(key, f"an integer {low}..{high}")
    return int(raw)


def _label(key: str) -> str:
    return key if len(key) <= 64 else key[:61] + "..."
