"""JavaScript value semantics for code translated from JSON-script.

The semantics are the expression engine's (`scripts_runtime.expr.values`): one `undefined`,
one ToString/ToNumber/typeof, so a value means the same in a `{{ }}` binding and in a
script. This module adds what only translated scripts need: 32-bit integer conversion for
bitwise operators and the JSON.stringify view of a value.
"""

from __future__ import annotations

import math
from typing import Any

from scripts_runtime.expr.values import (
    MAX_SAFE_INTEGER,
    UNDEFINED,
    is_nullish,
    is_number,
    number_to_string,
    to_number,
    to_primitive,
    to_string,
    truthy,
    typeof,
)
from scripts_runtime.expr.values import normalize_number as normalise_number

__all__ = [
    "MAX_SAFE_INTEGER",
    "UNDEFINED",
    "is_nullish",
    "is_number",
    "normalise_number",
    "number_to_string",
    "to_int32",
    "to_json",
    "to_number",
    "to_primitive",
    "to_string",
    "truthy",
    "typeof",
]


def _is_function(value: Any) -> bool:
    return callable(value) and not isinstance(value, dict | list)


def to_int32(value: Any) -> int:
    number = to_number(value)
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        return 0
    result = int(number) & 0xFFFFFFFF
    return result - 0x100000000 if result & 0x80000000 else result


def to_json(value: Any) -> Any:
    """What JSON.stringify would keep: undefined and functions vanish from objects and
    become null in arrays; non-finite numbers become null."""
    if value is UNDEFINED or _is_function(value):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {
            str(k): to_json(v)
            for k, v in value.items()
            if v is not UNDEFINED and not _is_function(v)
        }
    return value
