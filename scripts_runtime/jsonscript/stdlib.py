"""JavaScript globals available to JSON-script code: Math, JSON, Object, Array, Number,
String, Boolean, parseInt, parseFloat, isNaN, isFinite, Infinity, NaN.

Each namespace is a `JsNamespace` that answers `js_get(name)` from a fixed table; the
translator maps an identifier with one of these names (when not a local) to `js_<name>`.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Mapping
from typing import Any

from scripts_runtime.jsonscript.jsvalues import (
    UNDEFINED,
    is_number,
    normalise_number,
    to_json,
    to_number,
    to_string,
    truthy,
)


class JsNamespace:
    __slots__ = ("_members", "_name")

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        self._name = name
        self._members = dict(members)

    def js_get(self, key: str) -> Any:
        return self._members.get(key, UNDEFINED)

    def __repr__(self) -> str:
        return f"[object {self._name}]"


class JsCallable(JsNamespace):
    """A global that is both callable and has members (`Number(x)`, `Number.isInteger`)."""

    __slots__ = ("_fn",)

    def __init__(self, name: str, fn: Callable[..., Any], members: Mapping[str, Any]) -> None:
        super().__init__(name, members)
        self._fn = fn

    def __call__(self, *args: Any) -> Any:
        return self._fn(*args)

    def js_instance_check(self, value: Any) -> bool:
        return (self._name == "Array" and isinstance(value, list)) or (
            self._name == "Object" and isinstance(value, dict | list)
        )


def _num(fn: Callable[..., float]) -> Callable[..., Any]:
    def wrapped(*args: Any) -> Any:
        try:
            return normalise_number(fn(*(to_number(a) for a in args)))
        except (ValueError, OverflowError):
            return math.nan

    return wrapped


def _round(x: Any) -> Any:
    number = to_number(x)
    if isinstance(number, float) and not math.isfinite(number):
        return number
    return normalise_number(math.floor(number + 0.5))


def _minmax(pick: Callable[..., Any], empty: float) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        numbers = [to_number(a) for a in args]
        if any(isinstance(n, float) and math.isnan(n) for n in numbers):
            return math.nan
        return pick(numbers) if numbers else empty

    return fn


MATH = JsNamespace(
    "Math",
    {
        "PI": math.pi,
        "E": math.e,
        "LN2": math.log(2),
        "LN10": math.log(10),
        "SQRT2": math.sqrt(2),
        "abs": _num(abs),
        "floor": _num(math.floor),
        "ceil": _num(math.ceil),
        "round": _round,
        "trunc": _num(math.trunc),
        "sign": _num(lambda x: (x > 0) - (x < 0)),
        "sqrt": _num(math.sqrt),
        "cbrt": _num(lambda x: math.copysign(abs(x) ** (1 / 3), x)),
        "pow": _num(lambda x, y: float(x) ** float(y)),
        "exp": _num(math.exp),
        "log": _num(math.log),
        "log2": _num(math.log2),
        "log10": _num(math.log10),
        "sin": _num(math.sin),
        "cos": _num(math.cos),
        "tan": _num(math.tan),
        "atan2": _num(math.atan2),
        "hypot": _num(math.hypot),
        "min": _minmax(min, math.inf),
        "max": _minmax(max, -math.inf),
        "random": lambda: random.random(),
    },
)


def _stringify(value: Any, replacer: Any = None, indent: Any = UNDEFINED) -> Any:
    if value is UNDEFINED:
        return UNDEFINED
    spaces: Any = None if indent is UNDEFINED or indent is None else indent
    if is_number(spaces):
        spaces = int(spaces) or None
    return json.dumps(
        to_json(value),
        indent=spaces,
        separators=(",", ":") if spaces is None else None,
        ensure_ascii=False,
    )


def _parse(text: Any) -> Any:
    return json.loads(to_string(text))


JSON_OBJECT = JsNamespace("JSON", {"stringify": _stringify, "parse": _parse})


def _keys(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        return list(obj)
    if isinstance(obj, list | str):
        return [str(i) for i in range(len(obj))]
    return []


def _values(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, list | str):
        return list(obj)
    return []


def _assign(target: Any, *sources: Any) -> Any:
    for source in sources:
        if isinstance(source, dict) and isinstance(target, dict):
            target.update(source)
    return target


OBJECT = JsCallable(
    "Object",
    lambda value=UNDEFINED: {} if value is UNDEFINED or value is None else value,
    {
        "keys": _keys,
        "values": _values,
        "entries": lambda obj: [[k, v] for k, v in zip(_keys(obj), _values(obj), strict=True)],
        "assign": _assign,
        "fromEntries": lambda pairs: {to_string(p[0]): p[1] for p in pairs},
    },
)

ARRAY = JsCallable(
    "Array",
    lambda *items: list(items),
    {
        "isArray": lambda value: isinstance(value, list),
        "of": lambda *items: list(items),
        "from": lambda value, fn=None: [
            fn(v, i) if callable(fn) else v
            for i, v in enumerate(value if isinstance(value, list | str) else [])
        ],
    },
)


def _is_integer(value: Any) -> bool:
    return is_number(value) and math.isfinite(value) and float(value).is_integer()


NUMBER = JsCallable(
    "Number",
    lambda value=0: to_number(value),
    {
        "isInteger": _is_integer,
        "isFinite": lambda v: is_number(v) and math.isfinite(v),
        "isNaN": lambda v: isinstance(v, float) and math.isnan(v),
        "MAX_SAFE_INTEGER": 2**53 - 1,
        "MIN_SAFE_INTEGER": -(2**53 - 1),
        "EPSILON": 2.0**-52,
    },
)

STRING = JsCallable("String", lambda value="": to_string(value), {})
BOOLEAN = JsCallable("Boolean", lambda value=False: truthy(value), {})

_INT_PREFIX = re.compile(r"^\s*([+-]?)(0[xX][0-9a-fA-F]+|\d+)")
_FLOAT_PREFIX = re.compile(r"^\s*[+-]?(Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")


def parse_int(value: Any, radix: Any = UNDEFINED) -> Any:
    text = to_string(value).strip()
    if radix is not UNDEFINED and to_number(radix) not in (0, 10):
        base = int(to_number(radix))
        digits = ""
        sign = -1 if text.startswith("-") else 1
        for char in text.lstrip("+-"):
            if char.isalnum() and int(char, 36) < base:
                digits += char
            else:
                break
        return sign * int(digits, base) if digits else math.nan
    match = _INT_PREFIX.match(text)
    if not match:
        return math.nan
    sign_text, digits = match.groups()
    number = int(digits, 16) if digits.lower().startswith("0x") else int(digits)
    return -number if sign_text == "-" else number


def parse_float(value: Any) -> Any:
    match = _FLOAT_PREFIX.match(to_string(value))
    if not match:
        return math.nan
    return to_number(match.group(0).strip())


GLOBAL_OBJECTS: dict[str, Any] = {
    "js_Math": MATH,
    "js_JSON": JSON_OBJECT,
    "js_Object": OBJECT,
    "js_Array": ARRAY,
    "js_Number": NUMBER,
    "js_String": STRING,
    "js_Boolean": BOOLEAN,
    "js_parseInt": parse_int,
    "js_parseFloat": parse_float,
    "js_isNaN": lambda v: isinstance(to_number(v), float) and math.isnan(to_number(v)),
    "js_isFinite": lambda v: math.isfinite(to_number(v)),
    "js_Infinity": math.inf,
    "js_NaN": math.nan,
}

GLOBAL_NAMES = frozenset(name.removeprefix("js_") for name in GLOBAL_OBJECTS)
