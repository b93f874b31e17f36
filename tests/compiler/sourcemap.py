"""A small source map v3 reader for tests: decodes the VLQ `mappings` and answers
"which original file and line does this generated position come from"."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

_BASE64 = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}
_INLINE = re.compile(r"//# sourceMappingURL=data:application/json;base64,([A-Za-z0-9+/=]+)\s*$")


@dataclass(frozen=True)
class Segment:
    """One mapping: generated line and column (0-based) to original source, line, column."""

    line: int
    column: int
    source: str
    original_line: int
    original_column: int


def decode_vlq(field: str) -> list[int]:
    values: list[int] = []
    shift = value = 0
    for char in field:
        digit = _BASE64[char]
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(value >> 1) if value & 1 else value >> 1)
        shift = value = 0
    return values


def segments(source_map: dict[str, Any]) -> list[Segment]:
    sources: list[str] = source_map["sources"]
    out: list[Segment] = []
    source = original_line = original_column = 0
    for line, group in enumerate(source_map["mappings"].split(";")):
        column = 0
        for field in filter(None, group.split(",")):
            values = decode_vlq(field)
            column += values[0]
            if len(values) >= 4:
                source += values[1]
                original_line += values[2]
                original_column += values[3]
                out.append(Segment(line, column, sources[source], original_line, original_column))
    return out


def original_position(source_map: dict[str, Any], line: int, column: int) -> Segment:
    """The mapping in effect at a generated (0-based) line and column."""
    candidates = [s for s in segments(source_map) if s.line == line and s.column <= column]
    if not candidates:
        raise LookupError(f"no mapping at generated {line}:{column}")
    return max(candidates, key=lambda s: s.column)


def position_of(code: str, needle: str) -> tuple[int, int]:
    """The 0-based generated line and column where `needle` first occurs."""
    index = code.index(needle)
    line = code.count("\n", 0, index)
    return line, index - (code.rfind("\n", 0, index) + 1)


def inline_map(code: str) -> dict[str, Any]:
    match = _INLINE.search(code)
    if match is None:
        raise LookupError("no inline source map")
    data: dict[str, Any] = json.loads(base64.b64decode(match.group(1)))
    return data
