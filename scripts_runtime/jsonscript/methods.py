"""Array and string methods JSON-script code may call (`items.map(...)`, `s.trim()`).

Callbacks receive JavaScript's (value, index, array) arguments; the translator gives every
arrow function a `*rest` parameter, so a callback that declares fewer parameters still works.
Unknown method names are `undefined`, and calling undefined yields undefined (the reference
executor's rule), so a typo degrades instead of reaching anything else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from scripts_runtime.jsonscript.jsvalues import (
    UNDEFINED,
    is_nullish,
    normalise_number,
    to_number,
    to_string,
    truthy,
)
from scripts_runtime.jsonscript.operators import lt, strict_eq

Method = Callable[..., Any]


def _index(value: Any, length: int, default: int) -> int:
    if value is UNDEFINED:
        return default
    number = to_number(value)
    if isinstance(number, float):
        if number != number:  # NaN
            return 0
        if number in (float("inf"), float("-inf")):
            return length if number > 0 else 0
        number = int(number)
    return max(length + number, 0) if number < 0 else min(number, length)


def _sort_key(compare: Any) -> Callable[[Any], Any]:
    if compare is UNDEFINED or compare is None:
        return functools.cmp_to_key(
            lambda a, b: (
                -1 if to_string(a) < to_string(b) else (1 if to_string(a) > to_string(b) else 0)
            )
        )
    return functools.cmp_to_key(lambda a, b: int(to_number(compare(a, b)) or 0))


def array_method(items: list[Any], name: str) -> Any:
    def each(fn: Any) -> Any:
        for i, v in enumerate(list(items)):
            fn(v, i, items)
        return UNDEFINED

    def find(fn: Any) -> Any:
        for i, v in enumerate(items):
            if truthy(fn(v, i, items)):
                return v
        return UNDEFINED

    def find_index(fn: Any) -> int:
        for i, v in enumerate(items):
            if truthy(fn(v, i, items)):
                return i
        return -1

    def reduce(fn: Any, *initial: Any) -> Any:
        values = list(items)
        if initial:
            acc, start = initial[0], 0
        elif values:
            acc, start = values[0], 1
        else:
            raise TypeError("Reduce of empty array with no initial value")
        for i in range(start, len(values)):
            acc = fn(acc, values[i], i, items)
        return acc

    def index_of(value: Any, start: Any = UNDEFINED) -> int:
        for i in range(_index(start, len(items), 0), len(items)):
            if strict_eq(items[i], value):
                return i
        return -1

    def includes(value: Any, start: Any = UNDEFINED) -> bool:
        return any(
            strict_eq(items[i], value) or (value != value and items[i] != items[i])
            for i in range(_index(start, len(items), 0), len(items))
        )

    def push(*values: Any) -> int:
        items.extend(values)
        return len(items)

    def pop() -> Any:
        return items.pop() if items else UNDEFINED

    def shift() -> Any:
        return items.pop(0) if items else UNDEFINED

    def unshift(*values: Any) -> int:
        items[0:0] = values
        return len(items)

    def slice_(start: Any = UNDEFINED, end: Any = UNDEFINED) -> list[Any]:
        return items[_index(start, len(items), 0) : _index(end, len(items), len(items))]

    def splice(start: Any = UNDEFINED, count: Any = UNDEFINED, *values: Any) -> list[Any]:
        begin = _index(start, len(items), 0)
        stop = len(items) if count is UNDEFINED else begin + max(int(to_number(count)), 0)
        removed = items[begin:stop]
        items[begin:stop] = values
        return removed

    def concat(*others: Any) -> list[Any]:
        result = list(items)
        for other in others:
            result.extend(other if isinstance(other, list) else [other])
        return result

    def join(separator: Any = ",") -> str:
        sep = "," if separator is UNDEFINED else to_string(separator)
        return sep.join("" if is_nullish(v) else to_string(v) for v in items)

    def sort(compare: Any = UNDEFINED) -> list[Any]:
        items.sort(key=_sort_key(compare))
        return items

    def reverse() -> list[Any]:
        items.reverse()
        return items

    def flat(depth: Any = 1) -> list[Any]:
        def flatten(values: list[Any], level: int) -> list[Any]:
            out: list[Any] = []
            for v in values:
                if isinstance(v, list) and level > 0:
                    out.extend(flatten(v, level - 1))
                else:
                    out.append(v)
            return out

        return flatten(items, int(to_number(depth)))

    table: dict[str, Method] = {
        "map": lambda fn: [fn(v, i, items) for i, v in enumerate(list(items))],
        "filter": lambda fn: [v for i, v in enumerate(list(items)) if truthy(fn(v, i, items))],
        "forEach": each,
        "some": lambda fn: any(truthy(fn(v, i, items)) for i, v in enumerate(list(items))),
        "every": lambda fn: all(truthy(fn(v, i, items)) for i, v in enumerate(list(items))),
        "find": find,
        "findIndex": find_index,
        "reduce": reduce,
        "indexOf": index_of,
        "includes": includes,
        "push": push,
        "pop": pop,
        "shift": shift,
        "unshift": unshift,
        "slice": slice_,
        "splice": splice,
        "concat": concat,
        "join": join,
        "sort": sort,
        "reverse": reverse,
        "flat": flat,
        "toString": lambda: join(),
    }
    return table.get(name, UNDEFINED)


def string_method(text: str, name: str) -> Any:
    def split(separator: Any = UNDEFINED, limit: Any = UNDEFINED) -> list[str]:
        if separator is UNDEFINED:
            parts = [text]
        elif to_string(separator) == "":
            parts = list(text)
        else:
            parts = text.split(to_string(separator))
        return parts if limit is UNDEFINED else parts[: int(to_number(limit))]

    def index_of(sub: Any, start: Any = UNDEFINED) -> int:
        return text.find(to_string(sub), _index(start, len(text), 0))

    def replace(pattern: Any, replacement: Any) -> str:
        new = replacement(to_string(pattern)) if callable(replacement) else to_string(replacement)
        return text.replace(to_string(pattern), to_string(new), 1)

    def replace_all(pattern: Any, replacement: Any) -> str:
        return text.replace(to_string(pattern), to_string(replacement))

    def pad(left: bool) -> Method:
        def padder(length: Any, fill: Any = " ") -> str:
            width = int(to_number(length))
            filler = " " if fill is UNDEFINED else to_string(fill)
            if width <= len(text) or not filler:
                return text
            needed = width - len(text)
            padding = (filler * (needed // len(filler) + 1))[:needed]
            return padding + text if left else text + padding

        return padder

    def substring(start: Any = UNDEFINED, end: Any = UNDEFINED) -> str:
        a = _index(start if not lt(start, 0) else 0, len(text), 0)
        b = _index(end if not lt(end, 0) else 0, len(text), len(text))
        return text[min(a, b) : max(a, b)]

    def repeat(count: Any) -> str:
        times = int(to_number(count))
        if times < 0 or times * len(text) > 10_000_000:
            raise ValueError("Invalid count value")
        return text * times

    table: dict[str, Method] = {
        "toUpperCase": lambda: text.upper(),
        "toLowerCase": lambda: text.lower(),
        "trim": lambda: text.strip(),
        "trimStart": lambda: text.lstrip(),
        "trimEnd": lambda: text.rstrip(),
        "split": split,
        "includes": lambda sub, *rest: to_string(sub) in text,
        "startsWith": lambda sub, *rest: text.startswith(to_string(sub)),
        "endsWith": lambda sub, *rest: text.endswith(to_string(sub)),
        "indexOf": index_of,
        "lastIndexOf": lambda sub, *rest: text.rfind(to_string(sub)),
        "slice": lambda start=UNDEFINED, end=UNDEFINED: text[
            _index(start, len(text), 0) : _index(end, len(text), len(text))
        ],
        "substring": substring,
        "charAt": lambda i=0: text[int(to_number(i))] if 0 <= int(to_number(i)) < len(text) else "",
        "charCodeAt": lambda i=0: normalise_number(ord(text[int(to_number(i))])),
        "replace": replace,
        "replaceAll": replace_all,
        "padStart": pad(True),
        "padEnd": pad(False),
        "repeat": repeat,
        "concat": lambda *others: text + "".join(to_string(o) for o in others),
        "toString": lambda: text,
    }
    return table.get(name, UNDEFINED)
