"""Hostile expressions are rejected with a clear error, never run away or reach Python."""

from __future__ import annotations

import time
from typing import Any

import pytest

from scripts_runtime.expr import (
    ExpressionError,
    ExpressionLimitError,
    ExpressionRuntimeError,
    ExpressionSecurityError,
    ExpressionSyntaxError,
    compile_expression,
    evaluate,
)


class Secret:
    password = "hunter2"

    def method(self) -> str:
        return "ran"


SCOPE: dict[str, Any] = {
    "obj": {"a": 1},
    "text": "abc",
    "items": list(range(100)),
    "py": Secret(),
    "fn": Secret().method,
}


@pytest.mark.parametrize(
    "source",
    [
        "obj.__class__",
        "text.__class__.__mro__",
        "obj['__class__']",
        "obj['__' + 'class__']",
        "obj._private",
        "__import__('os')",
        "obj.constructor",
        "text.constructor.constructor('return process')()",
        "obj['constructor']",
        "({}).__proto__",
        "items.map.__globals__",
        "({ __proto__: 1 })",
    ],
)
def test_dunder_private_and_prototype_access_is_refused(source: str) -> None:
    with pytest.raises(ExpressionSecurityError):
        evaluate(source, SCOPE)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("py.password", None),
        ("py.method", None),
        ("fn.name", None),
    ],
)
def test_python_objects_expose_nothing(source: str, expected: Any) -> None:
    from scripts_runtime.expr import UNDEFINED

    assert evaluate(source, SCOPE) is UNDEFINED


@pytest.mark.parametrize("source", ["py.method()", "fn()", "py()", "obj.a()", "text.nope()"])
def test_python_callables_in_scope_cannot_be_called(source: str) -> None:
    with pytest.raises(ExpressionRuntimeError, match="not a function"):
        evaluate(source, SCOPE)


@pytest.mark.parametrize(
    "source",
    [
        "(" * 200 + "1" + ")" * 200,
        "[" * 200 + "]" * 200,
        "!" * 500 + "1",
        "-" * 500 + "1",
        "1" + "+1" * 2000,
        "a" + ".b" * 3000,
        "x ? " * 300 + "1" + " : 2" * 300,
    ],
    ids=["parens", "arrays", "nots", "negations", "long-sum", "long-chain", "ternaries"],
)
def test_deep_nesting_is_rejected_before_evaluation(source: str) -> None:
    with pytest.raises(ExpressionLimitError):
        compile_expression(source)


@pytest.mark.parametrize(
    "source",
    [
        "'" + "x" * 20_000 + "'",
        "1" * 100,
        "[" + ",".join("1" for _ in range(6000)) + "]",
        "x" * 25_000,
    ],
    ids=["string", "number", "array", "source"],
)
def test_huge_literals_and_sources_are_rejected(source: str) -> None:
    with pytest.raises(ExpressionLimitError):
        compile_expression(source)


@pytest.mark.parametrize(
    "source",
    [
        "items.map(a => items.map(b => items.map(c => a + b + c)))",
        "'x'.repeat(10000000)",
        "'x'.padStart(10000000)",
        "(f => f(f))(f => f(f))",
        "Array.from({length: 1000000})",
        "items.map(a => 'xxxxxxxxxx'.repeat(1000)).join('').repeat(100)",
    ],
    ids=["cubic-map", "repeat", "pad", "self-apply", "array-from", "string-blowup"],
)
def test_runaway_evaluation_hits_a_limit_quickly(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionLimitError):
        evaluate(source, SCOPE)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    "source",
    [
        "a = 1",
        "obj.a = 2",
        "delete obj.a",
        "function f() {}",
        "this",
        "eval('1')",
        "1 +",
        "'unterminated",
        "a ? b",
        "@",
    ],
)
def test_unsupported_syntax_is_a_syntax_error(source: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile_expression(source)


def test_errors_name_the_expression_and_position() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("a + (b")
    assert caught.value.source == "a + (b"
    assert "a + (b" in str(caught.value)
    assert caught.value.position is not None


def test_step_budget_is_configurable() -> None:
    evaluate("items.map(x => x * 2)", SCOPE, budget=1_000)
    with pytest.raises(ExpressionLimitError, match="step budget"):
        evaluate("items.map(x => x * 2)", SCOPE, budget=50)


def test_evaluation_never_mutates_the_scope() -> None:
    scope = {"items": [3, 1, 2], "obj": {"a": 1}}
    evaluate("items.sort()", scope)
    evaluate("items.reverse()", scope)
    evaluate("Object.assign(obj, { b: 2 })", scope)
    assert scope == {"items": [3, 1, 2], "obj": {"a": 1}}
