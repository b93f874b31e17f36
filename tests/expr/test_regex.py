"""Regular-expression literals: JavaScript results (checked with Node.js), a subset that
cannot run away, and capped inputs."""

from __future__ import annotations

import time
from typing import Any

import pytest

from scripts_runtime.expr import (
    ExpressionError,
    ExpressionLimitError,
    ExpressionSyntaxError,
    evaluate,
)

CASES: list[tuple[str, Any]] = [
    (
        "'  Hello, World! 2026 '.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')",
        "hello-world-2026",
    ),
    ("/a+b/.test('caab')", True),
    ("'a1b22c'.split(/\\d+/)", ["a", "b", "c"]),
    ("'x-y'.match(/(\\w)-(\\w)/)", ["x-y", "x", "y"]),
    ("'2026-01-08'.replace(/(\\d+)-(\\d+)-(\\d+)/, '$3/$2/$1')", "08/01/2026"),
    ("'aAa'.replace(/a/gi, 'b')", "bbb"),
    ("'one two'.match(/o/g)", ["o", "o"]),
    ("'one'.match(/z/g)", None),
    ("'abc'.search(/c/)", 2),
    ("'a.b.c'.split(/\\./)", ["a", "b", "c"]),
    ("'Tom'.replace(/(\\w+)/, (m, g) => g.toUpperCase())", "TOM"),
    ("'a-b-c'.replaceAll(/-/g, '+')", "a+b+c"),
    ("'cost: $5'.replace(/\\$(\\d)/, '$$$1!')", "cost: $5!"),
    ("String(/ab+c/gi)", "/ab+c/gi"),
    ("/x/g.global && !/x/.global", True),
    ("10 / 2 / 5", 1),
    ("items.filter(i => /^a/i.test(i))", ["Apple", "avocado"]),
]


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_regex_matches_javascript(source: str, expected: Any) -> None:
    assert evaluate(source, {"items": ["Apple", "banana", "avocado"]}) == expected


def test_dollar_does_not_match_before_a_final_newline() -> None:
    assert evaluate("/x$/.test(s)", {"s": "x\n"}) is False
    assert evaluate("/x$/m.test(s)", {"s": "x\n"}) is True


@pytest.mark.parametrize(
    "source",
    [
        "/(a+)+b/",
        "/(a|aa)*b/",
        "/(x+x+)+y/",
        "/.*.*=.*/",
        "/\\d+\\d+/",
        "/\\w*\\d+/",
        "/(?=a)b/",
        "/(?<n>a)/",
        "/(a)\\1/",
        "/a{1,5000}/",
        "/(a*|b)/",
        "/a?a?a?a?a?a?a?a?a?aaaaaaaaa/",
        "/a/y",
        "/unterminated",
        "/[a-/",
    ],
)
def test_patterns_that_could_run_away_are_refused(source: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        evaluate(source)


def test_inputs_are_capped() -> None:
    with pytest.raises(ExpressionLimitError):
        evaluate("/a/.test(s)", {"s": "a" * 6000})


@pytest.mark.parametrize(
    "source",
    ["/^(\\w+\\s?)*$/", "/(.*a){12}/", "/^([a-z0-9]+)*@/"],
)
def test_classic_redos_patterns_are_refused_quickly(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ExpressionError):
        evaluate(f"{source}.test(s)", {"s": "a" * 4000 + "!"})
    assert time.perf_counter() - started < 0.5


def test_allowed_patterns_stay_fast_on_hostile_input() -> None:
    started = time.perf_counter()
    for pattern in ("/\\d+-\\d+/", "/^-+|-+$/g", "/[^a-z0-9]+/g", "/\\s+\\w+\\s+x/"):
        evaluate(f"s.replace({pattern}, '')", {"s": ("1" * 2000 + "a ") * 2})
    assert time.perf_counter() - started < 1.0
