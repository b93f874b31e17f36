"""Source maps lead from generated code back to the right original line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.compiler import SourceMap, compile
from tests.compiler.sourcemap import inline_map, original_position, position_of

SOURCE = """\
// a comment, then types that vanish from the output
interface User {
  name: string;
  level: number;
}

export function greet(user: User): string {
  const prefix: string = user.level > 3 ? "Admin" : "User";
  return `${prefix} ${user.name}`.toUpperCase();
}

export function fail(): never {
  throw new Error("marker_on_line_13");
}
"""


@pytest.mark.parametrize("minify", [False, True], ids=["plain", "minified"])
@pytest.mark.parametrize("sourcemap", ["external", "inline"])
@pytest.mark.parametrize(("needle", "line"), [("marker_on_line_13", 13), ("toUpperCase", 9)])
def test_a_generated_position_maps_back_to_its_source_line(
    sourcemap: SourceMap, minify: bool, needle: str, line: int
) -> None:
    result = compile(SOURCE, sourcemap=sourcemap, minify=minify, entry=Path("greet.ts"))
    if sourcemap == "external":
        assert result.map is not None
        source_map = json.loads(result.map)
    else:
        assert result.map is None
        source_map = inline_map(result.code)
    assert source_map["sources"] == ["greet.ts"]
    assert source_map["sourcesContent"] == [SOURCE]
    position = original_position(source_map, *position_of(result.code, needle))
    assert position.source == "greet.ts"
    assert position.original_line + 1 == line


def test_a_bundle_maps_each_module_to_its_own_file(tmp_path: Path) -> None:
    (tmp_path / "util.ts").write_text(
        "// util\n\nexport function shout(s: string): string {\n  return s + 'util_marker';\n}\n"
    )
    main = tmp_path / "main.ts"
    main.write_text('import { shout } from "./util";\n\n\ndocument.title = shout("main_marker");\n')
    result = compile(main, bundle=True, minify=True, sourcemap="external")
    source_map = json.loads(result.map or "")
    assert sorted(source_map["sources"]) == ["main.ts", "util.ts"]
    util = original_position(source_map, *position_of(result.code, "util_marker"))
    entry = original_position(source_map, *position_of(result.code, "main_marker"))
    assert (util.source, util.original_line + 1) == ("util.ts", 4)
    assert (entry.source, entry.original_line + 1) == ("main.ts", 4)
