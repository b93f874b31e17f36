"""Whitelisted globals: `Math`, `Object`, `Array`, `JSON`, `Number`, `String`, `Date`...

Nothing else is reachable: no attribute of a Python object is ever read. The methods of
strings, arrays, numbers and dates live in `methods` and `dates`.
"""

from __future__ import annotations

import decimal
import json
import math
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from scripts_runtime.expr.dates import construct_date, date_parse, iso_string
from scripts_runtime.expr.errors import ExpressionLimitError, ExpressionRuntimeError
from scripts_runtime.expr.runtime import EvalState, Namespace, NativeFunction
from scripts_runtime.expr.values import (
    UNDEFINED,
    JSCallable,
    JSDate,
    check_string_size,
    date_to_string,
    host_scalar_string,
    is_nullish,
    normalize_number,
    property_key,
    string_to_number,
    to_number,
    to_string,
    truthy,
    typeof,
)

MAX_ARRAY_LENGTH: Final = 100_000


def call_value(state: EvalState, fn: Any, args: Sequence[Any]) -> Any:
    if not isinstance(fn, JSCallable):
        raise ExpressionRuntimeError(f"{to_string(fn)[:40]} is not a function")
    return fn.call(state, args)


def int_arg(value: Any, default: int) -> int:
    if value is UNDEFINED:
        return default
    number = to_number(value)
    if number != number:
        return 0
    if math.isinf(number):
        return MAX_ARRAY_LENGTH if number > 0 else -MAX_ARRAY_LENGTH
    return int(number)


def slice_bounds(length: int, start: Any, end: Any) -> tuple[int, int]:
    s = int_arg(start, 0)
    e = int_arg(end, length)
    s = max(length + s, 0) if s < 0 else min(s, length)
    e = max(length + e, 0) if e < 0 else min(e, length)
    return s, e


# -- conversions used as globals ----------------------------------------------------------------


def js_number(_state: EvalState, value: Any = 0) -> int | float:
    return to_number(value)


def js_string(_state: EvalState, value: Any = "") -> str:
    return to_string(value)


def js_boolean(_state: EvalState, value: Any = UNDEFINED) -> bool:
    return truthy(value)


def js_parse_int(_state: EvalState, value: Any = UNDEFINED, radix: Any = UNDEFINED) -> int | float:
    text = to_string(value).strip()
    base = int_arg(radix, 10) or 10
    sign = 1
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if base == 16 and text[:2].lower() == "0x":
        text = text[2:]
    digits = ""
    for ch in text:
        value = int(ch, 36) if ch.isascii() and ch.isalnum() else base
        if value < base:
            digits += ch
        else:
            break
    if not digits or not 2 <= base <= 36:
        return math.nan
    return sign * int(digits, base)


def js_parse_float(_state: EvalState, value: Any = UNDEFINED) -> int | float:
    text = to_string(value).strip()
    best: int | float = math.nan
    for end in range(len(text), 0, -1):
        candidate = text[:end]
        if candidate.lower().lstrip("+-").startswith(("inf", "nan")):
            continue
        result = string_to_number(candidate)
        if result == result:
            best = result
            break
    if text.lstrip("+-").startswith("Infinity"):
        return -math.inf if text.startswith("-") else math.inf
    return best


def js_is_nan(_state: EvalState, value: Any = UNDEFINED) -> bool:
    number = to_number(value)
    return number != number


def js_is_finite(_state: EvalState, value: Any = UNDEFINED) -> bool:
    number = to_number(value)
    return number == number and not math.isinf(number)


# -- Math ---------------------------------------------------------------------------------------


def _math1(fn: Callable[[float], float]) -> Callable[..., Any]:
    def apply(_state: EvalState, value: Any = UNDEFINED, *_rest: Any) -> int | float:
        number = to_number(value)
        if number != number:
            return math.nan
        try:
            result = fn(number)
        except (ValueError, OverflowError):
            return math.nan
        return normalize_number(float(result)) if not isinstance(result, int) else result

    return apply


def _js_round(x: float) -> float:
    if math.isinf(x):
        return x
    return float(math.floor(x + 0.5))


def _math_minmax(pick: Callable[..., Any], empty: float) -> Callable[..., Any]:
    def apply(state: EvalState, *values: Any) -> int | float:
        state.spend(len(values))
        numbers = [to_number(v) for v in values]
        if any(n != n for n in numbers):
            return math.nan
        return pick(numbers) if numbers else empty

    return apply


def _math_pow(_state: EvalState, base: Any = UNDEFINED, exponent: Any = UNDEFINED) -> int | float:
    return power(base, exponent)


def power(base: Any, exponent: Any) -> int | float:
    b = to_number(base)
    e = to_number(exponent)
    if b != b or e != e:
        return math.nan
    if isinstance(b, int) and isinstance(e, int) and e >= 0:
        if e > 1024 and abs(b) > 1:
            return math.inf if b > 0 or e % 2 == 0 else -math.inf
        result: int = b**e
        return result
    try:
        return normalize_number(float(b) ** float(e))
    except (OverflowError, ZeroDivisionError):
        return math.inf
    except ValueError:
        return math.nan


def _log(x: float) -> float:
    if x == 0:
        return -math.inf
    return math.log(x)


MATH = Namespace(
    "Math",
    {
        "PI": math.pi,
        "E": math.e,
        "LN2": math.log(2),
        "LN10": math.log(10),
        "SQRT2": math.sqrt(2),
        "abs": NativeFunction("abs", _math1(abs)),
        "ceil": NativeFunction("ceil", _math1(lambda x: x if math.isinf(x) else math.ceil(x))),
        "floor": NativeFunction("floor", _math1(lambda x: x if math.isinf(x) else math.floor(x))),
        "round": NativeFunction("round", _math1(_js_round)),
        "trunc": NativeFunction("trunc", _math1(lambda x: x if math.isinf(x) else math.trunc(x))),
        "sign": NativeFunction("sign", _math1(lambda x: (x > 0) - (x < 0))),
        "sqrt": NativeFunction("sqrt", _math1(math.sqrt)),
        "cbrt": NativeFunction("cbrt", _math1(lambda x: math.copysign(abs(x) ** (1 / 3), x))),
        "log": NativeFunction("log", _math1(_log)),
        "log10": NativeFunction("log10", _math1(math.log10)),
        "log2": NativeFunction("log2", _math1(math.log2)),
        "exp": NativeFunction("exp", _math1(math.exp)),
        "sin": NativeFunction("sin", _math1(math.sin)),
        "cos": NativeFunction("cos", _math1(math.cos)),
        "tan": NativeFunction("tan", _math1(math.tan)),
        "atan2": NativeFunction(
            "atan2", lambda _s, y=0, x=0: math.atan2(to_number(y), to_number(x))
        ),
        "max": NativeFunction("max", _math_minmax(max, -math.inf)),
        "min": NativeFunction("min", _math_minmax(min, math.inf)),
        "pow": NativeFunction("pow", _math_pow),
        "random": NativeFunction("random", lambda state: state.random()),
    },
)


# -- Object / Array / JSON ----------------------------------------------------------------------


def _as_object(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, str):
        return {str(i): v for i, v in enumerate(value)}
    if is_nullish(value):
        raise ExpressionRuntimeError("cannot convert undefined or null to object")
    return {}


def _object_keys(state: EvalState, value: Any = UNDEFINED) -> list[Any]:
    obj = _as_object(value)
    state.spend(len(obj))
    return list(obj.keys())


def _object_values(state: EvalState, value: Any = UNDEFINED) -> list[Any]:
    obj = _as_object(value)
    state.spend(len(obj))
    return list(obj.values())


def _object_entries(state: EvalState, value: Any = UNDEFINED) -> list[Any]:
    obj = _as_object(value)
    state.spend(len(obj))
    return [[k, v] for k, v in obj.items()]


def _object_assign(state: EvalState, target: Any = UNDEFINED, *sources: Any) -> dict[str, Any]:
    result = dict(_as_object(target))
    for source in sources:
        if not is_nullish(source):
            obj = _as_object(source)
            state.spend(len(obj))
            result.update(obj)
    return result


def _object_from_entries(state: EvalState, entries: Any = UNDEFINED) -> dict[str, Any]:
    if not isinstance(entries, list):
        raise ExpressionRuntimeError("Object.fromEntries expects an array of pairs")
    state.spend(len(entries))
    result: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, list) and entry:
            result[property_key(entry[0])] = entry[1] if len(entry) > 1 else UNDEFINED
    return result


OBJECT = NativeFunction(
    "Object",
    lambda _s, value=UNDEFINED: {} if is_nullish(value) else value,
    members={
        "keys": NativeFunction("keys", _object_keys),
        "values": NativeFunction("values", _object_values),
        "entries": NativeFunction("entries", _object_entries),
        "assign": NativeFunction("assign", _object_assign),
        "fromEntries": NativeFunction("fromEntries", _object_from_entries),
    },
)


def _array_from(state: EvalState, source: Any = UNDEFINED, fn: Any = UNDEFINED) -> list[Any]:
    if isinstance(source, list | str):
        items = list(source)
    elif isinstance(source, Mapping) and "length" in source:
        length = int_arg(source.get("length"), 0)
        if length > MAX_ARRAY_LENGTH:
            raise ExpressionLimitError(f"array longer than {MAX_ARRAY_LENGTH}")
        items = [UNDEFINED] * max(length, 0)
    else:
        items = []
    state.spend(len(items))
    if fn is not UNDEFINED:
        return [call_value(state, fn, [item, i]) for i, item in enumerate(items)]
    return items


ARRAY = NativeFunction(
    "Array",
    lambda state, *items: list(items),
    members={
        "isArray": NativeFunction("isArray", lambda _s, v=UNDEFINED: isinstance(v, list)),
        "from": NativeFunction("from", _array_from),
        "of": NativeFunction("of", lambda _s, *items: list(items)),
    },
)


def to_json_value(value: Any, state: EvalState | None = None, depth: int = 0) -> Any:
    """Convert to what JSON.stringify would write (undefined and functions dropped)."""
    if depth > 64:
        raise ExpressionLimitError("value nested too deeply to serialise")
    if state is not None:
        state.spend()
    if isinstance(value, float) and (value != value or math.isinf(value)):
        return None
    if isinstance(value, Mapping):
        return {
            str(k): to_json_value(v, state, depth + 1)
            for k, v in value.items()
            if v is not UNDEFINED and not isinstance(v, JSCallable)
        }
    if isinstance(value, list | tuple):
        return [
            None
            if v is UNDEFINED or isinstance(v, JSCallable)
            else to_json_value(v, state, depth + 1)
            for v in value
        ]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, JSDate):
        return iso_string(value) if value.valid() else None
    if isinstance(value, decimal.Decimal):
        return normalize_number(float(value)) if value.is_finite() else None
    text = host_scalar_string(value)
    return text if text != "[object Object]" else None


def json_stringify(
    state: EvalState, value: Any = UNDEFINED, _replacer: Any = UNDEFINED, indent: Any = UNDEFINED
) -> Any:
    if value is UNDEFINED or isinstance(value, JSCallable):
        return UNDEFINED
    data = to_json_value(value, state)
    spaces = int_arg(indent, 0) if not isinstance(indent, str) else indent
    if spaces:
        text = json.dumps(data, ensure_ascii=False, indent=spaces)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return check_string_size(text)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_parse(state: EvalState, text: Any = UNDEFINED) -> Any:
    source = to_string(text)
    check_string_size(source)
    state.spend(len(source) // 100 + 1)
    try:
        return json.loads(source, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ExpressionRuntimeError("JSON.parse: invalid JSON") from None


JSON = Namespace(
    "JSON",
    {
        "stringify": NativeFunction("stringify", json_stringify),
        "parse": NativeFunction("parse", _json_parse),
    },
)

NUMBER = NativeFunction(
    "Number",
    js_number,
    members={
        "isInteger": NativeFunction(
            "isInteger",
            lambda _s, v=UNDEFINED: (
                typeof(v) == "number" and v == v and not math.isinf(v) and float(v).is_integer()
            ),
        ),
        "isFinite": NativeFunction(
            "isFinite",
            lambda _s, v=UNDEFINED: typeof(v) == "number" and v == v and not math.isinf(v),
        ),
        "isNaN": NativeFunction("isNaN", lambda _s, v=UNDEFINED: typeof(v) == "number" and v != v),
        "parseFloat": NativeFunction("parseFloat", js_parse_float),
        "parseInt": NativeFunction("parseInt", js_parse_int),
        "MAX_SAFE_INTEGER": 2**53 - 1,
        "MIN_SAFE_INTEGER": -(2**53 - 1),
        "EPSILON": 2.0**-52,
        "POSITIVE_INFINITY": math.inf,
        "NEGATIVE_INFINITY": -math.inf,
        "NaN": math.nan,
    },
)


def _date_now(state: EvalState) -> int | float:
    return normalize_number(float(math.floor(state.now_ms())))


DATE = NativeFunction(
    "Date",
    lambda state, *_: date_to_string(JSDate(float(math.floor(state.now_ms())))),
    members={
        "now": NativeFunction("now", _date_now),
        "parse": NativeFunction("parse", date_parse),
    },
    construct=construct_date,
)

GLOBALS: Final[dict[str, Any]] = {
    "undefined": UNDEFINED,
    "NaN": math.nan,
    "Infinity": math.inf,
    "Math": MATH,
    "Object": OBJECT,
    "Array": ARRAY,
    "JSON": JSON,
    "Number": NUMBER,
    "String": NativeFunction("String", js_string),
    "Boolean": NativeFunction("Boolean", js_boolean),
    "Date": DATE,
    "parseInt": NativeFunction("parseInt", js_parse_int),
    "parseFloat": NativeFunction("parseFloat", js_parse_float),
    "isNaN": NativeFunction("isNaN", js_is_nan),
    "isFinite": NativeFunction("isFinite", js_is_finite),
    "encodeURIComponent": NativeFunction(
        "encodeURIComponent",
        lambda _s, v=UNDEFINED: urllib.parse.quote(to_string(v), safe="-_.!~*'()"),
    ),
    "decodeURIComponent": NativeFunction(
        "decodeURIComponent", lambda _s, v=UNDEFINED: urllib.parse.unquote(to_string(v))
    ),
}
