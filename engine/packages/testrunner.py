"""The runner of packages' declarative tests (``tests/*.test.json``), so authors test packages
without Python: ``metabuilder packages test ID``.

A test is ``act`` (a call) and ``assert`` (expectations on ``result``), optionally
``parameterized`` over ``parameters: [{case, input, expected}]`` and with ``arrange.fixtures``.
Strings ``{{...}}`` in ``act.input`` and in ``expected`` are bindings over
``{input, expected, fixtures, params}``; ``actual`` is an expression over
``{result, input, expected, fixtures}``. Both use the platform's expression engine.

Targets: the host functions the original data calls (`getPackageMetadata`, `checkFileExists`,
`validateAgainstSchema`, `getComponent`, `getComponentProps`, `renderComponent`), or a script
of the package: ``name`` runs ``main(ctx)`` of scripts/name, ``module.fn`` runs ``fn(ctx)`` of
scripts/module, with ``ctx.input`` = the input, through a `ScriptRunner` (the real sandbox).
A target whose capability is not available (no renderer, no sandbox) is reported as skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from engine.packages.catalog import Catalog
from engine.packages.jsonread import read_json
from engine.packages.loader import load_package
from engine.packages.model import Package, ScriptManifest
from engine.packages.problems import pointer
from scripts_runtime.expr import (
    UNDEFINED,
    ExpressionError,
    evaluate,
    render_template,
    strict_equals,
    truthy,
    typeof,
)

__all__ = [
    "CaseResult",
    "Renderer",
    "ScriptFailure",
    "ScriptRunner",
    "TestReport",
    "run_package_tests",
]

Outcome = Literal["passed", "failed", "skipped"]
Renderer = Callable[[str, str, dict[str, Any]], Any]  # (package id, component, props) -> html


class ScriptFailure(Exception):
    """A script ended with an error (the sandbox's error code and message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class ScriptRunner(Protocol):
    def __call__(
        self, package: Package, script: ScriptManifest, function: str | None, input: Any
    ) -> Awaitable[Any]: ...


class _Skip(Exception):
    pass


@dataclass(frozen=True)
class CaseResult:
    suite: str
    test: str
    case: str
    outcome: Outcome
    message: str = ""
    file: str = ""
    pointer: str = ""

    @property
    def label(self) -> str:
        return f"{self.suite} > {self.test}" + (f" [{self.case}]" if self.case else "")


@dataclass
class TestReport:
    package_id: str
    results: list[CaseResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def summary(self) -> str:
        return (
            f"{self.package_id}: {self.count('passed')} passed, {self.count('failed')} failed, "
            f"{self.count('skipped')} skipped"
        )


def _bind(value: Any, scope: dict[str, Any]) -> Any:
    """Resolve ``{{...}}`` bindings in strings, deeply."""
    if isinstance(value, str) and "{{" in value:
        bound = render_template(value, scope)
        return None if bound is UNDEFINED else bound
    if isinstance(value, list):
        return [_bind(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: _bind(v, scope) for k, v in value.items()}
    return value


def _deep_equal(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_deep_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            _deep_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return False
    return strict_equals(left, right)


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    if isinstance(container, list):
        return any(_deep_equal(element, item) for element in container)
    if isinstance(container, dict):
        return isinstance(item, str) and item in container
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _check(kind: str, actual: Any, expected: Any) -> str | None:
    """None when the expectation holds, else why not."""
    shown = json.dumps(None if actual is UNDEFINED else actual, default=str)[:200]
    want = json.dumps(expected, default=str)[:200]
    ok: bool
    if kind in ("equals", "toBe", "strictEquals", "deepEquals", "toEqual"):
        ok = _deep_equal(actual, expected)
    elif kind == "notEquals":
        ok = not _deep_equal(actual, expected)
    elif kind == "truthy":
        ok = truthy(actual)
    elif kind == "falsy":
        ok = not truthy(actual)
    elif kind == "contains":
        ok = _contains(actual, expected)
    elif kind == "notContains":
        ok = not _contains(actual, expected)
    elif kind == "hasProperty":
        ok = isinstance(actual, dict) and expected in actual
    elif kind in ("notNull", "isDefined", "defined"):
        ok = actual is not None and actual is not UNDEFINED
    elif kind in ("isNull", "null"):
        ok = actual is None or actual is UNDEFINED
    elif kind in ("hasLength", "length"):
        ok = isinstance(actual, list | str | dict) and len(actual) == expected
    elif kind == "type":
        ok = typeof(actual) == expected or (expected == "array" and isinstance(actual, list))
    elif kind == "matches":
        ok = isinstance(actual, str) and re.search(str(expected), actual) is not None
    elif kind in ("greaterThan", "lessThan", "greaterThanOrEqual", "lessThanOrEqual"):
        a, b = _number(actual), _number(expected)
        if a is None or b is None:
            return f"{kind} needs numbers, got {shown} and {want}"
        ok = {
            "greaterThan": a > b,
            "lessThan": a < b,
            "greaterThanOrEqual": a >= b,
            "lessThanOrEqual": a <= b,
        }[kind]
    else:
        return f"unknown expectation type {kind!r}"
    if ok:
        return None
    if kind in ("truthy", "falsy", "notNull", "isNull", "isDefined", "defined", "null"):
        return f"expected {shown} to be {kind}"
    return f"{kind} failed: actual {shown}, expected {want}"


class _Host:
    """The built-in targets, over the catalog."""

    def __init__(
        self,
        package: Package,
        catalog: Catalog,
        scripts: ScriptRunner | None,
        renderer: Renderer | None,
    ) -> None:
        self.package = package
        self.catalog = catalog.extended(package)
        self.scripts = scripts
        self.renderer = renderer

    def _package(self, package_id: Any) -> Package:
        found = self.catalog.find(str(package_id)) if package_id else self.package
        if found is None:
            raise LookupError(f"no package {package_id!r}")
        return found

    def _in_packages_dir(self, rel: Any) -> Path:
        base = self.package.root.parent.resolve()
        path = (base / str(rel)).resolve()
        if not path.is_relative_to(base):
            raise PermissionError(f"{rel!r} is outside the packages directory")
        return path

    async def call(self, target: str, value: Any) -> Any:
        if target == "getPackageMetadata":
            package = self._package(value)
            raw = read_json(
                (package.root / "package.json").read_text(encoding="utf-8"),
                "package.json",
                "tolerant",
            ).value
            return raw if isinstance(raw, dict) else package.metadata
        if target == "checkFileExists":
            return self._in_packages_dir(value).is_file()
        if target == "validateAgainstSchema":
            return self._validate(value)
        if target in ("getComponent", "getComponentProps", "renderComponent"):
            args = value if isinstance(value, dict) else {"component": value}
            package = self._package(args.get("package"))
            found = self.catalog.lookup_in(package, str(args.get("component")))
            if target == "getComponent":
                return found[1].definition if found else None
            if target == "getComponentProps":
                if found is None:
                    return None
                props = found[1].definition.get("props") or []
                return {p["name"]: p for p in props if isinstance(p, dict) and "name" in p}
            if self.renderer is None:
                raise _Skip("renderComponent needs the renderer (web.render)")
            if found is None:
                return None
            given: dict[str, Any] = args["props"] if isinstance(args.get("props"), dict) else {}
            return self.renderer(found[0].id, found[1].id, given)
        return await self._script(target, value)

    def _validate(self, value: Any) -> dict[str, Any]:
        args = value if isinstance(value, dict) else {"file": value}
        path = self._in_packages_dir(args.get("file"))
        root = path.parent
        while root != root.parent and not (root / "package.json").is_file():
            root = root.parent
        result = load_package(root, self.package.mode)
        rel = path.relative_to(root).as_posix()
        errors = [p.as_dict() for p in result.errors if p.file == rel or not p.file]
        return {"valid": not errors, "errors": errors}

    async def _script(self, target: str, value: Any) -> Any:
        module, _, function = target.partition(".")
        script = self.package.script(module)
        if script is None:
            raise LookupError(
                f"target {target!r}: package {self.package.id} has no script {module!r}"
            )
        if self.scripts is None:
            raise _Skip(f"target {target!r} runs a script and no sandbox is available")
        return await self.scripts(self.package, script, function or None, value)


async def run_package_tests(
    package: Package,
    catalog: Catalog,
    *,
    scripts: ScriptRunner | None = None,
    renderer: Renderer | None = None,
) -> TestReport:
    host = _Host(package, catalog, scripts, renderer)
    report = TestReport(package.id)
    for test_file in package.tests:
        document = test_file.get("document")
        file = str(test_file.get("file", ""))
        suites = document.get("testSuites") if isinstance(document, dict) else None
        for s, suite in enumerate(suites if isinstance(suites, list) else []):
            if not isinstance(suite, dict):
                continue
            for t, test in enumerate(suite.get("tests") or []):
                if isinstance(test, dict):
                    where = pointer("testSuites", s, "tests", t)
                    report.results.extend(
                        await _run_test(
                            host, str(suite.get("name") or suite.get("id")), test, file, where
                        )
                    )
    return report


async def _run_test(
    host: _Host, suite: str, test: dict[str, Any], file: str, where: str
) -> list[CaseResult]:
    name = str(test.get("name") or test.get("id"))
    arrange: dict[str, Any] = test["arrange"] if isinstance(test.get("arrange"), dict) else {}
    fixtures = arrange.get("fixtures", {})
    parameters = test.get("parameters")
    cases: list[dict[str, Any]] = (
        [p for p in parameters if isinstance(p, dict)]
        if test.get("parameterized") and isinstance(parameters, list)
        else [{}]
    )
    results = []
    for index, case in enumerate(cases):
        label = str(case.get("case", "")) if case else ""
        scope = {
            "input": case.get("input"),
            "expected": case.get("expected"),
            "fixtures": fixtures,
            "params": case,
        }
        case_where = where + (pointer("parameters", index) if case else "")
        try:
            failure = await _run_case(host, test, scope)
        except _Skip as skip:
            results.append(CaseResult(suite, name, label, "skipped", str(skip), file, case_where))
            continue
        outcome: Outcome = "passed" if failure is None else "failed"
        results.append(CaseResult(suite, name, label, outcome, failure or "", file, case_where))
    return results


async def _run_case(host: _Host, test: dict[str, Any], scope: dict[str, Any]) -> str | None:
    act: dict[str, Any] = test["act"] if isinstance(test.get("act"), dict) else {}
    target = act.get("target")
    if not isinstance(target, str):
        return "act.target is missing"
    checks: dict[str, Any] = test["assert"] if isinstance(test.get("assert"), dict) else {}
    expectations = checks.get("expectations") or []
    throws = [e for e in expectations if isinstance(e, dict) and e.get("type") == "throws"]
    try:
        value = _bind(act.get("input"), scope)
        result = await host.call(target, value)
    except _Skip:
        raise
    except (ScriptFailure, LookupError, PermissionError, ExpressionError, OSError) as exc:
        if throws:
            return None
        return f"{target} failed: {exc}"
    if throws:
        return f"{target} did not fail"
    for index, expectation in enumerate(expectations):
        if not isinstance(expectation, dict):
            continue
        kind = str(expectation.get("type"))
        source = expectation.get("actual", "result")
        try:
            actual = evaluate(str(source), {**scope, "result": result})
            expected = _bind(expectation.get("expected"), scope)
        except ExpressionError as exc:
            return f"expectation {index}: {exc}"
        failure = _check(kind, actual, expected)
        if failure is not None:
            description = expectation.get("description")
            return f"expectation {index} ({description or source}): {failure}"
    return None
