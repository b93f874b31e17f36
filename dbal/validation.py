"""Input validation of entity rows against their JSON Schema, with field-level errors.

Each field's schema is compiled once into a small checker. Scalar keywords (type, enum,
const, min/maxLength, pattern, minimum/maximum, exclusive bounds, format date-time) are
checked by compiled closures, because calling `jsonschema` for every field of every row costs
more than the insert itself; any other keyword, and every object/array field, goes through a
`jsonschema` Draft 2020-12 validator for that field. Global limits protect the database from
hostile input: string and JSON size, JSON nesting depth, 64-bit integer range, no NUL bytes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import jsonschema

from dbal import jsoncodec
from dbal.entity_model import UNSET, EntityModel, FieldSpec
from dbal.errors import FieldError, SchemaError, ValidationError

MAX_STRING = 1_000_000
MAX_JSON_BYTES = 1_000_000
MAX_DEPTH = 32
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
SCALAR_KEYWORDS = {
    "type", "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "format", "default", "description", "title",
    "examples", "readOnly", "writeOnly", "deprecated", "$comment",
}  # fmt: skip

Checker = Callable[[Any], tuple[Any, str | None]]


class EntityValidator:
    def __init__(self, model: EntityModel) -> None:
        self.model = model
        self._checkers: dict[str, Checker] = {
            name: _compile(model.fields[name]) for name in model.data_fields
        }
        self._defaults = {
            name: model.fields[name].default
            for name in model.data_fields
            if model.fields[name].default is not UNSET
        }
        self._required = tuple(n for n in model.data_fields if model.fields[n].required)

    def validate_create(self, data: Mapping[str, Any]) -> dict[str, Any]:
        row = self._check(data, creating=True)
        for name, value in self._defaults.items():
            row.setdefault(name, value)
        missing = [n for n in self._required if row.get(n, UNSET) is UNSET]
        if missing:
            raise ValidationError(
                "Validation failed",
                fields=[{"field": n, "error": "is required"} for n in missing],
            )
        return row

    def validate_update(self, data: Mapping[str, Any]) -> dict[str, Any]:
        row = self._check(data, creating=False)
        if not row:
            raise ValidationError.for_field("data", "nothing to update")
        return row

    def _check(self, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise ValidationError.for_field("data", "must be an object")
        errors: list[FieldError] = []
        row: dict[str, Any] = {}
        checkers = self._checkers
        for key, value in data.items():
            checker = checkers.get(key)
            if checker is not None:
                value, error = checker(value)
                if error is None:
                    row[key] = value
                else:
                    errors.append({"field": key, "error": error})
            elif key == "tenant_id":
                continue  # forced from the scope, whatever the caller sent
            elif key == "id" and creating:
                if isinstance(value, str) and ID_PATTERN.match(value):
                    row["id"] = value
                else:
                    errors.append({"field": "id", "error": "1..36 of [A-Za-z0-9_-]"})
            elif key in ("id", "created_at", "updated_at"):
                errors.append({"field": str(key), "error": "is read-only"})
            else:
                errors.append({"field": _field_label(key), "error": "unknown field"})
        if errors:
            raise ValidationError("Validation failed", fields=errors)
        return row


def _field_label(key: object) -> str:
    text = str(key)
    return text if len(text) <= 64 else text[:61] + "..."


def _compile(spec: FieldSpec) -> Checker:
    schema = spec.schema
    nullable = spec.nullable
    base = _base_checker(spec)
    extra = [k for k in schema if k not in SCALAR_KEYWORDS and not k.startswith("x-")]
    deep: jsonschema.protocols.Validator | None = None
    if spec.kind == "json" or extra:
        sub = {k: v for k, v in schema.items() if not k.startswith("x-") and k != "default"}
        try:
            jsonschema.Draft202012Validator.check_schema(sub)
        except jsonschema.SchemaError as error:
            raise SchemaError(f"{spec.name}: invalid JSON Schema: {error.message}") from None
        deep = jsonschema.Draft202012Validator(
            sub, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )

    if deep is None:  # the common case, kept to two calls per value
        if nullable:
            return lambda value: (None, None) if value is None else base(value)
        return lambda value: (None, "must not be null") if value is None else base(value)

    def check(value: Any) -> tuple[Any, str | None]:
        if value is None:
            return (None, None) if nullable else (None, "must not be null")
        value, error = base(value)
        if error is None and deep is not None:
            if spec.kind == "json":
                error = _json_limits(value)
            if error is None:
                found = jsonschema.exceptions.best_match(deep.iter_errors(_plain(value)))
                if found is not None:
                    where = "/".join(str(p) for p in found.absolute_path)
                    error = (f"{where}: " if where else "") + found.message[:200]
        return value, error

    return check


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _base_checker(spec: FieldSpec) -> Checker:
    s = spec.schema
    checks: list[Callable[[Any], str | None]] = []
    if "enum" in s:
        allowed = [v for v in s["enum"] if v is not None]
        checks.append(lambda v: None if v in allowed else f"must be one of {allowed!r}"[:200])
    if "const" in s:
        const = s["const"]
        checks.append(lambda v: None if v == const else f"must be {const!r}"[:200])
    if spec.kind == "string":
        lo, hi = s.get("minLength"), s.get("maxLength")
        if isinstance(lo, int):
            checks.append(lambda v: None if len(v) >= lo else f"shorter than {lo} characters")
        if isinstance(hi, int):
            checks.append(lambda v: None if len(v) <= hi else f"longer than {hi} characters")
        if isinstance(s.get("pattern"), str):
            rx = re.compile(s["pattern"])
            checks.append(lambda v: None if rx.search(v) else "does not match the pattern")
        if s.get("format") == "email":
            checks.append(
                lambda v: None if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v) else "not an email"
            )
    if spec.kind in ("integer", "number"):
        for key, test, text in (
            ("minimum", lambda v, b: v >= b, "less than"),
            ("maximum", lambda v, b: v <= b, "greater than"),
            ("exclusiveMinimum", lambda v, b: v > b, "at most"),
            ("exclusiveMaximum", lambda v, b: v < b, "at least"),
        ):
            bound = s.get(key)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                checks.append(_bound_check(test, bound, f"{text} {bound}"))
    coerce = COERCE[spec.kind]
    if not checks:
        return coerce

    def check(value: Any) -> tuple[Any, str | None]:
        value, error = coerce(value)
        if error is not None:
            return value, error
        for c in checks:
            error = c(value)
            if error is not None:
                return value, error
        return value, None

    return check


def _bound_check(
    test: Callable[[Any, Any], bool], bound: float, text: str
) -> Callable[[Any], str | None]:
    return lambda v: None if test(v, bound) else text


def _string(v: Any) -> tuple[Any, str | None]:
    if not isinstance(v, str):
        return v, "must be a string"
    if len(v) > MAX_STRING:
        return v, f"longer than {MAX_STRING} characters"
    if "\x00" in v:
        return v, "must not contain NUL characters"
    return v, None


def _integer(v: Any) -> tuple[Any, str | None]:
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        return v, "must be an integer"
    if not INT_MIN <= v <= INT_MAX:
        return v, "out of the 64-bit integer range"
    return v, None


def _number(v: Any) -> tuple[Any, str | None]:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return v, "must be a number"
    if isinstance(v, int) and not INT_MIN <= v <= INT_MAX:
        return v, "out of range"
    if isinstance(v, float) and not math.isfinite(v):
        return v, "must be finite"
    return float(v), None


def _boolean(v: Any) -> tuple[Any, str | None]:
    return (v, None) if isinstance(v, bool) else (v, "must be a boolean")


def parse_datetime(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    if isinstance(v, str) and 10 <= len(v) <= 40:
        try:
            parsed = datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _datetime(v: Any) -> tuple[Any, str | None]:
    parsed = parse_datetime(v)
    return (parsed, None) if parsed is not None else (v, "must be an ISO 8601 date-time")


def _json(v: Any) -> tuple[Any, str | None]:
    return v, None


def _json_limits(v: Any) -> str | None:
    if _depth(v, 0) > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    if not _finite(v):
        return "numbers must be finite"
    try:
        size = len(jsoncodec.dumps(v))
    except (TypeError, ValueError):
        return "is not JSON (or an integer beyond 64 bits)"
    return None if size <= MAX_JSON_BYTES else f"larger than {MAX_JSON_BYTES} bytes"


def _finite(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, dict):
        return all(_finite(x) for x in v.values())
    if isinstance(v, list):
        return all(_finite(x) for x in v)
    return True


def _depth(v: Any, level: int) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(v, dict):
        return max((_depth(x, level + 1) for x in v.values()), default=level + 1)
    if isinstance(v, list):
        return max((_depth(x, level + 1) for x in v), default=level + 1)
    return level


COERCE: dict[str, Callable[[Any], tuple[Any, str | None]]] = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "datetime": _datetime,
    "json": _json,
}
