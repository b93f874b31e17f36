"""compile(): TypeScript and friends in, JavaScript out, through the real esbuild binary."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.compiler import Loader, compile

TYPED_TS = """\
interface Point { x: number; y: number }
enum Axis { X = "x", Y = "y" }
type Pair<T> = readonly [T, T];
abstract class Shape { abstract area(): number }
class Square extends Shape {
  constructor(private readonly side: number) { super() }
  area(): number { return this.side ** 2 }
}
function longest<T extends { length: number }>(items: Pair<T>): T {
  return items[0].length >= items[1].length ? items[0] : items[1];
}
const origin: Point = { x: 1, y: 2 } satisfies Point;
const picked = longest<string>(["abc", "de"] as const);
console.log(JSON.stringify([origin.x + origin.y, Axis.Y, new Square(3).area(), picked]));
"""

node = shutil.which("node")
needs_node = pytest.mark.skipif(node is None, reason="node runs the compiled output")


def run_js(code: str) -> str:
    assert node is not None
    done = subprocess.run([node, "-e", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("loader", "source", "absent"),
    [
        ("ts", TYPED_TS, ["interface", ": number", "<T extends", "satisfies", "private readonly"]),
        ("tsx", "const n: number = 2;\nconst el = <b title={`${n}`}>hi</b>;\n", [": number", "<b"]),
        ("js", "const a = 1 ?? 2;\nexport default a;\n", []),
        ("jsx", 'export const App = () => <div className="x">{1}</div>;\n', ["<div"]),
    ],
)
def test_each_loader_compiles_to_plain_javascript(
    loader: Loader, source: str, absent: list[str]
) -> None:
    result = compile(source, loader=loader)
    assert result.code.strip()
    assert result.warnings == []
    for fragment in absent:
        assert fragment not in result.code


@needs_node
def test_typescript_with_types_compiles_to_code_that_runs() -> None:
    result = compile(TYPED_TS)
    assert json.loads(run_js(result.code)) == [3, "y", 9, "abc"]


@needs_node
def test_minified_output_is_smaller_and_behaves_the_same() -> None:
    plain = compile(TYPED_TS)
    minified = compile(TYPED_TS, minify=True)
    assert len(minified.code) < len(plain.code) * 0.8
    assert "\n  " not in minified.code
    assert run_js(minified.code) == run_js(plain.code)


def test_loader_follows_the_file_extension(tmp_path: Path) -> None:
    source = tmp_path / "view.tsx"
    source.write_text("export const v = (n: number) => <i>{n}</i>;\n")
    assert "<i>" not in compile(source).code


def test_outfile_is_written_with_a_linked_external_map(tmp_path: Path) -> None:
    outfile = tmp_path / "dist" / "app.js"
    result = compile("export const a: number = 1;\n", sourcemap="external", outfile=outfile)
    assert outfile.read_text() == result.code
    assert result.code.rstrip().endswith("//# sourceMappingURL=app.js.map")
    assert json.loads((tmp_path / "dist" / "app.js.map").read_text()) == json.loads(
        result.map or ""
    )


def test_warnings_are_returned_as_diagnostics() -> None:
    result = compile("let x = 1;\nif (x == -0) {}\n", entry=Path("check.ts"))
    [warning] = result.warnings
    assert (warning.file, warning.line, warning.column, warning.severity) == (
        "check.ts",
        2,
        10,
        "warning",
    )
    assert warning.id == "equals-negative-zero"
    assert "-0" in warning.text


def test_bundle_resolves_relative_imports_from_the_entry_folder(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "math.ts").write_text(
        "export const twice = (n: number): number => n * 2;\n"
    )
    entry = tmp_path / "main.ts"
    result = compile(
        'import { twice } from "./lib/math";\nconsole.log(twice(21));\n', bundle=True, entry=entry
    )
    assert "import" not in result.code
    assert result.code.lstrip().startswith("(() => {")
    if node:
        assert run_js(result.code) == "42"
