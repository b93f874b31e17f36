"""Reading esbuild's plain-text log into Diagnostic values."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.compiler import Diagnostic
from engine.compiler.diagnostics import parse_log

SYNTAX = """\
✘ [ERROR] Expected ";" but found "c"

    bad.ts:2:6:
      2 │ let b c = 2;
        │       ^
        ╵       ;

"""

WARNING_WITH_NOTE = """\
▲ [WARNING] Comparison with -0 using the "==" operator will also match 0 [equals-negative-zero]

    dir/w.ts:2:9:
      2 │ if (x == -0) {}
        ╵          ~~

  Floating-point equality is defined such that 0 and -0 are equal.

"""

NO_LOCATION = """\
✘ [ERROR] Must use "outdir" when there are multiple input files

"""


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (SYNTAX, [Diagnostic('Expected ";" but found "c"', "bad.ts", 2, 7)]),
        (
            WARNING_WITH_NOTE,
            [
                Diagnostic(
                    'Comparison with -0 using the "==" operator will also match 0',
                    "dir/w.ts",
                    2,
                    10,
                    severity="warning",
                    id="equals-negative-zero",
                    notes=("Floating-point equality is defined such that 0 and -0 are equal.",),
                )
            ],
        ),
        (NO_LOCATION, [Diagnostic('Must use "outdir" when there are multiple input files')]),
        (SYNTAX + WARNING_WITH_NOTE, [Diagnostic('Expected ";" but found "c"', "bad.ts", 2, 7)]),
        ("", []),
        ("some unrelated output\n", []),
    ],
    ids=["error", "warning-with-note", "no-location", "two-blocks", "empty", "noise"],
)
def test_log_blocks_become_diagnostics_with_one_based_columns(
    log: str, expected: list[Diagnostic]
) -> None:
    parsed = parse_log(log)
    assert parsed[: len(expected)] == expected
    assert len(parsed) == log.count("[ERROR]") + log.count("[WARNING]")


@pytest.mark.parametrize(
    ("diagnostic", "text"),
    [
        (Diagnostic("Oops", "a.ts", 3, 4), "a.ts:3:4: error: Oops"),
        (Diagnostic("Hm", "a.ts", 3, 4, severity="warning"), "a.ts:3:4: warning: Hm"),
        (Diagnostic("Oops", "a.ts"), "a.ts: error: Oops"),
        (Diagnostic("Oops"), "error: Oops"),
    ],
)
def test_a_diagnostic_prints_as_file_line_column(diagnostic: Diagnostic, text: str) -> None:
    assert str(diagnostic) == text


def test_relative_files_that_exist_are_made_absolute(tmp_path: Path) -> None:
    (tmp_path / "bad.ts").write_text("let b c = 2;\n")
    [diagnostic] = parse_log(SYNTAX, base_dir=tmp_path)
    assert diagnostic.file == str(tmp_path / "bad.ts")
