"""compile_package_src(): a package's src/ folder becomes minified ES modules with maps."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.compiler import CompileError, compile_package_src
from tests.compiler.sourcemap import original_position, position_of


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_top_level_scripts_are_entries_and_sub_folders_are_bundled_into_them(
    tmp_path: Path,
) -> None:
    src = tmp_path / "src"
    write(
        src,
        {
            "widget.ts": (
                'import { label } from "./lib/label";\nexport const widget = label("w");\n'
            ),
            "chart.tsx": "export const Chart = (p: { n: number }) => <svg data-n={p.n} />;\n",
            "plain.js": "export const plain = 1;\n",
            "lib/label.ts": "export const label = (s: string): string => `[${s}]`;\n",
            "types.d.ts": "declare const nothing: number;\n",
            "widget.test.ts": "throw new Error('tests are not shipped');\n",
            "README.md": "not code\n",
        },
    )
    out = tmp_path / "static" / "js"
    written = compile_package_src(src, out)
    assert [p.name for p in written] == ["chart.js", "plain.js", "widget.js"]
    assert sorted(p.name for p in out.iterdir()) == [
        "chart.js",
        "chart.js.map",
        "plain.js",
        "plain.js.map",
        "widget.js",
        "widget.js.map",
    ]
    widget = (out / "widget.js").read_text()
    assert "import" not in widget  # the sub-folder module is bundled in
    assert "export{" in widget.replace(" ", "")  # an ES module, minified
    assert widget.rstrip().endswith("//# sourceMappingURL=widget.js.map")
    source_map = json.loads((out / "widget.js.map").read_text())
    position = original_position(source_map, *position_of(widget, "[${"))
    assert Path(position.source).name == "label.ts"


@pytest.mark.skipif(shutil.which("node") is None, reason="node imports the compiled module")
def test_a_compiled_entry_is_an_importable_es_module(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, {"calc.ts": "export function add(a: number, b: number): number { return a + b; }\n"})
    [calc] = compile_package_src(src, tmp_path / "out")
    mjs = calc.with_suffix(".mjs")
    shutil.copy(calc, mjs)
    script = f"import('{mjs.as_uri()}').then(m => console.log(m.add(2, 3)))"
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "5"


def test_errors_in_any_file_are_reported_with_their_path(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(
        src,
        {
            "ok.ts": "export const ok = 1;\n",
            "bad.ts": 'import "./lib/broken";\nexport const x = 1;\n',
            "lib/broken.ts": "export const a = 1;\n\nexport let b c;\n",
            "bare.ts": 'import "left-pad";\n',
        },
    )
    with pytest.raises(CompileError) as caught:
        compile_package_src(src, tmp_path / "out")
    found = {(Path(d.file or "").name, d.line, d.column) for d in caught.value.diagnostics}
    assert found == {("broken.ts", 3, 14), ("bare.ts", 1, 8)}


def test_a_src_folder_without_scripts_compiles_to_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write(src, {"notes.txt": "nothing to compile\n", "types.d.ts": "export {};\n"})
    assert compile_package_src(src, tmp_path / "out") == []
    assert not (tmp_path / "out").exists()
