"""JavaScript value semantics in Python, for code translated from JSON-script.

Representation: `undefined` is the `UNDEFINED` singleton, `null` is None, numbers are int or
float (a float result that is a whole number within 2**53 is normalised to int, so results
print like JavaScript's: `30`, not `30.0`), strings are str, arrays are list, objects are
dict. Only these types are ever created, so member access never touches a Python attribute.
"""

from __future__ import annotations

import math
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


class JsUndefined:
    __slots__ = ()
    _instance: JsUndefined | None = None

    def __new__(cls) -> JsUndefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED = JsUndefined()


def is_nullish(value: Any) -> bool:
    return value is None or value is UNDEFINED


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def normalise_number(value: float | int) -> float | int:
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


def truthy(value: Any) -> bool:
    if value is None or value is UNDEFINED or value is False:
        return False
    if is_number(value):
        return not (value == 0 or (isinstance(value, float) and math.isnan(value)))
    if isinstance(value, str):
        return value != ""
    return True


def to_number(value: Any) -> float | int:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if value is True:
        return 1
    if value is False or value is None:
        return 0
    if value is UNDEFINED:
        return math.nan
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        try:
            if text.lower().startswith(("0x", "-0x", "+0x")):
                return int(text, 16)
            if text in ("Infinity", "+Infinity"):
                return math.inf
            if text == "-Infinity":
                return -math.inf
            if text.lower() in ("inf", "+inf", "-inf", "nan", "infinity", "-infinity"):
                return math.nan
            return normalise_number(float(text))
        except ValueError:
            return math.nan
    if isinstance(value, list):
        if not value:
            return 0
        if len(value) == 1:
            return to_number(to_string(value[0]))
    return math.nan


def number_to_string(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return number_to_string(value)
    if isinstance(value, list):
        return ",".join("" if is_nullish(v) else to_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    if callable(value):
        return "function () { [native code] }"
    return str(value)


def to_primitive(value: Any) -> Any:
    if isinstance(value, list | dict):
        return to_string(value)
    return value


def typeof(value: Any) -> str:
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if callable(value) and not isinstance(value, dict | list):
        return "function"
    return "object"


def to_int32(value: Any) -> int:
    number = to_number(value)
    if isinstance(number, float) and (math.isnan(number) or math.isinf(number)):
        return 0
    result = int(number) & 0xFFFFFFFF
    return result - 0x100000000 if result & 0x80000000 else result


def to_json(value: Any) -> Any:
    """What JSON.stringify would keep: undefined and functions vanish from objects and
    become null in arrays; non-finite numbers become null."""
    if value is UNDEFINED or (callable(value) and not isinstance(value, dict | list)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {
            str(k): to_json(v)
            for k, v in value.items()
            if v is not UNDEFINED and not (callable(v) and not isinstance(v, dict | list))
        }
    return value
