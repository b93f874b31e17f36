"""The JSON reader: problems as data, strict vs tolerant repairs of the original's quirks."""

from __future__ import annotations

import pytest

from engine.packages.jsonread import read_json


@pytest.mark.parametrize(
    ("text", "value", "codes"),
    [
        ('{"a": 1}', {"a": 1}, []),
        ('{"a": 1\n "b": 2}', {"a": 1, "b": 2}, ["json_repaired"]),
        ("[1\n2\n3]", [1, 2, 3], ["json_repaired", "json_repaired"]),
        ('{"a": [1, 2,]}', {"a": [1, 2]}, ["json_repaired"]),
        ('{"a": 1,}', {"a": 1}, ["json_repaired"]),
        (
            '{"type": "TextField", "label": "x", "type": "email"}',
            {"type": "TextField", "label": "x", "inputType": "email"},
            ["duplicate_key"],
        ),
        ('{"k": 1, "k": 2}', {"k": 2}, ["duplicate_key"]),
    ],
)
def test_tolerant_mode_repairs_and_warns(text: str, value: object, codes: list[str]) -> None:
    result = read_json(text, "f.json", "tolerant")
    assert result.ok
    assert result.value == value
    assert [p.code for p in result.problems] == codes
    assert all(p.severity == "warning" and p.file == "f.json" for p in result.problems)


def test_a_later_type_does_not_overwrite_an_explicit_input_type() -> None:
    result = read_json('{"type": "Input", "inputType": "search", "type": "text"}', "f", "tolerant")
    assert result.value == {"type": "Input", "inputType": "search"}
    assert "inputType already set" in result.problems[0].message


@pytest.mark.parametrize(
    ("text", "code", "pointer"),
    [
        ('{"a": 1\n "b": 2}', "invalid_json", ""),
        ('{"a": {"b": [{"type": "X", "type": "Y"}]}}', "duplicate_key", "/a/b/0/type"),
        ("", "invalid_json", ""),
    ],
)
def test_strict_mode_reports_errors_with_pointer(text: str, code: str, pointer: str) -> None:
    result = read_json(text, "f.json", "strict")
    assert not result.ok
    assert [(p.severity, p.code, p.pointer) for p in result.problems] == [("error", code, pointer)]


def test_invalid_json_names_line_and_column() -> None:
    result = read_json('{\n  "a": 1\n  "b": 2\n}', "x.json", "strict")
    assert result.problems[0].message.startswith("invalid JSON at line 3 column 3")


def test_unrepairable_json_is_an_error_even_when_tolerant() -> None:
    result = read_json('{"a": }', "x.json", "tolerant")
    assert not result.ok
    assert result.problems[-1].code == "invalid_json"


def test_duplicate_pointer_escapes_slashes_and_tildes() -> None:
    result = read_json('{"a/b": {"~k": 1, "~k": 2}}', "f", "strict")
    assert result.problems[0].pointer == "/a~1b/~0k"
