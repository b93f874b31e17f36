"""Sorting and pagination: sort specs, keyset cursors and the conditions that follow them.

Sort is "field", "-field", a comma-separated string of those, or a list of them (at most 4
keys); only scalar, non-sensitive fields sort. `id` is always the last key, so every order is
total. NULLs sort last in both directions on both backends. A cursor is an opaque
URL-safe token holding the last row's sort values and a hash of the sort spec; a cursor
used with a different sort is a ValidationError, and its values are type-checked like filter
values before they reach SQL (always as bound parameters).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_
from sqlalchemy.sql.elements import UnaryExpression

from dbal import jsoncodec
from dbal.entity_model import EntityModel
from dbal.errors import ValidationError
from dbal.filters import coerce_value

MAX_SORT_KEYS = 4
MAX_CURSOR = 4096


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False


def parse_sort(model: EntityModel, spec: Any) -> tuple[SortKey, ...]:
    if spec is None or spec == "" or spec == []:
        items: list[Any] = []
    elif isinstance(spec, str):
        items = [s.strip() for s in spec.split(",")]
    elif isinstance(spec, list):
        items = spec
    else:
        raise ValidationError.for_field("sort", "a field name, '-field', or a list of them")
    if len(items) > MAX_SORT_KEYS:
        raise ValidationError.for_field("sort", f"at most {MAX_SORT_KEYS} sort keys")
    keys: list[SortKey] = []
    for item in items:
        if isinstance(item, dict) and set(item) <= {"field", "dir"}:
            name, descending = item.get("field"), str(item.get("dir", "asc")).lower() == "desc"
            if str(item.get("dir", "asc")).lower() not in ("asc", "desc"):
                raise ValidationError.for_field("sort", "dir is asc or desc")
        elif isinstance(item, str):
            descending = item.startswith("-")
            name = item[1:] if descending or item.startswith("+") else item
        else:
            raise ValidationError.for_field("sort", "a field name, '-field', or a list of them")
        field = model.fields.get(name) if isinstance(name, str) else None
        if field is None or not field.scalar:
            raise ValidationError.for_field("sort", f"cannot sort by {str(name)[:64]!r}")
        if any(k.field == name for k in keys):
            raise ValidationError.for_field("sort", f"{name!r} given twice")
        keys.append(SortKey(field.name, descending))
        if name == "id":
            break  # id is unique: later keys cannot change the order
    if not keys or keys[-1].field != "id":
        keys.append(SortKey("id"))
    return tuple(keys)


def order_by(
    table: Table, keys: tuple[SortKey, ...], model: EntityModel, dialect: str
) -> list[UnaryExpression[Any]]:
    """ORDER BY with NULLs last; the NULLS LAST clause is only written where the backend's
    default differs (SQLite ascending, PostgreSQL descending) and the column can hold NULL,
    so that plain orders, e.g. by id, keep using the (tenant_id, id) index."""
    out = []
    for k in keys:
        column = table.c[k.field]
        clause = column.desc() if k.descending else column.asc()
        needs = k.descending if dialect == "postgresql" else not k.descending
        if needs and not model.fields[k.field].system:
            clause = clause.nulls_last()
        out.append(clause)
    return out


def _signature(keys: tuple[SortKey, ...]) -> str:
    text = ",".join(("-" if k.descending else "") + k.field for k in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode_cursor(keys: tuple[SortKey, ...], row: dict[str, Any]) -> str:
    values = [_plain(row.get(k.field)) for k in keys]
    raw = jsoncodec.dumps({"s": _signature(keys), "v": values}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def decode_cursor(model: EntityModel, keys: tuple[SortKey, ...], cursor: Any) -> list[Any]:
    bad = ValidationError.for_field("cursor", "invalid or expired cursor")
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR:
        raise bad
    try:
        payload = jsoncodec.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if not isinstance(payload, dict) or payload.get("s") != _signature(keys):
        raise bad
    values = payload.get("v")
    if not isinstance(values, list) or len(values) != len(keys):
        raise bad
    out: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        if value is None and key.field != "id":
            out.append(None)
            continue
        try:
            out.append(coerce_value(model.fields[key.field], value, "cursor"))
        except ValidationError:
            raise bad from None
    return out


def after(table: Table, keys: tuple[SortKey, ...], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the (NULLS LAST) order given by `keys`."""
    condition: ColumnElement[bool] = false()
    # From the last key outwards: after(k_i..) = beyond(k_i) OR (equal(k_i) AND after(k_i+1..))
    for key, value in zip(reversed(keys), reversed(values), strict=True):
        column = table.c[key.field]
        if value is None:
            beyond: ColumnElement[bool] = false()
            equal: ColumnElement[bool] = column.is_(None)
        else:
            past = column < value if key.descending else column > value
            beyond = or_(past, column.is_(None))
            equal = column == value
        condition = or_(beyond, and_(equal, condition))
    return condition
