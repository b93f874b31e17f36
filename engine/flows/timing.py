"""Durations of wait nodes: `500ms`, `30s`, `5m`, `2h`, `1d`, or a number of milliseconds."""

from __future__ import annotations

import re
from typing import Any

_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
MAX_WAIT_MS = 366 * 86_400_000


def parse_duration_ms(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        ms = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        ms = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        return None
    return int(ms) if 0 <= ms <= MAX_WAIT_MS else None


def wait_ms(parameters: dict[str, Any]) -> int | None:
    """A wait node's delay from `ms`, `seconds` or `duration` (already evaluated)."""
    if parameters.get("ms") is not None:
        return parse_duration_ms(parameters["ms"])
    if parameters.get("seconds") is not None:
        seconds = parameters["seconds"]
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            return parse_duration_ms(seconds * 1000)
        return None
    return parse_duration_ms(parameters.get("duration"))
