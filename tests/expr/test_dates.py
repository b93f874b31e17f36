"""`new Date(...)` as workflow expressions use it; expected values are Node.js with TZ=UTC."""

from __future__ import annotations

import math
from typing import Any

import pytest

from scripts_runtime.expr import ExpressionError, evaluate

CLOCK_MS = 1_767_866_400_123.0  # 2026-01-08T10:00:00.123Z


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("new Date('2026-01-08T10:00:00Z').toLocaleString('en-US')", "1/8/2026, 10:00:00 AM"),
        ("new Date('2026-01-08T15:04:05.006Z').toLocaleTimeString('en-US')", "3:04:05 PM"),
        ("new Date('2026-01-08').toLocaleDateString('en-US')", "1/8/2026"),
        ("String(new Date(0))", "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"),
        ("new Date(0) + ''", "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"),
        ("new Date(2026, 0, 31).toISOString()", "2026-01-31T00:00:00.000Z"),
        ("new Date(2026, 13, 1).toISOString()", "2027-02-01T00:00:00.000Z"),
        ("new Date('2026-01-08') < new Date('2026-02-01')", True),
        ("new Date(0).getDay()", 4),
        ("new Date('2026-01-08T10:00:00+02:00').toISOString()", "2026-01-08T08:00:00.000Z"),
        ("Date.parse('2026-01-08T00:00:00Z')", 1767830400000),
        ("new Date(0).toUTCString()", "Thu, 01 Jan 1970 00:00:00 GMT"),
        ("new Date(5) - 2", 3),
        ("typeof new Date()", "object"),
        ("JSON.stringify({ at: new Date(0) })", '{"at":"1970-01-01T00:00:00.000Z"}'),
        # workflow forms from the original HEAD data, against the injected clock
        ("new Date().toISOString()", "2026-01-08T10:00:00.123Z"),
        ("new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString()", "2026-01-09T10:00:00.123Z"),
        (
            "new Date(Date.now() - 7 * 24 * 60 * 60 * 1000).toISOString()",
            "2026-01-01T10:00:00.123Z",
        ),
        ("Math.floor((Date.now() - new Date('2026-01-08T09:59:00Z').getTime()) / 1000)", 60),
        ("new Date() - new Date('2026-01-08')", 36000123),
    ],
)
def test_dates_match_javascript(source: str, expected: Any) -> None:
    assert evaluate(source, deterministic=True, clock=lambda: CLOCK_MS) == expected


@pytest.mark.parametrize("source", ["new Date('garbage').getTime()", "new Date(1e20).getTime()"])
def test_invalid_dates_are_nan(source: str) -> None:
    assert math.isnan(evaluate(source))


@pytest.mark.parametrize(
    "source", ["new Date('x').toISOString()", "new Math()", "new items()", "new Date.now()"]
)
def test_invalid_construction_raises(source: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(source, {"items": []})


def test_new_date_reads_the_deterministic_clock() -> None:
    with pytest.raises(ExpressionError, match="clock"):
        evaluate("new Date()", deterministic=True)
