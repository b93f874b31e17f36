"""`metabuilder packages validate` on broken packages: every problem names file and pointer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.packages import packages_group
from engine.packages import load_package
from engine.packages.validate import validate_path
from tests.packages.builders import component, write_package

Breaker = Callable[[Path], Path]


def bad_json(root: Path) -> Path:
    return write_package(root, "bad_json", raw={"components/ui.json": '{"components": [\n}'})


def schema_violation(root: Path) -> Path:
    return write_package(root, "schema_violation", package={"version": "one"})


def missing_dependency(root: Path) -> Path:
    return write_package(root, "needs_ghost", package={"dependencies": {"ghost": "^1"}})


def dependency_cycle(root: Path) -> Path:
    write_package(root / "set", "cycle_b", package={"dependencies": {"cycle_a": "*"}})
    write_package(root / "set", "cycle_a", package={"dependencies": {"cycle_b": "*"}})
    return root / "set"


def duplicate_component(root: Path) -> Path:
    return write_package(
        root, "dup_comp", components=[component("same"), component("same", "Other")]
    )


def missing_page_component(root: Path) -> Path:
    return write_package(
        root,
        "no_page_comp",
        pages=[{"id": "p", "path": "/x", "title": "X", "component": "nowhere", "level": 0}],
    )


def level_out_of_range(root: Path) -> Path:
    return write_package(root, "level_range", package={"minLevel": 6})


def route_level_out_of_range(root: Path) -> Path:
    return write_package(
        root,
        "route_level",
        pages=[{"id": "p", "path": "/x", "component": "route_level_page", "level": 9}],
    )


def dangling_ref(root: Path) -> Path:
    template = {"type": "Box", "children": [{"type": "ComponentRef", "ref": "missing_one"}]}
    return write_package(
        root, "dangling_ref", components=[component("dangling_ref_page", template=template)]
    )


def untyped_child(root: Path) -> Path:
    template = {"type": "Box", "children": ["text", {"label": "no type"}]}
    return write_package(root, "untyped", components=[component("untyped_page", template=template)])


def missing_script_body(root: Path) -> Path:
    path = write_package(root, "no_body")
    (path / "scripts").mkdir()
    (path / "scripts" / "act.json").write_text('{"name": "act", "kind": "action"}')
    return path


def cron_without_schedule(root: Path) -> Path:
    return write_package(
        root,
        "cron_nosched",
        scripts={"tick": ({"name": "tick", "kind": "cron"}, "def main(ctx):\n    return 1\n")},
    )


CASES: list[tuple[str, Breaker, str, str, str]] = [
    # (case, builder, code, file, pointer)
    ("bad JSON", bad_json, "invalid_json", "components/ui.json", ""),
    ("schema violation", schema_violation, "schema_pattern", "package.json", "/version"),
    (
        "missing dependency",
        missing_dependency,
        "missing_dependency",
        "package.json",
        "/dependencies/ghost",
    ),
    (
        "dependency cycle",
        dependency_cycle,
        "dependency_cycle",
        "package.json",
        "/dependencies/cycle_b",
    ),
    (
        "duplicate component id",
        duplicate_component,
        "duplicate_component_id",
        "components/ui.json",
        "/components/1/id",
    ),
    (
        "page route to a missing component",
        missing_page_component,
        "missing_page_component",
        "page-config/page-config.json",
        "/0/component",
    ),
    ("level out of range", level_out_of_range, "schema_maximum", "package.json", "/minLevel"),
    (
        "route level out of range",
        route_level_out_of_range,
        "schema_maximum",
        "page-config/page-config.json",
        "/0/level",
    ),
    (
        "dangling component reference",
        dangling_ref,
        "dangling_component_ref",
        "components/ui.json",
        "/components/0/render/template/children/0",
    ),
    (
        "template node without type",
        untyped_child,
        "schema_node",
        "components/ui.json",
        "/components/0/render/template/children/1",
    ),
    ("missing script body", missing_script_body, "missing_script_body", "scripts/act.json", ""),
    ("cron without schedule", cron_without_schedule, "schema_required", "scripts/tick.json", ""),
]


@pytest.mark.parametrize(
    ("case", "build", "code", "file", "pointer"), CASES, ids=[c[0] for c in CASES]
)
def test_validate_names_file_and_pointer(
    tmp_path: Path, case: str, build: Breaker, code: str, file: str, pointer: str
) -> None:
    path = build(tmp_path)
    reports = validate_path(path)
    problems = [(p.code, p.file, p.pointer) for r in reports for p in r.errors]
    assert (code, file, pointer) in problems


@pytest.mark.parametrize(
    ("case", "build", "code", "file", "pointer"), CASES, ids=[c[0] for c in CASES]
)
def test_validate_command_exits_non_zero_and_prints_the_location(
    tmp_path: Path, case: str, build: Breaker, code: str, file: str, pointer: str
) -> None:
    path = build(tmp_path)
    result = CliRunner().invoke(packages_group, ["validate", str(path)], obj=None)
    assert result.exit_code == 1, result.output
    assert f"{file}#{pointer}" in result.output if pointer else file in result.output
    assert code in result.output


def test_a_valid_package_validates_cleanly(tmp_path: Path) -> None:
    path = write_package(tmp_path, "fine")
    result = CliRunner().invoke(packages_group, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "fine" in result.output


def test_strict_load_reports_every_problem_in_one_pass(tmp_path: Path) -> None:
    meta: dict[str, Any] = {"version": "x", "minLevel": -1, "primary": "yes"}
    path = write_package(tmp_path, "many", package=meta)
    result = load_package(path)
    pointers = sorted(p.pointer for p in result.errors)
    assert pointers == ["/minLevel", "/primary", "/version"]
