"""Arrow functions with block bodies, as the original HEAD workflows write them."""

from __future__ import annotations

from typing import Any

import pytest

from scripts_runtime.expr import UNDEFINED, ExpressionError, ExpressionRuntimeError, evaluate

STEPS: dict[str, Any] = {
    "extract_filters": {
        "output": {"status": "open", "searchTerm": "b", "dateFrom": None, "dateTo": None}
    },
    "extract_sort_params": {"output": {"sortBy": "n", "sortOrder": "asc"}},
    "build_filter": {"output": {"a": 1, "b": None, "c": "", "d": "x"}},
}
DATA = [
    {"status": "open", "n": 3, "title": "Bob", "createdAt": "2026-01-01"},
    {"status": "closed", "n": 1, "title": "bob2", "createdAt": "2026-01-02"},
    {"status": "open", "n": 2, "title": "Al", "createdAt": "2026-01-03"},
]
SCOPE = {"$json": {"data": DATA}, "$steps": STEPS}

# Expected values computed by Node.js on the same input (checked by hand with `node -e`).
CASES: list[tuple[str, Any]] = [
    (
        (
            "$json.data.filter(item => { let match = true; "
            "if ($steps.extract_filters.output.status && item.status !== "
            "$steps.extract_filters.output.status) match = false; "
            "if ($steps.extract_filters.output.searchTerm && "
            "!JSON.stringify(item).toLowerCase()"
            ".includes($steps.extract_filters.output.searchTerm.toLowerCase())) "
            "match = false; "
            "if ($steps.extract_filters.output.dateFrom && new Date(item.createdAt) < new "
            "Date($steps.extract_filters.output.dateFrom)) match = false; "
            "return match; })"
        ),
        [DATA[0]],
    ),
    (
        (
            "$json.data.sort((a, b) => { const aVal = a[$steps.extract_sort_params.output.sortBy]; "
            "const bVal = b[$steps.extract_sort_params.output.sortBy]; "
            "if ($steps.extract_sort_params.output.sortOrder === 'asc') return aVal > bVal ? 1 : "
            "-1; "
            "return aVal < bVal ? 1 : -1; }).map(x => x.n)"
        ),
        [1, 2, 3],
    ),
    (
        (
            "Object.entries($steps.build_filter.output).reduce((acc, [key, value]) => { if "
            "(value !== null && value !== undefined) acc[key] = value; "
            "return acc; }, {})"
        ),
        {"a": 1, "c": "", "d": "x"},
    ),
    (
        (
            "Object.entries($steps.build_filter.output).reduce((acc, [key, value]) => { if "
            "(value !== undefined && value !== null && (typeof value !== 'string' || "
            "value.length > 0)) acc[key] = value; "
            "return acc; }, {})"
        ),
        {"a": 1, "d": "x"},
    ),
    ("$json.data.map(({ title, n }) => title + n)", ["Bob3", "bob21", "Al2"]),
    ("[1, 2, 3].map(n => { let total = 0; total += n; total += 10; return total; })", [11, 12, 13]),
    (
        "[1, 2].map(n => { if (n > 1) { return 'big'; } else { return 'small'; } })",
        ["small", "big"],
    ),
    ("(() => { const list = []; list[0] = 'a'; list[1] = 'b'; return list; })()", ["a", "b"]),
    ("(() => { var x; return typeof x; })()", "undefined"),
    ("[1].map(n => { n; })", [None]),
]


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_block_bodies(source: str, expected: Any) -> None:
    result = evaluate(source, SCOPE)
    if expected == [None]:
        assert result == [UNDEFINED]
    else:
        assert result == expected


@pytest.mark.parametrize(
    "source",
    [
        "$json.data.map(item => { item.status = 'hacked'; return item; })",
        "(() => { $json.data[0] = 1; })()",
        "[1].map(n => { outer = 1; })",
        "[1].map(n => { $json = 1; })",
        "(() => { const o = $json; o.data = []; })()",
    ],
)
def test_block_bodies_cannot_modify_data_they_did_not_create(source: str) -> None:
    scope = {"$json": {"data": [{"status": "open"}]}, "outer": 0}
    with pytest.raises(ExpressionRuntimeError, match="cannot"):
        evaluate(source, scope)
    assert scope == {"$json": {"data": [{"status": "open"}]}, "outer": 0}


@pytest.mark.parametrize(
    "source",
    [
        "a = 1",
        "x => { if (true) }",
        "x => { let }",
        "x => { return",
        "(() => { while (true) {} })()",
    ],
)
def test_statements_outside_the_subset_are_syntax_errors(source: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(source)


def test_infinite_work_in_blocks_is_bounded() -> None:
    with pytest.raises(ExpressionError):
        evaluate("(f => f(f))(f => { let x = 1; return f(f); })")
