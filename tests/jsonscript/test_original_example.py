"""Acceptance 5: the original `json_script_example` runs through the JSON-script path and
gives the results its own tests expect.

Two sources of original data, both read in place (never copied into this repository):

* Jan-8 (`ORIGINAL_JAN8_PACKAGES/json_script_example/components/ui.json`): the components'
  `state`, `handlers` (setState) and `computed` bodies in the `{{...}}` form;
* the package's history before 2026-01-02, when `seed/script.json` still held the function
  bodies (v2.1 dialect) and `tests/*.cases.json` / `tests/math.test.*.json` their expected
  results. Those files live under `ORIGINAL/history/json_script_example/` (or the directory
  named by `MB_ORIGINAL_HISTORY`); the tests that need them skip when they are absent.

  They are the original repository's (johndoe6345789/metabuilder)
  `packages/json_script_example/seed/script.json` (v2.1, as at 06e85ad and 613e79c, the
  latter with docstrings), and `tests/{expressions,statements}.cases.json` (52775236) and
  `tests/math.test.{logic,parameters}.json` (5f73d17e), laid out as `seed/` and `tests/`
  under `<MB_ORIGINAL_HISTORY>/json_script_example/`.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from scripts_runtime.jsonscript.translate import translate_component, translate_script
from scripts_runtime.sandbox import SandboxPool, ScriptRequest
from tests.compat import ORIGINAL, ORIGINAL_JAN8_PACKAGES, requires_original

PACKAGE = ORIGINAL_JAN8_PACKAGES / "json_script_example"
HISTORY = Path(os.environ.get("MB_ORIGINAL_HISTORY", ORIGINAL / "history")) / "json_script_example"
requires_history = pytest.mark.skipif(
    not (HISTORY / "seed" / "script.json").is_file(),
    reason=f"the pre-2026-01-02 json_script_example files are not at {HISTORY}",
)


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _no_host(op: str, args: Any) -> Any:
    raise AssertionError(f"unexpected host call {op}")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def js_pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=1) as pool:
        yield pool


async def _run(pool: SandboxPool, translation: Any, request: Any, filename: str) -> Any:
    result = await pool.run(
        ScriptRequest(
            source=translation.source,
            filename=filename,
            input=request,
            language="jsonscript",
            line_map=translation.line_map,
        ),
        _no_host,
    )
    assert result.ok, result.error
    return result.value


def _cases() -> list[Any]:
    if not (HISTORY / "tests").is_dir():
        return []
    cases = []
    for name in ("expressions.cases.json", "statements.cases.json"):
        for case in _load(HISTORY / "tests" / name)["tests"]:
            cases.append(pytest.param(case, id=case["name"]))
    return cases


@requires_history
@pytest.mark.parametrize("case", _cases())
async def test_script_functions_give_the_expected_results(
    js_pool: SandboxPool, case: dict[str, Any]
) -> None:
    translation = translate_script(_load(HISTORY / "seed" / "script.json"), "seed/script.json")
    value = await _run(
        js_pool, translation, {"function": case["function"], "args": case["args"]}, "script.json"
    )
    # Compare as JSON text too: 30 must come back as 30, not 30.0.
    assert value == case["expected"]
    assert json.dumps(value) == json.dumps(case["expected"])


def _math_cases() -> list[Any]:
    path = HISTORY / "tests" / "math.test.parameters.json"
    if not path.is_file():
        return []
    params = []
    for function, groups in _load(path).items():
        if function.startswith("$"):
            continue
        for group, cases in groups.items():
            for case in cases:
                params.append(
                    pytest.param(function, case["input"], id=f"{function}-{group}-{case['desc']}")
                )
    return params


@requires_history
@pytest.mark.parametrize(("function", "test_case"), _math_cases())
async def test_parameterized_math_tests_pass(
    js_pool: SandboxPool, function: str, test_case: dict[str, Any]
) -> None:
    logic = _load(HISTORY / "tests" / "math.test.logic.json")
    translation = translate_script(logic, "tests/math.test.logic.json")
    value = await _run(js_pool, translation, {"function": function, "args": [test_case]}, "math")
    assert value["passed"] is True
    if test_case.get("expectedError"):
        assert value == {"passed": True, "error": "Division by zero", "expectedError": True}
    else:
        assert value["actual"] == test_case["expected"]


def _component(name: str) -> dict[str, Any]:
    ui = _load(PACKAGE / "components" / "ui.json")
    return next(c for c in ui["components"] if c["name"] == name)


@requires_original
@pytest.mark.parametrize(
    ("handler", "expected_state"), [("setA", {"a": 42, "b": 5}), ("setB", {"a": 10, "b": 42})]
)
async def test_jan8_component_handlers_update_state(
    js_pool: SandboxPool, handler: str, expected_state: dict[str, Any]
) -> None:
    translation = translate_component(_component("ExpressionDemo"), None, "components/ui.json")
    value = await _run(js_pool, translation, {"handler": handler, "args": [42]}, "ui.json")
    assert value == {"state": expected_state}


@requires_original
@requires_history
async def test_jan8_expression_demo_computes_the_storybook_defaults(js_pool: SandboxPool) -> None:
    """ExpressionDemo's `computed.result` calls `imports.script.all_expressions(state.a,
    state.b)`; with the component's default props (10, 5) it must equal the original test
    case "Binary expressions - addition"."""
    script = _load(HISTORY / "seed" / "script.json")
    expected = next(
        c["expected"]
        for c in _load(HISTORY / "tests" / "expressions.cases.json")["tests"]
        if c["args"] == [10, 5] and c["function"] == "all_expressions"
    )
    translation = translate_component(_component("ExpressionDemo"), script, "components/ui.json")
    value = await _run(js_pool, translation, {"computed": "result"}, "ui.json")
    assert value == {"value": expected, "state": {"a": 10, "b": 5}}


@requires_original
@requires_history
async def test_jan8_operator_demo_computes_all_operators(js_pool: SandboxPool) -> None:
    script = _load(HISTORY / "seed" / "script.json")
    translation = translate_component(_component("OperatorDemo"), script, "components/ui.json")
    value = await _run(
        js_pool, translation, {"computed": "operators", "props": {"x": 10, "y": 3}}, "ui"
    )
    expected = next(
        c["expected"]
        for c in _load(HISTORY / "tests" / "expressions.cases.json")["tests"]
        if c["args"] == [10, 3]
    )
    assert value["value"] == expected
