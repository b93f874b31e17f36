"""Acceptance: the original packages' `{{ }}` expressions give what JavaScript gives.

`original_expressions.json` holds every distinct expression of the Jan-8 components with the
value Node.js computed for it in the scope of `original_scope.py` (regenerate with
`python -m tests.expr.build_original_table`). An expression that throws in JavaScript must
raise an ExpressionError here.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scripts_runtime.expr import ExpressionError, compile_expression, evaluate, host_function
from scripts_runtime.expr.builtins import json_stringify
from scripts_runtime.expr.runtime import EvalState
from tests.compat import ORIGINAL_HEAD_PACKAGES, requires_original
from tests.expr.original_scope import BASE_SCOPE, GENERIC, encode

TABLE: list[dict[str, Any]] = json.loads(
    Path(__file__).with_name("original_expressions.json").read_text()
)


def _caller(name: str) -> Any:
    return host_function(
        name, lambda *args: f"called:{name}{json_stringify(EvalState(), list(args))}"
    )


def scope_for(row: dict[str, Any]) -> dict[str, Any]:
    # Node gives each name its own clone, so two names never hold the same object.
    clone = copy.deepcopy if len(row["names"]) > 1 else (lambda value: value)
    scope: dict[str, Any] = {name: clone(BASE_SCOPE.get(name, GENERIC)) for name in row["names"]}
    scope.update({name: _caller(name) for name in row["called"]})
    return scope


def test_table_is_large_enough() -> None:
    assert len(TABLE) >= 300
    assert sum(1 for row in TABLE if "value" in row) >= 300


@pytest.mark.parametrize("row", TABLE, ids=[row["source"][:60] for row in TABLE])
def test_original_expression_matches_javascript(row: dict[str, Any]) -> None:
    scope = scope_for(row)
    if "error" in row:
        with pytest.raises(ExpressionError):
            evaluate(row["source"], scope)
        return
    assert encode(evaluate(row["source"], scope)) == row["value"]


@pytest.mark.parametrize(
    ("source", "scope", "expected"),
    [
        # Angular-style pipes from github_tools: a filter found in scope is applied.
        ("status | statusLabel", {"status": "ok"}, "label:ok"),
        ("status | uppercase", {"status": "ok"}, "OK"),
        ("items | json", {"items": [1, "a"]}, '[1,"a"]'),
        ("name | default:'anon'", {"name": ""}, "anon"),
    ],
)
def test_pipe_filters(source: str, scope: dict[str, Any], expected: Any) -> None:
    scope = {**scope, "statusLabel": host_function("statusLabel", lambda v: f"label:{v}")}
    assert evaluate(source, scope) == expected


def test_unknown_filter_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="unknown filter"):
        evaluate("status | statusIcon", {"status": "x"})


@requires_original
def test_every_head_workflow_expression_compiles() -> None:
    """The HEAD workflows and page configs (344 distinct expressions) are all in the subset."""
    binding = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(m.strip() for m in binding.findall(value))
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for path in sorted(ORIGINAL_HEAD_PACKAGES.glob("*/*/*.json")):
        walk(json.loads(path.read_text()))
    assert len(found) >= 300
    failures = []
    for source in sorted(found):
        try:
            compile_expression(source)
        except ExpressionError as exc:
            failures.append(f"{source[:60]}: {exc.message}")
    assert failures == []
