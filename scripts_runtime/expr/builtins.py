"""Whitelisted globals (`Math`, `Object`, `JSON`, `Number`, ...) and the methods of strings,
arrays and numbers. Nothing else is reachable: no attribute of a Python object is ever read.

Array methods never mutate their receiver (`sort`/`reverse` return copies): data held by the
renderer or a workflow must not change because a template looked at it.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from functools import cmp_to_key
from typing import Any, Final

from scripts_runtime.expr.dates import construct_date, date_parse, iso_string
from scripts_runtime.expr.errors import ExpressionLimitError, ExpressionRuntimeError
from scripts_runtime.expr.runtime import EvalState, Namespace, NativeFunction
from scripts_runtime.expr.values import (
    MAX_STRING_LENGTH,
    UNDEFINED,
    JSCallable,
    JSDate,
    check_string_size,
    date_to_string,
    is_nullish,
    normalize_number,
    number_to_string,
    property_key,
    strict_equals,
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


def _int_arg(value: Any, default: int) -> int:
    if value is UNDEFINED:
        return default
    number = to_number(value)
    if number != number:
        return 0
    if math.isinf(number):
        return MAX_ARRAY_LENGTH if number > 0 else -MAX_ARRAY_LENGTH
    return int(number)


def _slice_bounds(length: int, start: Any, end: Any) -> tuple[int, int]:
    s = _int_arg(start, 0)
    e = _int_arg(end, length)
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
    base = _int_arg(radix, 10) or 10
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
        length = _int_arg(source.get("length"), 0)
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
    return None


def json_stringify(
    state: EvalState, value: Any = UNDEFINED, _replacer: Any = UNDEFINED, indent: Any = UNDEFINED
) -> Any:
    if value is UNDEFINED or isinstance(value, JSCallable):
        return UNDEFINED
    data = to_json_value(value, state)
    spaces = _int_arg(indent, 0) if not isinstance(indent, str) else indent
    if spaces:
        text = json.dumps(data, ensure_ascii=False, indent=spaces)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return check_string_size(text)


def _json_parse(state: EvalState, text: Any = UNDEFINED) -> Any:
    source = to_string(text)
    check_string_size(source)
    state.spend(len(source) // 100 + 1)
    try:
        return json.loads(source)
    except (json.JSONDecodeError, RecursionError):
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


# -- string methods -----------------------------------------------------------------------------


def _str_index_of(_s: EvalState, text: str, needle: Any = UNDEFINED, start: Any = 0) -> int:
    return text.find(to_string(needle), max(_int_arg(start, 0), 0))


def _str_last_index_of(_s: EvalState, text: str, needle: Any = UNDEFINED) -> int:
    return text.rfind(to_string(needle))


def _str_slice(_s: EvalState, text: str, start: Any = UNDEFINED, end: Any = UNDEFINED) -> str:
    a, b = _slice_bounds(len(text), start, end)
    return text[a:b]


def _str_substring(_s: EvalState, text: str, start: Any = UNDEFINED, end: Any = UNDEFINED) -> str:
    length = len(text)
    a = min(max(_int_arg(start, 0), 0), length)
    b = min(max(_int_arg(end, length), 0), length)
    return text[min(a, b) : max(a, b)]


def _str_substr(_s: EvalState, text: str, start: Any = UNDEFINED, count: Any = UNDEFINED) -> str:
    a, _ = _slice_bounds(len(text), start, UNDEFINED)
    n = _int_arg(count, len(text) - a)
    return text[a : a + max(n, 0)]


def _str_split(
    state: EvalState, text: str, sep: Any = UNDEFINED, limit: Any = UNDEFINED
) -> list[Any]:
    if sep is UNDEFINED:
        parts: list[Any] = [text]
    elif to_string(sep) == "":
        parts = list(text)
    else:
        parts = text.split(to_string(sep))
    state.spend(len(parts))
    if limit is not UNDEFINED:
        parts = parts[: max(_int_arg(limit, len(parts)), 0)]
    return parts


def _replacement(state: EvalState, repl: Any, match: str, offset: int, text: str) -> str:
    if isinstance(repl, JSCallable):
        return to_string(repl.call(state, [match, offset, text]))
    return to_string(repl).replace("$&", match)


def _str_replace(state: EvalState, text: str, pattern: Any = UNDEFINED, repl: Any = "") -> str:
    needle = to_string(pattern)
    index = text.find(needle)
    if index < 0:
        return text
    new = _replacement(state, repl, needle, index, text)
    return check_string_size(text[:index] + new + text[index + len(needle) :])


def _str_replace_all(state: EvalState, text: str, pattern: Any = UNDEFINED, repl: Any = "") -> str:
    needle = to_string(pattern)
    if isinstance(repl, JSCallable):
        pieces = text.split(needle) if needle else list(text)
        state.spend(len(pieces))
        out = pieces[0]
        offset = len(out)
        for piece in pieces[1:]:
            out += _replacement(state, repl, needle, offset, text) + piece
            offset += len(needle) + len(piece)
            check_string_size(out)
        return out
    result = text.replace(needle, to_string(repl))
    return check_string_size(result)


def _str_pad(at_start: bool) -> Callable[..., str]:
    def pad(_s: EvalState, text: str, length: Any = 0, fill: Any = " ") -> str:
        target = _int_arg(length, 0)
        filler = " " if fill is UNDEFINED else to_string(fill)
        if target > MAX_STRING_LENGTH:
            raise ExpressionLimitError(f"string longer than {MAX_STRING_LENGTH} characters")
        if target <= len(text) or not filler:
            return text
        needed = target - len(text)
        padding = (filler * (needed // len(filler) + 1))[:needed]
        return padding + text if at_start else text + padding

    return pad


def _str_repeat(_s: EvalState, text: str, count: Any = 0) -> str:
    n = _int_arg(count, 0)
    if n < 0:
        raise ExpressionRuntimeError("Invalid count value")
    if len(text) * n > MAX_STRING_LENGTH:
        raise ExpressionLimitError(f"string longer than {MAX_STRING_LENGTH} characters")
    return text * n


def _str_at(_s: EvalState, text: str, index: Any = 0) -> Any:
    i = _int_arg(index, 0)
    if i < 0:
        i += len(text)
    return text[i] if 0 <= i < len(text) else UNDEFINED


def _str_char_at(_s: EvalState, text: str, index: Any = 0) -> str:
    i = _int_arg(index, 0)
    return text[i] if 0 <= i < len(text) else ""


def _str_char_code_at(_s: EvalState, text: str, index: Any = 0) -> int | float:
    i = _int_arg(index, 0)
    return ord(text[i]) if 0 <= i < len(text) else math.nan


def _str_locale_compare(_s: EvalState, text: str, other: Any = UNDEFINED) -> int:
    b = to_string(other)
    return (text > b) - (text < b)


STRING_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "toUpperCase": lambda _s, t: t.upper(),
    "toLowerCase": lambda _s, t: t.lower(),
    "toLocaleUpperCase": lambda _s, t, *_: t.upper(),
    "toLocaleLowerCase": lambda _s, t, *_: t.lower(),
    "trim": lambda _s, t: t.strip(),
    "trimStart": lambda _s, t: t.lstrip(),
    "trimEnd": lambda _s, t: t.rstrip(),
    "includes": lambda _s, t, n=UNDEFINED, *_: to_string(n) in t,
    "startsWith": lambda _s, t, n=UNDEFINED, *_: t.startswith(to_string(n)),
    "endsWith": lambda _s, t, n=UNDEFINED, *_: t.endswith(to_string(n)),
    "indexOf": _str_index_of,
    "lastIndexOf": _str_last_index_of,
    "slice": _str_slice,
    "substring": _str_substring,
    "substr": _str_substr,
    "split": _str_split,
    "replace": _str_replace,
    "replaceAll": _str_replace_all,
    "padStart": _str_pad(True),
    "padEnd": _str_pad(False),
    "repeat": _str_repeat,
    "at": _str_at,
    "charAt": _str_char_at,
    "charCodeAt": _str_char_code_at,
    "concat": lambda _s, t, *parts: check_string_size(t + "".join(to_string(p) for p in parts)),
    "localeCompare": _str_locale_compare,
    "toString": lambda _s, t: t,
    "valueOf": lambda _s, t: t,
}


# -- array methods ------------------------------------------------------------------------------


def _each(state: EvalState, items: list[Any], fn: Any) -> Any:
    if not isinstance(fn, JSCallable):
        raise ExpressionRuntimeError(f"{to_string(fn)[:40]} is not a function")
    for index, item in enumerate(items):
        yield item, fn.call(state, [item, index, items])


def _arr_map(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> list[Any]:
    return [result for _, result in _each(state, items, fn)]


def _arr_filter(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> list[Any]:
    return [item for item, result in _each(state, items, fn) if truthy(result)]


def _arr_find(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> Any:
    for item, result in _each(state, items, fn):
        if truthy(result):
            return item
    return UNDEFINED


def _arr_find_index(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> int:
    for index, (_, result) in enumerate(_each(state, items, fn)):
        if truthy(result):
            return index
    return -1


def _arr_some(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> bool:
    return any(truthy(result) for _, result in _each(state, items, fn))


def _arr_every(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> bool:
    return all(truthy(result) for _, result in _each(state, items, fn))


def _arr_for_each(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> Any:
    for _ in _each(state, items, fn):
        pass
    return UNDEFINED


_NO_INITIAL = object()


def _arr_reduce(
    state: EvalState, items: list[Any], fn: Any = UNDEFINED, initial: Any = _NO_INITIAL
) -> Any:
    if not isinstance(fn, JSCallable):
        raise ExpressionRuntimeError("reduce callback is not a function")
    start = 0
    if initial is _NO_INITIAL:
        if not items:
            raise ExpressionRuntimeError("reduce of empty array with no initial value")
        acc = items[0]
        start = 1
    else:
        acc = initial
    for index in range(start, len(items)):
        acc = fn.call(state, [acc, items[index], index, items])
    return acc


def _arr_includes(state: EvalState, items: list[Any], value: Any = UNDEFINED, *_: Any) -> bool:
    state.spend(len(items) // 10 + 1)
    if isinstance(value, float) and value != value:
        return any(isinstance(v, float) and v != v for v in items)
    return any(strict_equals(v, value) for v in items)


def _arr_index_of(state: EvalState, items: list[Any], value: Any = UNDEFINED, *_: Any) -> int:
    state.spend(len(items) // 10 + 1)
    for index, item in enumerate(items):
        if strict_equals(item, value):
            return index
    return -1


def _arr_join(state: EvalState, items: list[Any], sep: Any = UNDEFINED) -> str:
    state.spend(len(items) // 10 + 1)
    separator = "," if sep is UNDEFINED else to_string(sep)
    return check_string_size(
        separator.join("" if is_nullish(item) else to_string(item) for item in items)
    )


def _arr_slice(
    _s: EvalState, items: list[Any], start: Any = UNDEFINED, end: Any = UNDEFINED
) -> list[Any]:
    a, b = _slice_bounds(len(items), start, end)
    return items[a:b]


def _arr_concat(state: EvalState, items: list[Any], *others: Any) -> list[Any]:
    result = list(items)
    for other in others:
        if isinstance(other, list):
            result.extend(other)
        else:
            result.append(other)
    if len(result) > MAX_ARRAY_LENGTH:
        raise ExpressionLimitError(f"array longer than {MAX_ARRAY_LENGTH}")
    state.spend(len(result) // 10 + 1)
    return result


def _default_compare(a: Any, b: Any) -> int:
    if a is UNDEFINED or b is UNDEFINED:
        return (a is UNDEFINED) - (b is UNDEFINED)
    sa, sb = to_string(a), to_string(b)
    return (sa > sb) - (sa < sb)


def _arr_sort(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> list[Any]:
    state.spend(len(items) + 1)
    if fn is UNDEFINED:
        return sorted(items, key=cmp_to_key(_default_compare))

    def by_callback(a: Any, b: Any) -> int:
        result = to_number(call_value(state, fn, [a, b]))
        return 0 if result != result else (result > 0) - (result < 0)

    return sorted(items, key=cmp_to_key(by_callback))


def _arr_flat(state: EvalState, items: list[Any], depth: Any = 1) -> list[Any]:
    levels = _int_arg(depth, 1)
    result: list[Any] = []

    def walk(values: list[Any], level: int) -> None:
        for value in values:
            state.spend()
            if isinstance(value, list) and level > 0:
                walk(value, level - 1)
            else:
                result.append(value)

    walk(items, min(levels, 32))
    return result


def _arr_flat_map(state: EvalState, items: list[Any], fn: Any = UNDEFINED) -> list[Any]:
    return _arr_flat(state, _arr_map(state, items, fn), 1)


def _arr_at(_s: EvalState, items: list[Any], index: Any = 0) -> Any:
    i = _int_arg(index, 0)
    if i < 0:
        i += len(items)
    return items[i] if 0 <= i < len(items) else UNDEFINED


ARRAY_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "map": _arr_map,
    "filter": _arr_filter,
    "find": _arr_find,
    "findIndex": _arr_find_index,
    "some": _arr_some,
    "every": _arr_every,
    "forEach": _arr_for_each,
    "reduce": _arr_reduce,
    "includes": _arr_includes,
    "indexOf": _arr_index_of,
    "join": _arr_join,
    "slice": _arr_slice,
    "concat": _arr_concat,
    "sort": _arr_sort,
    "toSorted": _arr_sort,
    "reverse": lambda _s, items: items[::-1],
    "toReversed": lambda _s, items: items[::-1],
    "flat": _arr_flat,
    "flatMap": _arr_flat_map,
    "at": _arr_at,
    "keys": lambda _s, items: list(range(len(items))),
    "entries": lambda _s, items: [[i, v] for i, v in enumerate(items)],
    "toString": lambda state, items: _arr_join(state, items),
}


# -- number methods -----------------------------------------------------------------------------


def _num_to_fixed(_s: EvalState, value: int | float, digits: Any = 0) -> str:
    places = _int_arg(digits, 0)
    if not 0 <= places <= 100:
        raise ExpressionRuntimeError("toFixed() digits argument must be between 0 and 100")
    if value != value or math.isinf(value):
        return number_to_string(value)
    if abs(value) >= 1e21:
        return number_to_string(value)
    return f"{value:.{places}f}"


def _num_to_string(_s: EvalState, value: int | float, radix: Any = UNDEFINED) -> str:
    base = _int_arg(radix, 10)
    if base == 10 or not isinstance(value, int):
        return number_to_string(value)
    if not 2 <= base <= 36:
        raise ExpressionRuntimeError("toString() radix must be between 2 and 36")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    n = abs(value)
    out = ""
    while True:
        n, r = divmod(n, base)
        out = digits[r] + out
        if n == 0:
            break
    return "-" + out if value < 0 else out


def _num_to_locale_string(_s: EvalState, value: int | float, *_: Any) -> str:
    if value != value or math.isinf(value):
        return number_to_string(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text


def _num_to_precision(_s: EvalState, value: int | float, digits: Any = UNDEFINED) -> str:
    if digits is UNDEFINED:
        return number_to_string(value)
    places = _int_arg(digits, 1)
    if not 1 <= places <= 100:
        raise ExpressionRuntimeError("toPrecision() argument must be between 1 and 100")
    return f"{float(value):.{places}g}"


NUMBER_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "toFixed": _num_to_fixed,
    "toString": _num_to_string,
    "toLocaleString": _num_to_locale_string,
    "toPrecision": _num_to_precision,
    "valueOf": lambda _s, v: v,
}


# -- pipe filters (Angular-style `value | name`) -------------------------------------------------

FILTERS: Final[dict[str, Callable[..., Any]]] = {
    "uppercase": lambda _s, v: to_string(v).upper(),
    "lowercase": lambda _s, v: to_string(v).lower(),
    "json": lambda state, v: json_stringify(state, v),
    "length": lambda _s, v: len(v) if isinstance(v, list | str) else UNDEFINED,
    "default": lambda _s, v, fallback=UNDEFINED: fallback if is_nullish(v) or v == "" else v,
    "number": lambda _s, v, digits=UNDEFINED: (
        _num_to_fixed(_s, to_number(v), digits) if digits is not UNDEFINED else to_number(v)
    ),
    "string": lambda _s, v: to_string(v),
}
