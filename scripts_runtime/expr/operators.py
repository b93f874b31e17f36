"""Binary operators with JavaScript semantics (`+ - * / % **`, equality, relations, `in`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from scripts_runtime.expr.builtins import power
from scripts_runtime.expr.errors import ExpressionRuntimeError
from scripts_runtime.expr.values import (
    add,
    compare,
    loose_equals,
    normalize_number,
    property_key,
    strict_equals,
    to_number,
)


def binary_operator(op: str) -> Callable[[Any, Any], Any]:
    def sub(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        result = x - y
        return normalize_number(result) if isinstance(result, float) else result

    def mul(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if isinstance(x, int) and isinstance(y, int):
            return x * y
        try:
            return normalize_number(float(x) * float(y))
        except OverflowError:
            return math.inf

    def div(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if y == 0:
            if x == 0 or x != x:
                return math.nan
            negative = (x < 0) != (math.copysign(1.0, float(y)) < 0)
            return -math.inf if negative else math.inf
        try:
            return normalize_number(x / y)
        except OverflowError:
            return math.inf

    def mod(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if y == 0 or x != x or y != y or math.isinf(x):
            return math.nan
        if math.isinf(y):
            return x
        return normalize_number(math.fmod(x, y))

    table: dict[str, Callable[[Any, Any], Any]] = {
        "+": add,
        "-": sub,
        "*": mul,
        "/": div,
        "%": mod,
        "**": power,
        "==": loose_equals,
        "!=": lambda a, b: not loose_equals(a, b),
        "===": strict_equals,
        "!==": lambda a, b: not strict_equals(a, b),
        "<": lambda a, b: compare(a, b, "<"),
        ">": lambda a, b: compare(a, b, ">"),
        "<=": lambda a, b: compare(a, b, "<="),
        ">=": lambda a, b: compare(a, b, ">="),
        "in": _in,
    }
    return table[op]


def _in(key: Any, obj: Any) -> bool:
    if isinstance(obj, Mapping):
        return property_key(key) in obj
    if isinstance(obj, list):
        index = to_number(key)
        return isinstance(index, int) and 0 <= index < len(obj)
    raise ExpressionRuntimeError("cannot use 'in' operator on a non-object")
