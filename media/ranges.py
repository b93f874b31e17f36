"""HTTP byte ranges (RFC 9110 14.2) for serving media files: players seek with `Range`.

`parse_range("bytes=100-", size)` -> (100, size - 1). One range only: that is what media
players send, and multipart/byteranges replies buy nothing for them. An unsatisfiable range
raises `RangeNotSatisfiable` (-> 416 with `Content-Range: bytes */size`); a header we do not
understand is ignored, which RFC 9110 allows (-> 200 with the whole file).
"""

from __future__ import annotations

from media.errors import MediaError


class RangeNotSatisfiable(MediaError):
    code = "MEDIA_RANGE_NOT_SATISFIABLE"


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Inclusive (first, last) byte positions, or None for "send everything"."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_text == "":  # suffix: the last N bytes
            length = int(last_text)
            if length <= 0:
                raise RangeNotSatisfiable("empty suffix range")
            return max(0, size - length), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else None
    except ValueError:
        return None
    if first < 0 or (last is not None and last < first):
        return None
    if first >= size:
        raise RangeNotSatisfiable(f"range starts at {first} but the file has {size} bytes")
    return first, size - 1 if last is None else min(last, size - 1)


def content_range(first: int, last: int, size: int) -> str:
    return f"bytes {first}-{last}/{size}"
