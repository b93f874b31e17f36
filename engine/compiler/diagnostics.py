"""esbuild's diagnostics as data, parsed from its plain-text log.

The esbuild CLI has no machine-readable log format, so we run it with `--color=false` and
read the blocks it prints (the binary is pinned, so the format cannot drift underneath us):

    ✘ [ERROR] Expected ";" but found "c"

        bad.ts:2:6:
          2 │ let b c = 2;
            ╵       ^

      A note, indented by two spaces.

esbuild prints 1-based lines and 0-based columns; `Diagnostic.column` is 1-based, as in
editors and in `tsc`, so `str(diagnostic)` starts with a clickable `file:line:column`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

_HEADER = re.compile(r"^(?:✘|▲|X) \[(ERROR|WARNING)\] (?P<text>.*?)(?: \[(?P<id>[\w-]+)\])?$")
_LOCATION = re.compile(r"^    (?P<file>\S.*?):(?P<line>\d+):(?P<column>\d+):$")
_NOTE = re.compile(r"^  (?P<text>\S.*)$")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One error or warning from esbuild. `line` and `column` are 1-based."""

    text: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"
    id: str | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.severity}: {self.text}"


def parse_log(log: str, *, base_dir: Path | None = None) -> list[Diagnostic]:
    """Every diagnostic block in an esbuild log, in order.

    File names esbuild prints relative to its working directory are made absolute against
    `base_dir` when such a file exists, so callers get paths they can open.
    """
    blocks: list[list[str]] = []
    for raw in log.splitlines():
        line = raw.rstrip()
        if _HEADER.match(line):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    return [_parse_block(block, base_dir) for block in blocks]


def _parse_block(block: list[str], base_dir: Path | None) -> Diagnostic:
    header = _HEADER.match(block[0])
    assert header is not None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    notes: list[str] = []
    for text in block[1:]:
        location = _LOCATION.match(text)
        if location and file is None:
            file = _resolve(location.group("file"), base_dir)
            line = int(location.group("line"))
            column = int(location.group("column")) + 1
            continue
        note = _NOTE.match(text)
        if note and not _is_code_frame(text):
            notes.append(note.group("text"))
    return Diagnostic(
        text=header.group("text"),
        file=file,
        line=line,
        column=column,
        severity="error" if header.group(1) == "ERROR" else "warning",
        id=header.group("id"),
        notes=tuple(notes),
    )


def _is_code_frame(line: str) -> bool:
    return any(mark in line for mark in ("│", "╵", "╷"))


def _resolve(file: str, base_dir: Path | None) -> str:
    if base_dir is None or file.startswith("<"):
        return file
    candidate = base_dir / file
    return str(candidate.resolve()) if candidate.exists() else file
