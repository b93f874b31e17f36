from __future__ import annotations

import pytest

from media.ranges import RangeNotSatisfiable, content_range, parse_range


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 1000, None),
        ("bytes=0-99", 1000, (0, 99)),
        ("bytes=100-", 1000, (100, 999)),
        ("bytes=-100", 1000, (900, 999)),
        ("bytes=-5000", 1000, (0, 999)),
        ("bytes=900-5000", 1000, (900, 999)),
        ("bytes=0-0", 1, (0, 0)),
        ("BYTES = 5-9", 1000, (5, 9)),
        # not understood -> whole file (RFC 9110 allows ignoring Range)
        ("items=0-5", 1000, None),
        ("bytes=0-5,10-20", 1000, None),
        ("bytes=abc-", 1000, None),
        ("bytes=9-5", 1000, None),
        ("bytes=5", 1000, None),
    ],
)
def test_range_header_gives_inclusive_positions(
    header: str | None, size: int, expected: tuple[int, int] | None
) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=1000-", 1000), ("bytes=-0", 10), ("bytes=0-", 0)]
)
def test_unsatisfiable_ranges_raise(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, size)


def test_content_range_header() -> None:
    assert content_range(900, 999, 1000) == "bytes 900-999/1000"
