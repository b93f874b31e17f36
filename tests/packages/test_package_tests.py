"""`metabuilder packages test`: declarative act/assert tests, parameters, host targets and
package scripts run through the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.packages import packages_group
from engine.packages import load_package
from engine.packages.testrunner import _check
from tests.packages.builders import component, write_package

MATH = """
def add(ctx):
    return ctx.input["a"] + ctx.input["b"]


def fail(ctx):
    raise ValueError("no")


def main(ctx):
    return {"count": ctx.kv.incr("n")}
"""


def case(target: str, input: Any, *expectations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": target,
        "name": extra.pop("name", target),
        "act": {"type": "function_call", "target": target, "input": input},
        "assert": {"expectations": list(expectations)},
        **extra,
    }


TESTS = {
    "testSuites": [
        {
            "id": "s",
            "name": "Suite",
            "tests": [
                case(
                    "math.add",
                    "{{input}}",
                    {"type": "equals", "actual": "result", "expected": "{{expected}}"},
                    name="adds",
                    parameterized=True,
                    parameters=[
                        {"case": "small", "input": {"a": 1, "b": 2}, "expected": 3},
                        {"case": "wrong on purpose", "input": {"a": 2, "b": 2}, "expected": 5},
                    ],
                ),
                case("math", {}, {"type": "equals", "actual": "result.count", "expected": 1}),
                case("math.fail", {}, {"type": "throws"}, name="raises"),
                case(
                    "getPackageMetadata",
                    "calc",
                    {"type": "equals", "actual": "result.id", "expected": "calc"},
                ),
                case("checkFileExists", "calc/scripts/math.py", {"type": "truthy"}),
                case(
                    "getComponent",
                    {"component": "CalcPage"},
                    {"type": "equals", "actual": "result.id", "expected": "calc_page"},
                ),
                case(
                    "renderComponent",
                    {"component": "calc_page", "props": {}},
                    {"type": "contains", "actual": "result.html", "expected": "calc_page"},
                ),
            ],
        }
    ]
}


@pytest.fixture
def calc(tmp_path: Path) -> Path:
    path = write_package(
        tmp_path,
        "calc",
        components=[component("calc_page")],
        scripts={"math": ({"name": "math", "kind": "action"}, MATH)},
    )
    (path / "tests").mkdir()
    (path / "tests" / "calc.test.json").write_text(json.dumps(TESTS))
    return path


def test_runs_every_case_and_reports_failures_with_location(calc: Path) -> None:
    result = CliRunner().invoke(packages_group, ["test", str(calc), "--json"])
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    outcomes = {(r["test"], r["case"]): r["outcome"] for r in rows}
    assert outcomes == {
        ("adds", "small"): "passed",
        ("adds", "wrong on purpose"): "failed",
        ("math", ""): "passed",
        ("raises", ""): "passed",
        ("getPackageMetadata", ""): "passed",
        ("checkFileExists", ""): "passed",
        ("getComponent", ""): "passed",
        ("renderComponent", ""): "passed",
    }
    failed = next(r for r in rows if r["outcome"] == "failed")
    assert failed["file"] == "tests/calc.test.json"
    assert failed["pointer"] == "/testSuites/0/tests/0/parameters/1"
    assert "actual 4, expected 5" in failed["message"]
    assert result.output.splitlines()[-1] == "calc: 7 passed, 1 failed, 0 skipped"


def test_a_package_whose_tests_pass_exits_zero(tmp_path: Path) -> None:
    path = write_package(tmp_path, "fine", components=[component("fine_page")])
    (path / "tests").mkdir()
    suite = {"testSuites": [{"id": "s", "tests": [TESTS["testSuites"][0]["tests"][5]]}]}
    suite["testSuites"][0]["tests"][0]["act"]["input"] = {"component": "fine_page"}
    suite["testSuites"][0]["tests"][0]["assert"]["expectations"][0]["expected"] = "fine_page"
    (path / "tests" / "a.test.json").write_text(json.dumps(suite))
    result = CliRunner().invoke(packages_group, ["test", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "fine: 1 passed, 0 failed, 0 skipped"


@pytest.mark.parametrize(
    ("kind", "actual", "expected", "holds"),
    [
        ("equals", 1, 1, True),
        ("equals", 1, "1", False),
        ("deepEquals", [1, {"a": 2}], [1, {"a": 2}], True),
        ("deepEquals", [1, 2], [2, 1], False),
        ("notEquals", 1, 2, True),
        ("truthy", [], None, True),
        ("truthy", 0, None, False),
        ("falsy", "", None, True),
        ("contains", ["a", "b"], "b", True),
        ("contains", "hello", "ell", True),
        ("contains", ["a"], "z", False),
        ("hasProperty", {"type": "div"}, "type", True),
        ("hasProperty", {"a": 1}, "type", False),
        ("notNull", 0, None, True),
        ("notNull", None, None, False),
        ("greaterThan", 3, 2, True),
        ("lessThan", 3, 2, False),
        ("hasLength", [1, 2], 2, True),
        ("matches", "abc-123", r"\d+", True),
        ("type", [1], "array", True),
    ],
)
def test_expectation_types(kind: str, actual: Any, expected: Any, holds: bool) -> None:
    assert (_check(kind, actual, expected) is None) is holds


def test_an_unknown_expectation_type_fails() -> None:
    assert _check("isPurple", 1, 1) == "unknown expectation type 'isPurple'"


CLAMP = {
    "schemaVersion": "2.2.0",
    "package": "clampy",
    "functions": [
        {
            "id": "fn_clamp",
            "name": "clamp",
            "exported": True,
            "params": [{"name": "v"}, {"name": "hi", "default": 100}],
            "body": [
                {
                    "type": "if_statement",
                    "condition": {
                        "type": "binary_expression",
                        "left": {"type": "identifier", "name": "v"},
                        "operator": ">",
                        "right": {"type": "identifier", "name": "hi"},
                    },
                    "then": [{"type": "return", "value": {"type": "identifier", "name": "hi"}}],
                },
                {"type": "return", "value": {"type": "identifier", "name": "v"}},
            ],
        }
    ],
}


def test_json_script_bodies_are_translated_and_run_in_the_sandbox(tmp_path: Path) -> None:
    path = write_package(
        tmp_path,
        "clampy",
        components=[component("clampy_page")],
        raw={
            "scripts/clamp.json": json.dumps(
                {"name": "clamp", "kind": "action", "body": "clamp.script.json"}
            ),
            "scripts/clamp.script.json": json.dumps(CLAMP),
        },
    )
    suite = {
        "testSuites": [
            {
                "id": "s",
                "tests": [
                    case("clamp", 250, {"type": "equals", "expected": 100}, name="default"),
                    case("clamp.clamp", [5, 3], {"type": "equals", "expected": 3}, name="named"),
                ],
            }
        ]
    }
    (path / "tests").mkdir()
    (path / "tests" / "clamp.test.json").write_text(json.dumps(suite))
    result = CliRunner().invoke(packages_group, ["test", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "clampy: 2 passed, 0 failed, 0 skipped"


def test_an_untranslatable_json_script_is_a_load_error_with_pointer(tmp_path: Path) -> None:
    broken = {**CLAMP, "functions": [{**CLAMP["functions"][0], "body": [{"type": "goto"}]}]}
    path = write_package(
        tmp_path,
        "broken_js",
        raw={
            "scripts/clamp.json": json.dumps(
                {"name": "clamp", "kind": "action", "body": "clamp.script.json"}
            ),
            "scripts/clamp.script.json": json.dumps(broken),
        },
    )
    result = load_package(path)
    bad = [p for p in result.errors if p.code == "jsonscript_invalid"]
    assert bad and bad[0].file == "scripts/clamp.script.json"
    assert bad[0].pointer.startswith("/functions/0/body/0")
