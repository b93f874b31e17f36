"""JavaScript semantics the engine must reproduce (truthiness, equality, `+`, nullish, `?.`)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from scripts_runtime.expr import UNDEFINED, evaluate

SCOPE: dict[str, Any] = {
    "n": None,
    "zero": 0,
    "empty": "",
    "obj": {"a": {"b": 1}, "list": [1, 2, 3], "name": "Ada"},
    "items": [{"id": 1, "done": True}, {"id": 2, "done": False}],
    "flag": True,
}

CASES: list[tuple[str, Any]] = [
    # `+` concatenates when either side is a string, else adds numbers
    ("'a' + 1", "a1"),
    ("1 + '2'", "12"),
    ("1 + 2", 3),
    ("1 + true", 2),
    ("'x' + null", "xnull"),
    ("'x' + undefined", "xundefined"),
    ("[1,2] + [3]", "1,23"),
    ("({}) + ''", "[object Object]"),
    ("1 + null", 1),
    ("0.1 + 0.2", 0.30000000000000004),
    ("'3' * '4'", 12),
    ("'10' / 4", 2.5),
    ("'10' - 3", 7),
    ("7 % 3", 1),
    ("-7 % 3", -1),
    ("2 ** 10", 1024),
    # loose equality
    ("[] == false", True),
    ("'' == 0", True),
    ("'0' == false", True),
    ("null == undefined", True),
    ("null == 0", False),
    ("undefined == 0", False),
    ("'1' == 1", True),
    ("[1] == 1", True),
    ("NaN == NaN", False),
    # strict equality
    ("'1' === 1", False),
    ("null === undefined", False),
    ("1 === 1.0", True),
    ("obj === obj", True),
    ("[] === []", False),
    ("true !== 1", True),
    # truthiness
    ("!!''", False),
    ("!!'0'", True),
    ("!![]", True),
    ("!!{}", True),
    ("!!0", False),
    ("!!NaN", False),
    ("!!n", False),
    # logical operators return operands
    ("zero || 'default'", "default"),
    ("zero ?? 'default'", 0),
    ("null ?? 'x'", "x"),
    ("undefined ?? 'x'", "x"),
    ("empty && 'never'", ""),
    ("flag && 'yes'", "yes"),
    # optional chaining
    ("missing?.deep.path", UNDEFINED),
    ("n?.a", UNDEFINED),
    ("obj?.a?.b", 1),
    ("obj.nope?.b", UNDEFINED),
    ("obj.nope?.b.c.d", UNDEFINED),
    ("obj?.['name']", "Ada"),
    ("obj.fn?.()", UNDEFINED),
    ("obj.list?.[1]", 2),
    # relational
    ("'b' > 'a'", True),
    ("'10' < '9'", True),
    ("'10' < 9", False),
    ("null >= 0", True),
    ("undefined > 0", False),
    # typeof / void
    ("typeof 1", "number"),
    ("typeof 'x'", "string"),
    ("typeof null", "object"),
    ("typeof undefined", "undefined"),
    ("typeof nothing", "undefined"),
    ("typeof (() => 1)", "function"),
    ("typeof []", "object"),
    # numbers to strings
    ("String(1/3)", "0.3333333333333333"),
    ("String(1e21)", "1e+21"),
    ("String(1.5e-7)", "1.5e-7"),
    ("String(-0)", "0"),
    ("String(10/2)", "5"),
    ("String(1/0)", "Infinity"),
    ("String(-1/0)", "-Infinity"),
    ("String(0/0)", "NaN"),
    ("String([1,[2,3]])", "1,2,3"),
    ("String(null)", "null"),
    ("(1234.5678).toFixed(2)", "1234.57"),
    ("(255).toString(16)", "ff"),
    ("Number('')", 0),
    ("Number(' 42 ')", 42),
    ("Number('0x10')", 16),
    ("Number(true)", 1),
    ("Number([])", 0),
    ("Number([5])", 5),
    ("parseInt('42px')", 42),
    ("parseFloat('3.5em')", 3.5),
    # template literals and sequences
    ("`a${1 + 1}b${obj.name}`", "a2bAda"),
    ("(1, 2, 3)", 3),
    # arrow functions and closures
    ("items.filter(i => i.done).map(i => i.id)", [1]),
    ("items.map((it, idx) => idx + ':' + it.id).join(' ')", "0:1 1:2"),
    ("((a, b) => a * b)(6, 7)", 42),
    ("(x => y => x + y)(1)(2)", 3),
    ("items.reduce((acc, i) => acc + i.id, 0)", 3),
    ("[3,1,2].sort((a, b) => a - b)", [1, 2, 3]),
    ("[3,1,10].sort()", [1, 10, 3]),
    ("items.find(i => i.id === 2).done", False),
    ("items.some(i => i.done) && !items.every(i => i.done)", True),
    # object and array literals, spread
    ("({ a: 1, 'b-c': 2, [obj.name]: 3 })", {"a": 1, "b-c": 2, "Ada": 3}),
    ("({ ...obj.a, c: 2 })", {"b": 1, "c": 2}),
    ("[...obj.list, 4]", [1, 2, 3, 4]),
    ("Math.max(...obj.list)", 3),
    ("({ flag })", {"flag": True}),
]


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_expression_follows_javascript_semantics(source: str, expected: Any) -> None:
    result = evaluate(source, SCOPE)
    if isinstance(expected, float):
        assert result == pytest.approx(expected)
    else:
        assert result == expected
        assert type(result) is type(expected) or (
            isinstance(result, int | float) and isinstance(expected, int | float)
        )


def test_nan_is_nan() -> None:
    assert math.isnan(evaluate("0 / 0"))
    assert math.isnan(evaluate("Number('abc')"))


def test_undefined_is_distinct_from_null() -> None:
    assert evaluate("obj.missing", SCOPE) is UNDEFINED
    assert evaluate("n", SCOPE) is None
