"""Engine behaviour: caching, deterministic mode, templates, host functions."""

from __future__ import annotations

import datetime
import decimal
import random
import uuid
from typing import Any

import pytest

from scripts_runtime.expr import (
    UNDEFINED,
    ExpressionRuntimeError,
    compile_expression,
    compile_template,
    evaluate,
    host_function,
)


def test_compiled_expressions_are_cached_by_source() -> None:
    assert compile_expression("a + b") is compile_expression("a + b")
    assert compile_expression(" a + b ") is compile_expression("a + b")


def test_deterministic_mode_reads_the_injected_clock() -> None:
    assert (
        evaluate("Date.now()", deterministic=True, clock=lambda: 1_700_000_000_123.9)
        == 1_700_000_000_123
    )
    assert evaluate("Date.now() - 1000", clock=lambda: 5000.0) == 4000


def test_deterministic_mode_refuses_wall_clock_and_unseeded_random() -> None:
    with pytest.raises(ExpressionRuntimeError, match="clock"):
        evaluate("Date.now()", deterministic=True)
    with pytest.raises(ExpressionRuntimeError, match="random"):
        evaluate("Math.random()", deterministic=True)
    first = evaluate("Math.random()", deterministic=True, rng=random.Random(7))
    assert first == evaluate("Math.random()", deterministic=True, rng=random.Random(7))


def test_wall_clock_is_used_outside_deterministic_mode() -> None:
    assert evaluate("Date.now() > 1700000000000") is True


@pytest.mark.parametrize(
    ("text", "scope", "expected"),
    [
        ("{{items}}", {"items": [1, 2]}, [1, 2]),
        ("{{ flag }}", {"flag": False}, False),
        ("Page {{page}} of {{pages}}", {"page": 2, "pages": 5}, "Page 2 of 5"),
        ("{{owner}}/{{repo}}", {"owner": "o", "repo": "r"}, "o/r"),
        (
            "irc-message irc-message--{{item.type}}",
            {"item": {"type": "join"}},
            "irc-message irc-message--join",
        ),
        ("x = {{missing}}!", {}, "x = !"),
        ("{{nothing}} and {{n}}", {"n": None}, " and "),
        ("plain", {}, "plain"),
        ("{{a}}{{b}}", {"a": 1, "b": 2}, "12"),
    ],
)
def test_templates_whole_string_vs_mixed(text: str, scope: dict[str, Any], expected: Any) -> None:
    assert compile_template(text).evaluate(scope) == expected


def test_whole_string_binding_returns_undefined_for_missing_names() -> None:
    assert compile_template("{{missing}}").evaluate({}) is UNDEFINED


def test_host_functions_are_callable() -> None:
    fmt = host_function("formatDate", lambda value: f"<{value}>")
    assert (
        evaluate("formatDate(state.createdAt)", {"formatDate": fmt, "state": {"createdAt": 3}})
        == "<3>"
    )


def test_arrow_functions_close_over_their_scope() -> None:
    adder = evaluate("(x) => x + base", {"base": 10})
    assert evaluate("f(5)", {"f": adder}) == 15


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "{", "[1,]", "'a'"])
def test_json_parse_accepts_only_json(text: str) -> None:
    with pytest.raises(ExpressionRuntimeError, match=r"JSON\.parse"):
        evaluate("JSON.parse(t)", {"t": text})


def test_scalars_from_a_data_layer_read_as_text() -> None:
    scope = {
        "at": datetime.datetime(2026, 1, 8, 10, 0, tzinfo=datetime.UTC),
        "price": decimal.Decimal("12.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    }
    assert evaluate("'at ' + at", scope) == "at 2026-01-08T10:00:00+00:00"
    assert evaluate("price * 2", scope) == 25
    assert evaluate("`${id}`", scope) == "12345678-1234-5678-1234-567812345678"
    assert evaluate("JSON.stringify({ price, id })", scope) == (
        '{"price":12.5,"id":"12345678-1234-5678-1234-567812345678"}'
    )
