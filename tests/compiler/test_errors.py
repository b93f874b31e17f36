"""Compile errors come back as data: file, line and column (1-based) and esbuild's text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from engine.compiler import CompileError, EsbuildNotFoundError, binary, compile, find_esbuild
from engine.compiler import __main__ as cli

SYNTAX_ERRORS = [
    # (source, line, column, words in the message)
    ("const a: number = 1;\nlet b c = 2;\n", 2, 7, 'Expected ";" but found "c"'),
    ("function f( {\n  return 1;\n}\n", 2, 10, "Expected"),
    ("const s = 'unterminated;\n", 1, 25, "Unterminated string literal"),
    ("\n\n\nconst x = {a: 1,, b: 2};\n", 4, 17, 'Expected identifier but found ","'),
    ("let t: Array<number = [];\n", 1, 21, "Expected"),
]


@pytest.mark.parametrize(("source", "line", "column", "text"), SYNTAX_ERRORS)
def test_a_syntax_error_in_a_file_reports_file_line_and_column(
    tmp_path: Path, source: str, line: int, column: int, text: str
) -> None:
    path = tmp_path / "broken.ts"
    path.write_text(source)
    with pytest.raises(CompileError) as caught:
        compile(path)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == (str(path), line, column)
    assert text in diagnostic.text
    assert str(diagnostic).startswith(f"{path}:{line}:{column}: error: ")
    assert str(caught.value).startswith(f"{path}:{line}:{column}: ")


@pytest.mark.parametrize(
    ("entry", "shown"), [(Path("pkg/src/widget.ts"), "pkg/src/widget.ts"), (None, "<stdin>")]
)
@pytest.mark.parametrize("bundle", [False, True])
def test_a_syntax_error_in_code_given_as_text_names_its_entry(
    entry: Path | None, shown: str, bundle: bool
) -> None:
    with pytest.raises(CompileError) as caught:
        compile("let ok = 1;\nlet b c = 2;\n", entry=entry, bundle=bundle)
    [diagnostic] = caught.value.diagnostics
    assert str(diagnostic).startswith(f"{shown}:2:7: error: ")


def test_an_unresolved_import_is_reported_where_it_is_written(tmp_path: Path) -> None:
    main = tmp_path / "main.ts"
    main.write_text('export const a = 1;\nimport { b } from "./missing";\nconsole.log(b);\n')
    with pytest.raises(CompileError) as caught:
        compile(main, bundle=True)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == (str(main), 2, 19)
    assert diagnostic.text == 'Could not resolve "./missing"'


def test_every_error_of_a_bundle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text("let a a;\n")
    (tmp_path / "b.ts").write_text("let b b;\n")
    main = tmp_path / "main.ts"
    main.write_text('import "./a";\nimport "./b";\n')
    with pytest.raises(CompileError) as caught:
        compile(main, bundle=True)
    files = sorted(Path(d.file or "").name for d in caught.value.diagnostics)
    assert files == ["a.ts", "b.ts"]


@pytest.fixture
def no_esbuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No esbuild anywhere: not in tools/, not in the repository, not on PATH (an empty
    folder, returned so a test can put things there)."""
    monkeypatch.setattr(binary, "TOOLS_DIR", tmp_path / "tools" / "esbuild")
    monkeypatch.setattr(binary, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(binary.ENV_VAR, raising=False)
    return tmp_path


@pytest.mark.usefixtures("no_esbuild")
def test_a_missing_binary_fails_with_one_message_saying_how_to_install_it() -> None:
    with pytest.raises(EsbuildNotFoundError) as caught:
        compile("let a = 1;")
    message = str(caught.value)
    assert "npm ci --prefix tools/esbuild" in message
    assert binary.ENV_VAR in message


def test_the_cli_says_how_to_install_a_missing_binary_in_one_line(
    no_esbuild: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["build-client", str(no_esbuild / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: esbuild is not installed: run `npm ci --prefix tools/esbuild`")


def test_a_binary_that_does_not_run_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "esbuild"
    fake.write_text("not a program")
    fake.chmod(0o755)
    monkeypatch.setenv(binary.ENV_VAR, str(fake))
    found = find_esbuild()
    assert found.path != fake
    assert found.version


def test_a_python_launcher_named_esbuild_is_never_run(no_esbuild: Path) -> None:
    marker = no_esbuild / "ran"
    launcher = no_esbuild / "esbuild"
    launcher.write_text(f"#!{sys.executable}\nopen({str(marker)!r}, 'w').write('x')\n")
    launcher.chmod(0o755)
    with pytest.raises(EsbuildNotFoundError, match="a Python launcher, not esbuild"):
        find_esbuild()
    assert not marker.exists()


def test_the_environment_variable_names_the_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    real = find_esbuild()
    find_esbuild.cache_clear()
    monkeypatch.setenv(binary.ENV_VAR, str(real.path))
    assert binary.candidate_paths()[0] == real.path
    assert find_esbuild() == real


def test_the_pinned_version_is_the_one_installed() -> None:
    pinned = json.loads((binary.TOOLS_DIR / "package.json").read_text())["dependencies"]["esbuild"]
    assert find_esbuild().version == pinned
