"""Every built-in package in packages/ loads strictly (CI validates them all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.packages import Catalog, load_package
from tests.compat import REPO_ROOT

BUILTIN = REPO_ROOT / "packages"
BUILTIN_DIRS = sorted(p for p in BUILTIN.iterdir() if (p / "package.json").is_file())


@pytest.mark.parametrize("path", BUILTIN_DIRS, ids=[p.name for p in BUILTIN_DIRS])
def test_builtin_package_is_strictly_valid(path: Path) -> None:
    result = load_package(path, "strict")
    assert [str(p) for p in result.errors] == []
    assert result.package is not None
    assert result.package.id == path.name


def test_hello_world_has_its_page_component_and_script() -> None:
    catalog = Catalog([BUILTIN])
    package = catalog.get("hello_world")
    route = next(r for r in package.pages if r.path == "/hello")
    assert package.component(route.component) is not None
    script = package.script("increment")
    assert script is not None
    assert script.kind == "action"
    assert script.body_file.name == "increment.py"
    assert "def main(ctx)" in script.source
    assert catalog.resolve("hello_world", "HelloPage") == (
        "hello_world",
        package.component("hello_page").definition,  # type: ignore[union-attr]
    )
