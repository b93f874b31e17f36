"""Dependency resolution: install order, cycles, missing dependencies and version conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.packages import (
    Catalog,
    DependencyCycle,
    MissingDependency,
    Package,
    VersionConflict,
)
from engine.packages.resolve import Requirement, resolve


def pkg(pid: str, version: str = "1.0.0", **deps: str) -> Package:
    return Package(
        id=pid,
        name=pid,
        version=version,
        description="",
        min_level=0,
        primary=True,
        dependencies=deps,
        root=Path("/nonexistent") / pid,
    )


def catalog(*packages: Package) -> Catalog:
    return Catalog(packages=packages)


def test_dependencies_come_first_in_a_stable_order() -> None:
    cat = catalog(pkg("app", b="*", a="*"), pkg("a", c="^1"), pkg("b", c="^1.1"), pkg("c", "1.2.0"))
    assert resolve(cat, ["app"]).ids() == ["c", "a", "b", "app"]


def test_the_newest_version_in_range_is_chosen() -> None:
    cat = catalog(
        pkg("app", lib="^1"), pkg("lib", "1.0.0"), pkg("lib", "1.3.0"), pkg("lib", "2.0.0")
    )
    plan = resolve(cat, ["app"])
    assert [(p.id, p.version) for p in plan.order] == [("lib", "1.3.0"), ("app", "1.0.0")]


def test_a_shared_dependency_is_installed_once() -> None:
    cat = catalog(pkg("app", a="*", b="*"), pkg("a", c="*"), pkg("b", c="*"), pkg("c"))
    assert resolve(cat, ["app"]).ids().count("c") == 1


@pytest.mark.parametrize(
    ("packages", "chain"),
    [
        ([pkg("a", b="*"), pkg("b", a="*")], ["a", "b", "a"]),
        ([pkg("a", a="*")], ["a", "a"]),
        ([pkg("a", b="*"), pkg("b", c="*"), pkg("c", b="*")], ["b", "c", "b"]),
    ],
)
def test_cycles_name_the_chain(packages: list[Package], chain: list[str]) -> None:
    with pytest.raises(DependencyCycle) as err:
        resolve(catalog(*packages), ["a"])
    assert err.value.chain == chain
    assert " -> ".join(chain) in str(err.value)


def test_missing_dependency_names_the_chain() -> None:
    cat = catalog(pkg("app", ui="*"), pkg("ui", ghost="^2"))
    with pytest.raises(MissingDependency) as err:
        resolve(cat, ["app"])
    assert err.value.chain == ["app", "ui", "ghost"]
    assert "app -> ui -> ghost (^2)" in str(err.value)


def test_no_version_in_range_lists_what_is_available() -> None:
    cat = catalog(pkg("app", lib="^3"), pkg("lib", "1.0.0"), pkg("lib", "2.0.0"))
    with pytest.raises(VersionConflict) as err:
        resolve(cat, ["app"])
    assert "available: 1.0.0, 2.0.0" in str(err.value)


def test_two_ranges_that_cannot_agree_conflict() -> None:
    cat = catalog(
        pkg("app", a="*", b="*"),
        pkg("a", lib="^1"),
        pkg("b", lib="^2"),
        pkg("lib", "1.0.0"),
        pkg("lib", "2.0.0"),
    )
    with pytest.raises(VersionConflict) as err:
        resolve(cat, ["app"])
    message = str(err.value)
    assert "app -> a -> lib (^1)" in message and "app -> b -> lib (^2)" in message


def test_installed_versions_are_kept_when_they_satisfy() -> None:
    cat = catalog(pkg("app", lib="^1"), pkg("lib", "1.0.0"), pkg("lib", "1.5.0"))
    plan = resolve(cat, ["app"], installed={"lib": "1.0.0"})
    assert [(p.id, p.version) for p in plan.order] == [("lib", "1.0.0"), ("app", "1.0.0")]
    assert plan.keep == ["lib"]
    assert [p.id for p in plan.to_install] == ["app"]


def test_an_installed_version_outside_the_range_is_a_conflict() -> None:
    cat = catalog(pkg("app", lib="^2"), pkg("lib", "1.0.0"), pkg("lib", "2.0.0"))
    with pytest.raises(VersionConflict) as err:
        resolve(cat, ["app"], installed={"lib": "1.0.0"})
    assert "the tenant has 1.0.0 installed" in str(err.value)


def test_requirement_roots_take_a_range() -> None:
    cat = catalog(pkg("lib", "1.0.0"), pkg("lib", "2.0.0"))
    assert resolve(cat, [Requirement("lib", "<2")]).order[0].version == "1.0.0"
