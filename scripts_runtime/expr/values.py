"""JavaScript value semantics over JSON-shaped Python values.

Values are what JSON gives plus two extras: `UNDEFINED` (JavaScript `undefined`, distinct from
`None` which is `null`) and callables (`JSCallable`). Objects are dicts, arrays are lists,
numbers are int or float (bool is never a number here, even though Python says so).
"""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from scripts_runtime.expr.errors import ExpressionLimitError
from scripts_runtime.expr.regex import JSRegExp


class _Undefined:
    """JavaScript `undefined`: a singleton, falsy, distinct from `None` (`null`)."""

    __slots__ = ()
    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined()

MAX_STRING_LENGTH: Final = 1_000_000
MAX_SAFE_INTEGER: Final = 2**53 - 1


class JSDate:
    """A JavaScript Date: epoch milliseconds (NaN for an invalid date), always in UTC."""

    __slots__ = ("ms",)

    def __init__(self, ms: float) -> None:
        self.ms = ms

    def valid(self) -> bool:
        return self.ms == self.ms and abs(self.ms) <= 8.64e15

    def __repr__(self) -> str:
        return f"JSDate({self.ms!r})"


class JSCallable:
    """Base of everything an expression may call (arrow functions, native functions)."""

    __slots__ = ()
    name: str = "anonymous"

    def call(self, state: Any, args: Sequence[Any], this: Any = UNDEFINED) -> Any:
        raise NotImplementedError


def is_nullish(value: Any) -> bool:
    return value is None or value is UNDEFINED


def truthy(value: Any) -> bool:
    if value is None or value is UNDEFINED or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int | float):
        return value != 0 and value == value  # NaN is falsy
    return True


def typeof(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, JSCallable) or (callable(value) and not isinstance(value, Mapping)):
        return "function"
    return "object"


def normalize_number(value: float) -> int | float:
    """Integral floats become ints so that `4 / 2` prints and serialises as `2`."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_to_string(value: JSDate) -> str:
    """`Date.prototype.toString` in UTC: `Thu Jan 08 2026 10:00:00 GMT+0000 (Coordinated ...)`."""
    if not value.valid():
        return "Invalid Date"
    moment = datetime.datetime.fromtimestamp(value.ms / 1000, tz=datetime.UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} "
        f"{moment.year:04d} {moment:%H:%M:%S} GMT+0000 (Coordinated Universal Time)"
    )


def number_to_string(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        digits = exponent.lstrip("+-").lstrip("0") or "0"
        if mantissa.endswith(".0"):
            mantissa = mantissa[:-2]
        return f"{mantissa}e{sign}{digits}"
    return text


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return number_to_string(value)
    if isinstance(value, list | tuple):
        return ",".join("" if is_nullish(item) else to_string(item) for item in value)
    if isinstance(value, JSCallable):
        return f"function {value.name}() {{ [native code] }}"
    if isinstance(value, JSDate):
        return date_to_string(value)
    if isinstance(value, JSRegExp):
        return f"/{value.source}/{value.flags}"
    if isinstance(value, Mapping):
        return "[object Object]"
    return host_scalar_string(value)


def host_scalar_string(value: Any) -> str:
    """Scalars a data layer may hand over (datetimes, decimals, UUIDs) read as their text;
    any other Python object is an opaque `[object Object]`."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return number_to_string(float(value)) if value.is_finite() else "NaN"
    if isinstance(value, uuid.UUID):
        return str(value)
    if callable(value):  # a host function handed to script code
        return "function () { [native code] }"
    return "[object Object]"


def display_string(value: Any) -> str:
    """Text for interpolation into a template: `null` and `undefined` show as nothing."""
    if value is None or value is UNDEFINED:
        return ""
    return to_string(value)


def string_to_number(text: str) -> int | float:
    stripped = text.strip()
    if stripped == "":
        return 0
    lowered = stripped.lower()
    try:
        if lowered.startswith(("0x", "0o", "0b")):
            return int(stripped, 0)
        if lowered in ("infinity", "+infinity"):
            return math.inf if stripped[-8] == "I" else math.nan
        if lowered == "-infinity":
            return -math.inf if stripped[-8] == "I" else math.nan
        if "inf" in lowered or "nan" in lowered or "_" in stripped:
            return math.nan
        return normalize_number(float(stripped))
    except ValueError:
        return math.nan


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return value
    if value is None:
        return 0
    if value is UNDEFINED:
        return math.nan
    if isinstance(value, str):
        return string_to_number(value)
    if isinstance(value, list | tuple):
        return string_to_number(to_string(value))
    if isinstance(value, JSDate):
        return normalize_number(float(value.ms)) if value.ms == value.ms else math.nan
    if isinstance(value, decimal.Decimal):
        return normalize_number(float(value)) if value.is_finite() else math.nan
    return math.nan


def to_primitive(value: Any, hint: str = "default") -> Any:
    """ToPrimitive: a Date gives its string by default and its time value for hint "number"."""
    if isinstance(value, JSDate):
        return to_number(value) if hint == "number" else to_string(value)
    if isinstance(value, list | tuple | Mapping | JSCallable):
        return to_string(value)
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def strict_equals(left: Any, right: Any) -> bool:
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, bool) and isinstance(right, bool):
        return left is right
    if isinstance(left, list | dict) or isinstance(right, list | dict):
        return left is right
    return left is right or (type(left) is type(right) and left == right)


def loose_equals(left: Any, right: Any) -> bool:
    if is_nullish(left) or is_nullish(right):
        return is_nullish(left) and is_nullish(right)
    if typeof(left) == typeof(right) and not isinstance(left, bool | str) and not is_number(left):
        return left is right
    if isinstance(left, bool):
        return loose_equals(to_number(left), right)
    if isinstance(right, bool):
        return loose_equals(left, to_number(right))
    if is_number(left) and isinstance(right, str):
        return bool(left == to_number(right))
    if isinstance(left, str) and is_number(right):
        return bool(to_number(left) == right)
    if isinstance(left, list | dict | JSCallable):
        if isinstance(right, list | dict | JSCallable):
            return left is right
        return loose_equals(to_primitive(left), right)
    if isinstance(right, list | dict | JSCallable):
        return loose_equals(left, to_primitive(right))
    return strict_equals(left, right)


def check_string_size(text: str) -> str:
    if len(text) > MAX_STRING_LENGTH:
        raise ExpressionLimitError(f"string longer than {MAX_STRING_LENGTH} characters")
    return text


def add(left: Any, right: Any) -> Any:
    if type(left) is int and type(right) is int:
        return left + right
    left = to_primitive(left)
    right = to_primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        return check_string_size(to_string(left) + to_string(right))
    result = to_number(left) + to_number(right)
    return normalize_number(result) if isinstance(result, float) else result


def compare(left: Any, right: Any, op: str) -> bool:
    left = to_primitive(left, "number")
    right = to_primitive(right, "number")
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left
        b: Any = right
    else:
        a = to_number(left)
        b = to_number(right)
        if a != a or b != b:
            return False
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)


def property_key(value: Any) -> str:
    if isinstance(value, str):
        return value
    return to_string(value)
