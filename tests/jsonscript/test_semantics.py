"""JSON-script keeps JavaScript's semantics where Python's differ (see
scripts_runtime/jsonscript/__init__.py for the list)."""

from __future__ import annotations

from typing import Any

import pytest

from scripts_runtime.jsonscript.translate import translate_script
from tests.jsonscript.helpers import (
    binary,
    call,
    call_expr,
    doc,
    fn,
    ident,
    lit,
    member,
    ret,
    run_source,
)


def evaluate(expression: dict[str, Any], **params: Any) -> Any:
    names = list(params)
    document = doc(fn("f", [{"name": n} for n in names], [ret(expression)]))
    return call(document, "f", *params.values())


@pytest.mark.parametrize(
    ("left", "operator", "right", "expected"),
    [
        ("a", "+", 1, "a1"),
        (1, "+", "2", "12"),
        (1, "+", 2, 3),
        (True, "+", 1, 2),
        (None, "+", 1, 1),
        (7, "/", 2, 3.5),
        (6, "/", 3, 2),
        (1, "/", 0, None),  # Infinity: JSON.stringify writes null
        (-7, "%", 3, -1),
        (7, "%", -3, 1),
        (2, "**", 10, 1024),
        ("5", "-", 2, 3),
        ("x", "*", 2, None),  # NaN
        (1, "==", "1", False),  # `==` is strict, as in the reference executor
        (1, "===", 1.0, True),
        (1, "!=", "1", True),
        ("a", "<", "b", True),
        ("10", "<", "9", True),  # string comparison
        (10, "<", "9", False),  # numeric comparison
        (None, "==", None, True),
    ],
)
def test_binary_operators_follow_javascript(
    left: Any, operator: str, right: Any, expected: Any
) -> None:
    assert evaluate(binary(ident("l"), operator, ident("r")), l=left, r=right) == expected


@pytest.mark.parametrize(
    ("operator", "left", "right", "expected"),
    [
        ("&&", 3, 5, 5),
        ("&&", 0, 5, 0),
        ("||", "", "fallback", "fallback"),
        ("||", [], "fallback", []),  # an empty array is truthy in JavaScript
        ("??", 0, 9, 0),
        ("??", None, 9, 9),
        ("and", 1, 2, 2),
        ("or", None, 2, 2),
    ],
)
def test_logical_operators_return_operands(
    operator: str, left: Any, right: Any, expected: Any
) -> None:
    node = {
        "type": "logical_expression",
        "left": ident("l"),
        "operator": operator,
        "right": ident("r"),
    }
    assert evaluate(node, l=left, r=right) == expected


def test_logical_operators_short_circuit() -> None:
    boom = call_expr(member(ident("Math"), "nope"))  # calling undefined yields undefined
    guarded = {"type": "logical_expression", "left": lit(False), "operator": "&&", "right": boom}
    assert evaluate(guarded) is False


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("!", "", True),
        ("!", [], False),
        ("-", "3", -3),
        ("+", "4.5", 4.5),
        ("~", 5, -6),
        ("typeof", "s", "string"),
        ("typeof", 1, "number"),
        ("typeof", None, "object"),
        ("typeof", [], "object"),
        ("typeof", True, "boolean"),
    ],
)
def test_unary_operators(operator: str, value: Any, expected: Any) -> None:
    node = {"type": "unary_expression", "operator": operator, "argument": ident("v")}
    assert evaluate(node, v=value) == expected


def test_typeof_undefined_and_functions() -> None:
    typeof_missing = {
        "type": "unary_expression",
        "operator": "typeof",
        "argument": ident("nothing"),
    }
    typeof_math_max = {
        "type": "unary_expression",
        "operator": "typeof",
        "argument": member(ident("Math"), "max"),
    }
    assert evaluate(typeof_missing) == "undefined"
    assert evaluate(typeof_math_max) == "function"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (member(ident("o"), "a"), 1),
        (member(ident("o"), "missing"), None),  # undefined, written as null at the boundary
        (member(ident("o"), lit("a"), computed=True), 1),
        (member(member(ident("o"), "missing"), "deeper", optional=True), None),
        (member(ident("xs"), "length"), 3),
        (member(ident("xs"), lit(1), computed=True), 20),
        (member(ident("xs"), lit(9), computed=True), None),
        (member(lit("hey"), "length"), 3),
    ],
)
def test_member_access(expression: dict[str, Any], expected: Any) -> None:
    assert evaluate(expression, o={"a": 1}, xs=[10, 20, 30]) == expected


def test_reading_a_property_of_undefined_throws_a_type_error() -> None:
    document = doc(fn("f", ["o"], [ret(member(member(ident("o"), "missing"), "deeper"))]))
    done = run_source(translate_script(document).source, {"function": "f", "args": [{}]})
    assert done["error"]["code"] == "runtime_error"
    assert "Cannot read properties of undefined (reading 'deeper')" in done["error"]["message"]


@pytest.mark.parametrize(
    ("method", "args", "expected"),
    [
        ("join", ["-"], "3-1-2"),
        ("indexOf", [1], 1),
        ("includes", [2], True),
        ("slice", [1], [1, 2]),
        ("slice", [-1], [2]),
        ("concat", [[4]], [3, 1, 2, 4]),
        ("reverse", [], [2, 1, 3]),
    ],
)
def test_array_methods(method: str, args: list[Any], expected: Any) -> None:
    node = call_expr(member(ident("xs"), method), *[lit(a) for a in args])
    assert evaluate(node, xs=[3, 1, 2]) == expected


@pytest.mark.parametrize(
    ("method", "args", "expected"),
    [
        ("toUpperCase", [], "HELLO WORLD"),
        ("split", [" "], ["hello", "world"]),
        ("includes", ["lo w"], True),
        ("startsWith", ["he"], True),
        ("padStart", [13, "*"], "**hello world"),
        ("slice", [-5], "world"),
        ("replace", ["o", "0"], "hell0 world"),
        ("charAt", [1], "e"),
    ],
)
def test_string_methods(method: str, args: list[Any], expected: Any) -> None:
    node = call_expr(member(ident("s"), method), *[lit(a) for a in args])
    assert evaluate(node, s="hello world") == expected


@pytest.mark.parametrize(
    ("callee", "args", "expected"),
    [
        (member(ident("Math"), "max"), [1, 7, 3], 7),
        (member(ident("Math"), "round"), [2.5], 3),
        (member(ident("Math"), "round"), [-2.5], -2),
        (member(ident("Math"), "floor"), [-1.5], -2),
        (member(ident("JSON"), "stringify"), [{"a": [1, 2]}], '{"a":[1,2]}'),
        (member(ident("Object"), "keys"), [{"a": 1, "b": 2}], ["a", "b"]),
        (member(ident("Array"), "isArray"), [[1]], True),
        (ident("parseInt"), ["42px"], 42),
        (ident("parseFloat"), ["3.5e1x"], 35),
        (ident("String"), [12], "12"),
        (ident("Number"), ["12.50"], 12.5),
    ],
)
def test_javascript_globals(callee: Any, args: list[Any], expected: Any) -> None:
    assert evaluate(call_expr(callee, *[lit(a) for a in args])) == expected


def test_template_literals_render_values_like_javascript() -> None:
    template = {
        "type": "template_literal",
        "parts": ["n=", ident("n"), " f=", ident("f"), " b=", ident("b"), " x=", ident("x")],
    }
    assert evaluate(template, n=3, f=2.5, b=True, x=None) == "n=3 f=2.5 b=true x=null"
