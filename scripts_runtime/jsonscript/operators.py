"""JavaScript operators over `jsvalues` (what translated `binary_expression`s call)."""

from __future__ import annotations

import math
from typing import Any

from scripts_runtime.jsonscript.jsvalues import (
    UNDEFINED,
    is_nullish,
    is_number,
    normalise_number,
    to_int32,
    to_number,
    to_primitive,
    to_string,
    truthy,
    typeof,
)


def add(a: Any, b: Any) -> Any:
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) or isinstance(b, str):
        return to_string(a) + to_string(b)
    return normalise_number(to_number(a) + to_number(b))


def sub(a: Any, b: Any) -> Any:
    return normalise_number(to_number(a) - to_number(b))


def mul(a: Any, b: Any) -> Any:
    x, y = to_number(a), to_number(b)
    try:
        return normalise_number(x * y)
    except OverflowError:
        return math.inf if (x > 0) == (y > 0) else -math.inf


def div(a: Any, b: Any) -> Any:
    x, y = to_number(a), to_number(b)
    if y == 0:
        if x == 0 or (isinstance(x, float) and math.isnan(x)):
            return math.nan
        negative = (x < 0) != (math.copysign(1.0, float(y)) < 0)
        return -math.inf if negative else math.inf
    return normalise_number(x / y)


def mod(a: Any, b: Any) -> Any:
    x, y = to_number(a), to_number(b)
    if y == 0 or (isinstance(x, float) and math.isinf(x)):
        return math.nan
    if isinstance(y, float) and math.isinf(y):
        return x
    return normalise_number(math.fmod(x, y))


def power(a: Any, b: Any) -> Any:
    x, y = to_number(a), to_number(b)
    try:
        return normalise_number(float(x) ** float(y))
    except OverflowError:
        return math.inf
    except ZeroDivisionError:
        return math.inf


def strict_eq(a: Any, b: Any) -> bool:
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list | dict) or isinstance(b, list | dict):
        return a is b
    if is_nullish(a) or is_nullish(b):
        return a is b
    return bool(a == b) and type(a) is type(b)


def loose_eq(a: Any, b: Any) -> bool:
    if is_nullish(a) and is_nullish(b):
        return True
    if is_nullish(a) or is_nullish(b):
        return False
    if typeof(a) == typeof(b):
        return strict_eq(a, b)
    if isinstance(a, list | dict):
        a = to_primitive(a)
    if isinstance(b, list | dict):
        b = to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return bool(to_number(a) == to_number(b))


def _compare(a: Any, b: Any) -> tuple[Any, Any] | None:
    a, b = to_primitive(a), to_primitive(b)
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    x, y = to_number(a), to_number(b)
    if (isinstance(x, float) and math.isnan(x)) or (isinstance(y, float) and math.isnan(y)):
        return None
    return x, y


def lt(a: Any, b: Any) -> bool:
    pair = _compare(a, b)
    return pair is not None and pair[0] < pair[1]


def le(a: Any, b: Any) -> bool:
    pair = _compare(a, b)
    return pair is not None and pair[0] <= pair[1]


def gt(a: Any, b: Any) -> bool:
    pair = _compare(a, b)
    return pair is not None and pair[0] > pair[1]


def ge(a: Any, b: Any) -> bool:
    pair = _compare(a, b)
    return pair is not None and pair[0] >= pair[1]


def not_(a: Any) -> bool:
    return not truthy(a)


def neg(a: Any) -> Any:
    return normalise_number(-to_number(a))


def pos(a: Any) -> Any:
    return to_number(a)


def bit_not(a: Any) -> int:
    return ~to_int32(a)


def void(a: Any) -> Any:
    return UNDEFINED


def has_property(key: Any, obj: Any) -> bool:
    if isinstance(obj, dict):
        return to_string(key) in obj
    if isinstance(obj, list):
        number = to_number(key)
        return (isinstance(number, int) and 0 <= number < len(obj)) or key == "length"
    raise TypeError(
        f"Cannot use 'in' operator to search for '{to_string(key)}' in {to_string(obj)}"
    )


def instance_of(value: Any, kind: Any) -> bool:
    checker = getattr(kind, "js_instance_check", None)
    return bool(checker(value)) if callable(checker) else False


BINARY = {
    "+": "js_add",
    "-": "js_sub",
    "*": "js_mul",
    "/": "js_div",
    "%": "js_mod",
    "**": "js_pow",
    "==": "js_eq",
    "===": "js_eq",
    "!=": "js_ne",
    "!==": "js_ne",
    "<": "js_lt",
    "<=": "js_le",
    ">": "js_gt",
    ">=": "js_ge",
    "in": "js_in",
    "instanceof": "js_instanceof",
}
"""JSON-script binary operator -> runtime global. `==` is strict, as in the reference
executor (`script_executor.js` treated `==` as `===`)."""

UNARY = {
    "!": "js_not",
    "-": "js_neg",
    "+": "js_pos",
    "~": "js_bitnot",
    "typeof": "js_typeof",
    "void": "js_void",
}
