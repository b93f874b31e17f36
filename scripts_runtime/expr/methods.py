"""Methods of strings, arrays and numbers, and the Angular-style pipe filters.

Array methods never mutate their receiver (`sort`/`reverse` return copies): data held by the
renderer or a workflow must not change because an expression looked at it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cmp_to_key
from typing import Any, Final

from scripts_runtime.expr.builtins import (
    MAX_ARRAY_LENGTH,
    call_value,
    int_arg,
    json_stringify,
    slice_bounds,
)
from scripts_runtime.expr.errors import ExpressionLimitError, ExpressionRuntimeError
from scripts_runtime.expr.regex import JSRegExp, check_input, expand_replacement
from scripts_runtime.expr.runtime import EvalState
from scripts_runtime.expr.values import (
    MAX_STRING_LENGTH,
    UNDEFINED,
    JSCallable,
    check_string_size,
    is_nullish,
    number_to_string,
    strict_equals,
    to_number,
    to_string,
    truthy,
)

# -- string methods -----------------------------------------------------------------------------


def _str_index_of(_s: EvalState, text: str, needle: Any = UNDEFINED, start: Any = 0) -> int:
    return text.find(to_string(needle), max(int_arg(start, 0), 0))


def _str_last_index_of(_s: EvalState, text: str, needle: Any = UNDEFINED) -> int:
    return text.rfind(to_string(needle))


def _str_slice(_s: EvalState, text: str, start: Any = UNDEFINED, end: Any = UNDEFINED) -> str:
    a, b = slice_bounds(len(text), start, end)
    return text[a:b]


def _str_substring(_s: EvalState, text: str, start: Any = UNDEFINED, end: Any = UNDEFINED) -> str:
    length = len(text)
    a = min(max(int_arg(start, 0), 0), length)
    b = min(max(int_arg(end, length), 0), length)
    return text[min(a, b) : max(a, b)]


def _str_substr(_s: EvalState, text: str, start: Any = UNDEFINED, count: Any = UNDEFINED) -> str:
    a, _ = slice_bounds(len(text), start, UNDEFINED)
    n = int_arg(count, len(text) - a)
    return text[a : a + max(n, 0)]


def _str_split(
    state: EvalState, text: str, sep: Any = UNDEFINED, limit: Any = UNDEFINED
) -> list[Any]:
    if sep is UNDEFINED:
        parts: list[Any] = [text]
    elif isinstance(sep, JSRegExp):
        state.spend(len(check_input(text)) // 50 + 1)
        parts = [p if p is not None else UNDEFINED for p in sep.compiled.split(text)]
    elif to_string(sep) == "":
        parts = list(text)
    else:
        parts = text.split(to_string(sep))
    state.spend(len(parts))
    if limit is not UNDEFINED:
        parts = parts[: max(int_arg(limit, len(parts)), 0)]
    return parts


def _replacement(state: EvalState, repl: Any, match: str, offset: int, text: str) -> str:
    if isinstance(repl, JSCallable):
        return to_string(repl.call(state, [match, offset, text]))
    return to_string(repl).replace("$&", match)


def _regex_replace(state: EvalState, text: str, pattern: JSRegExp, repl: Any, count: int) -> str:
    state.spend(len(check_input(text)) // 50 + 1)
    if isinstance(repl, JSCallable):

        def call(match: re.Match[str]) -> str:
            groups = [g if g is not None else UNDEFINED for g in match.groups()]
            return to_string(repl.call(state, [match.group(0), *groups, match.start(), text]))

        result = pattern.compiled.sub(call, text, count=count)
    else:
        result = pattern.compiled.sub(expand_replacement(to_string(repl)), text, count=count)
    return check_string_size(result)


def _str_replace(state: EvalState, text: str, pattern: Any = UNDEFINED, repl: Any = "") -> str:
    if isinstance(pattern, JSRegExp):
        return _regex_replace(state, text, pattern, repl, 0 if pattern.is_global else 1)
    needle = to_string(pattern)
    index = text.find(needle)
    if index < 0:
        return text
    new = _replacement(state, repl, needle, index, text)
    return check_string_size(text[:index] + new + text[index + len(needle) :])


def _str_replace_all(state: EvalState, text: str, pattern: Any = UNDEFINED, repl: Any = "") -> str:
    if isinstance(pattern, JSRegExp):
        if not pattern.is_global:
            raise ExpressionRuntimeError("replaceAll must be called with a global RegExp")
        return _regex_replace(state, text, pattern, repl, 0)
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


def _as_regexp(pattern: Any) -> JSRegExp:
    if isinstance(pattern, JSRegExp):
        return pattern
    raise ExpressionRuntimeError("match/search need a regular expression literal")


def _str_match(state: EvalState, text: str, pattern: Any) -> Any:
    regexp = _as_regexp(pattern)
    state.spend(len(check_input(text)) // 50 + 1)
    if regexp.is_global:
        found = [m.group(0) for m in regexp.compiled.finditer(text)]
        return found or None
    match = regexp.compiled.search(text)
    if match is None:
        return None
    return [match.group(0), *(g if g is not None else UNDEFINED for g in match.groups())]


def _str_search(state: EvalState, text: str, pattern: Any) -> int:
    regexp = _as_regexp(pattern)
    state.spend(len(check_input(text)) // 50 + 1)
    match = regexp.compiled.search(text)
    return match.start() if match else -1


def _regexp_test(state: EvalState, regexp: JSRegExp, value: Any = UNDEFINED) -> bool:
    text = check_input(to_string(value))
    state.spend(len(text) // 50 + 1)
    return regexp.compiled.search(text) is not None


REGEXP_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "test": _regexp_test,
    "toString": lambda _s, r: f"/{r.source}/{r.flags}",
}


def _str_pad(at_start: bool) -> Callable[..., str]:
    def pad(_s: EvalState, text: str, length: Any = 0, fill: Any = " ") -> str:
        target = int_arg(length, 0)
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
    n = int_arg(count, 0)
    if n < 0:
        raise ExpressionRuntimeError("Invalid count value")
    if len(text) * n > MAX_STRING_LENGTH:
        raise ExpressionLimitError(f"string longer than {MAX_STRING_LENGTH} characters")
    return text * n


def _str_at(_s: EvalState, text: str, index: Any = 0) -> Any:
    i = int_arg(index, 0)
    if i < 0:
        i += len(text)
    return text[i] if 0 <= i < len(text) else UNDEFINED


def _str_char_at(_s: EvalState, text: str, index: Any = 0) -> str:
    i = int_arg(index, 0)
    return text[i] if 0 <= i < len(text) else ""


def _str_char_code_at(_s: EvalState, text: str, index: Any = 0) -> int | float:
    i = int_arg(index, 0)
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
    "match": lambda state, t, pattern=UNDEFINED: _str_match(state, t, pattern),
    "search": lambda state, t, pattern=UNDEFINED: _str_search(state, t, pattern),
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
    a, b = slice_bounds(len(items), start, end)
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
    levels = int_arg(depth, 1)
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
    i = int_arg(index, 0)
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
    places = int_arg(digits, 0)
    if not 0 <= places <= 100:
        raise ExpressionRuntimeError("toFixed() digits argument must be between 0 and 100")
    if value != value or math.isinf(value):
        return number_to_string(value)
    if abs(value) >= 1e21:
        return number_to_string(value)
    return f"{value:.{places}f}"


def _num_to_string(_s: EvalState, value: int | float, radix: Any = UNDEFINED) -> str:
    base = int_arg(radix, 10)
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
    places = int_arg(digits, 1)
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
