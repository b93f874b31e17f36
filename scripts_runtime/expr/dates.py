"""JavaScript `Date`, in UTC: `new Date()`, `new Date(ms | iso | y, m, d...)`, `Date.parse`,
and the methods workflow expressions use (`toISOString`, `getTime`, `toLocaleString`, ...).

`new Date()` reads the evaluation's clock, so in deterministic mode it is workflow time.
All calendar fields are UTC: the server has no user time zone, and UTC keeps replays stable.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import re
from collections.abc import Callable
from typing import Any, Final

from scripts_runtime.expr.errors import ExpressionRuntimeError
from scripts_runtime.expr.runtime import EvalState
from scripts_runtime.expr.values import (
    UNDEFINED,
    JSDate,
    date_to_string,
    normalize_number,
    to_number,
    to_string,
)

_EPOCH: Final = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_DATE_ONLY: Final = re.compile(r"^([+-]?\d{4,6})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _moment(value: JSDate) -> datetime.datetime:
    if not value.valid():
        raise ExpressionRuntimeError("Invalid time value")
    try:
        return _EPOCH + datetime.timedelta(milliseconds=value.ms)
    except OverflowError:
        raise ExpressionRuntimeError("date outside the supported range") from None


def _from_datetime(moment: datetime.datetime) -> JSDate:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    delta = moment - _EPOCH
    return JSDate(
        float(delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000)
    )


def parse_date(text: str) -> JSDate:
    source = text.strip()
    match = _DATE_ONLY.match(source)
    try:
        if match:
            year, month, day = (
                int(match.group(1)),
                int(match.group(2) or 1),
                int(match.group(3) or 1),
            )
            return _from_datetime(datetime.datetime(year, month, day, tzinfo=datetime.UTC))
        candidate = (
            source.replace("Z", "+00:00").replace(" ", "T", 1)
            if "T" not in source and re.match(r"^\d{4}-\d{2}-\d{2} \d", source)
            else source.replace("Z", "+00:00")
        )
        return _from_datetime(datetime.datetime.fromisoformat(candidate))
    except ValueError:
        pass
    try:
        return _from_datetime(email.utils.parsedate_to_datetime(source))
    except (TypeError, ValueError, IndexError):
        return JSDate(math.nan)


def construct_date(state: EvalState, *args: Any) -> JSDate:
    if not args:
        return JSDate(float(math.floor(state.now_ms())))
    if len(args) == 1:
        value = args[0]
        if isinstance(value, JSDate):
            return JSDate(value.ms)
        if isinstance(value, str):
            return parse_date(value)
        number = to_number(value)
        return JSDate(
            float(math.trunc(number)) if number == number and not math.isinf(number) else math.nan
        )
    fields = [to_number(a) for a in args[:7]]
    if any(f != f or math.isinf(f) for f in fields):
        return JSDate(math.nan)
    year, month = int(fields[0]), int(fields[1])
    rest = [int(f) for f in fields[2:]] + [0] * (5 - len(fields[2:]))
    day = rest[0] if len(fields) > 2 else 1
    if 0 <= year <= 99:
        year += 1900
    try:
        base = datetime.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=datetime.UTC)
        moment = base + datetime.timedelta(
            days=day - 1, hours=rest[1], minutes=rest[2], seconds=rest[3], milliseconds=rest[4]
        )
    except (ValueError, OverflowError):
        return JSDate(math.nan)
    return _from_datetime(moment)


def date_parse(state: EvalState, value: Any = UNDEFINED) -> int | float:
    parsed = parse_date(to_string(value))
    return normalize_number(parsed.ms) if parsed.valid() else math.nan


def iso_string(value: JSDate) -> str:
    moment = _moment(value)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _locale_date(moment: datetime.datetime) -> str:
    return f"{moment.month}/{moment.day}/{moment.year}"


def _locale_time(moment: datetime.datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def _field(getter: Callable[[datetime.datetime], int]) -> Callable[..., Any]:
    def read(_state: EvalState, value: JSDate, *_: Any) -> int | float:
        if not value.valid():
            return math.nan
        return getter(_moment(value))

    return read


DATE_METHODS: Final[dict[str, Callable[..., Any]]] = {
    "getTime": lambda _s, d: normalize_number(d.ms) if d.valid() else math.nan,
    "valueOf": lambda _s, d: normalize_number(d.ms) if d.valid() else math.nan,
    "toISOString": lambda _s, d: iso_string(d),
    "toJSON": lambda _s, d, *_: iso_string(d) if d.valid() else None,
    "toString": lambda _s, d: date_to_string(d),
    "toUTCString": lambda _s, d: email.utils.format_datetime(_moment(d), usegmt=True),
    "toDateString": lambda _s, d: date_to_string(d)[:15],
    "toLocaleString": lambda _s, d, *_: (
        f"{_locale_date(_moment(d))}, {_locale_time(_moment(d))}" if d.valid() else "Invalid Date"
    ),
    "toLocaleDateString": lambda _s, d, *_: (
        _locale_date(_moment(d)) if d.valid() else "Invalid Date"
    ),
    "toLocaleTimeString": lambda _s, d, *_: (
        _locale_time(_moment(d)) if d.valid() else "Invalid Date"
    ),
    **{
        f"{prefix}{name}": _field(getter)
        for prefix in ("get", "getUTC")
        for name, getter in (
            ("FullYear", lambda m: m.year),
            ("Month", lambda m: m.month - 1),
            ("Date", lambda m: m.day),
            ("Day", lambda m: (m.weekday() + 1) % 7),
            ("Hours", lambda m: m.hour),
            ("Minutes", lambda m: m.minute),
            ("Seconds", lambda m: m.second),
            ("Milliseconds", lambda m: m.microsecond // 1000),
        )
    },
    "getTimezoneOffset": lambda _s, d: 0,
}
