"""The JSON codec of JSON columns, cursors and cache entries: orjson (compact UTF-8, native
datetimes). orjson writes NaN/Infinity as null and refuses integers beyond 64 bits; the
validator rejects both before they get here, so nothing is silently changed."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(text: str | bytes | int | float) -> Any:
    # SQLite gives JSON columns NUMERIC affinity: a stored "0" comes back as the integer 0
    if isinstance(text, int | float):
        return text
    return orjson.loads(text)
