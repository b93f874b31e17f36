"""The VLQ decoder the source map tests rely on, checked against known encodings."""

from __future__ import annotations

import pytest

from tests.compiler.sourcemap import decode_vlq, segments


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("A", [0]),
        ("C", [1]),
        ("D", [-1]),
        ("gB", [16]),
        ("hB", [-16]),
        ("AAAA", [0, 0, 0, 0]),
        ("SAAS", [9, 0, 0, 9]),
        ("2HAw+BC", [123, 0, 1000, 1]),
    ],
)
def test_vlq_fields_decode_to_signed_integers(field: str, values: list[int]) -> None:
    assert decode_vlq(field) == values


def test_segments_accumulate_relative_offsets_across_lines() -> None:
    source_map = {"sources": ["a.ts"], "mappings": "AAAA,IAAI;AACA"}
    decoded = [(s.line, s.column, s.original_line, s.original_column) for s in segments(source_map)]
    assert decoded == [(0, 0, 0, 0), (0, 4, 0, 4), (1, 0, 1, 4)]
