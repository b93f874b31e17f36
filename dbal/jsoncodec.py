"""The JSON codec used for JSON columns and cache entries (compact, UTF-8, deterministic keys)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_decoder = json.JSONDecoder()


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_tolerant = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_default
)


def dumps(value: Any) -> str:
    try:
        return _encoder.encode(value)
    except TypeError:
        return _tolerant.encode(value)


def loads(text: str | bytes) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return _decoder.decode(text)
