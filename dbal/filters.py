"""Filters from callers (REST query strings, scripts) -> SQL conditions, with a safe grammar.

    {"status": "open"}                            equality shorthand
    {"score": {"gte": 10, "lt": 20}}              several operators on one field (AND)
    {"or": [{"a": 1}, {"b": {"in": [1, 2]}}]}    and / or take lists; not takes one filter
    {"deleted_at": {"is_null": true}}

Operators: eq, ne, lt, lte, gt, gte, in, contains, startswith, is_null. Fields are the entity's
declared scalar fields plus id, created_at and updated_at; JSON and sensitive fields can be
neither filtered nor sorted (filtering on a hidden field would leak it bit by bit). Values are
type-checked against the field and always bound as parameters. Anything else, including
unknown fields and operators, too deep nesting or too many conditions, is a ValidationError.
`ne` is "is distinct from" (rows where the field is NULL match), `contains` and `startswith`
are case-sensitive on both backends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, func, not_, or_, true

from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import ValidationError
from dbal.validation import INT_MAX, INT_MIN, MAX_STRING, parse_datetime

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "startswith", "is_null")
MAX_DEPTH = 6
MAX_CONDITIONS = 64
MAX_IN = 1000
MAX_FILTER_STRING = 10_000


class _Budget:
    def __init__(self) -> None:
        self.conditions = 0

    def spend(self) -> None:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise ValidationError.for_field("filter", f"more than {MAX_CONDITIONS} conditions")


def compile_filter(
    model: EntityModel, table: Table, spec: Any, dialect: str
) -> ColumnElement[bool] | None:
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise ValidationError.for_field("filter", "must be an object")
    if not spec:
        return None
    return _node(model, table, spec, dialect, 0, _Budget())


def _node(
    model: EntityModel, table: Table, spec: Any, dialect: str, depth: int, budget: _Budget
) -> ColumnElement[bool]:
    if depth > MAX_DEPTH:
        raise ValidationError.for_field("filter", f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(spec, Mapping):
        raise ValidationError.for_field("filter", "each filter must be an object")
    parts: list[ColumnElement[bool]] = []
    for key, value in spec.items():
        if key in ("and", "or"):
            if not isinstance(value, list) or not value or len(value) > MAX_CONDITIONS:
                raise ValidationError.for_field(f"filter.{key}", "must be a non-empty list")
            subs = [_node(model, table, v, dialect, depth + 1, budget) for v in value]
            parts.append(and_(*subs) if key == "and" else or_(*subs))
        elif key == "not":
            parts.append(not_(_node(model, table, value, dialect, depth + 1, budget)))
        else:
            field = _field(model, key)
            column: ColumnElement[Any] = table.c[field.name]
            if isinstance(value, Mapping):
                if not value:
                    raise ValidationError.for_field(f"filter.{field.name}", "no operator given")
                for op, operand in value.items():
                    budget.spend()
                    parts.append(_condition(field, column, op, operand, dialect))
            else:
                budget.spend()
                parts.append(_condition(field, column, "eq", value, dialect))
    if not parts:
        return true()
    return parts[0] if len(parts) == 1 else and_(*parts)


def _field(model: EntityModel, key: Any) -> FieldSpec:
    field = model.fields.get(key) if isinstance(key, str) else None
    if field is None or not field.scalar:
        label = str(key)[:64]
        raise ValidationError.for_field(f"filter.{label}", "unknown or unfilterable field")
    return field


def _condition(
    field: FieldSpec, column: ColumnElement[Any], op: Any, operand: Any, dialect: str
) -> ColumnElement[bool]:
    where = f"filter.{field.name}"
    if op not in OPERATORS:
        raise ValidationError.for_field(where, f"unknown operator {str(op)[:32]!r}")
    if op == "is_null":
        if not isinstance(operand, bool):
            raise ValidationError.for_field(where, "is_null takes true or false")
        return column.is_(None) if operand else column.is_not(None)
    if op == "in":
        if not isinstance(operand, list) or len(operand) > MAX_IN:
            raise ValidationError.for_field(where, f"in takes a list of at most {MAX_IN} values")
        if not operand:
            return false()
        return column.in_([coerce_value(field, v, where) for v in operand])
    if op in ("contains", "startswith"):
        if field.kind != "string" and field.name != "id":
            raise ValidationError.for_field(where, f"{op} needs a string field")
        text = coerce_value(field, operand, where)
        if op == "startswith":
            prefix: ColumnElement[bool] = func.substr(column, 1, len(text)) == text
            return prefix
        position = func.strpos if dialect == "postgresql" else func.instr
        found: ColumnElement[bool] = position(column, text) > 0
        return found
    value = coerce_value(field, operand, where)
    if op == "eq":
        equal: ColumnElement[bool] = column == value
        return equal
    if op == "ne":
        return column.is_distinct_from(value)
    if field.kind == "boolean":
        raise ValidationError.for_field(where, f"{op} does not apply to booleans")
    comparisons: dict[str, ColumnElement[bool]] = {"lt": column < value, "lte": column <= value}
    comparisons.update({"gt": column > value, "gte": column >= value})
    return comparisons[op]


def coerce_value(field: FieldSpec, value: Any, where: str) -> Any:
    """A filter or cursor value checked against the field's kind (never None)."""
    kind = field.kind
    if value is None:
        raise ValidationError.for_field(where, "null is not a value; use is_null")
    if kind == "string":
        if not isinstance(value, str) or len(value) > min(MAX_STRING, MAX_FILTER_STRING):
            raise ValidationError.for_field(where, "expects a string (at most 10000 characters)")
        if "\x00" in value:
            raise ValidationError.for_field(where, "must not contain NUL characters")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or not INT_MIN <= value <= INT_MAX:
            raise ValidationError.for_field(where, "expects a 64-bit integer")
        return value
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise ValidationError.for_field(where, "expects a finite number")
        if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise ValidationError.for_field(where, "expects a number in range")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationError.for_field(where, "expects true or false")
        return value
    if kind == "datetime":
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValidationError.for_field(where, "expects an ISO 8601 date-time")
        return parsed
    raise ValidationError.for_field(where, "cannot be filtered")
