"""Python source assembly for the JSON-script translator: indented lines that remember
which JSON node they came from, and the name rules for translated identifiers."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

_VALID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def mangle(name: str) -> str:
    """A JSON-script identifier -> a safe Python identifier body (never `_`-prefixed)."""
    if _VALID.match(name) and not keyword.iskeyword(name):
        return name
    out = []
    for char in name:
        if char.isascii() and (char.isalnum() or char == "_"):
            out.append(char)
        else:
            out.append(f"x{ord(char):x}x")
    body = "".join(out).lstrip("_") or "x"
    return body


def var(name: str) -> str:
    return f"v_{mangle(name)}"


def const(name: str) -> str:
    return f"c_{mangle(name)}"


def func(name: str) -> str:
    return f"f_{mangle(name)}"


@dataclass
class Line:
    indent: int
    text: str
    pointer: str


@dataclass
class Emitter:
    lines: list[Line] = field(default_factory=list)

    def emit(self, indent: int, text: str, pointer: str) -> None:
        self.lines.append(Line(indent, text, pointer))

    def extend(self, other: Emitter, extra_indent: int = 0) -> None:
        for line in other.lines:
            self.lines.append(Line(line.indent + extra_indent, line.text, line.pointer))

    def render(self, first_line: int = 1) -> tuple[str, dict[int, str]]:
        text_lines: list[str] = []
        line_map: dict[int, str] = {}
        number = first_line
        for line in self.lines:
            for physical in line.text.split("\n"):
                text_lines.append("    " * line.indent + physical)
                line_map[number] = line.pointer
                number += 1
        return "\n".join(text_lines) + "\n", line_map


@dataclass
class Names:
    """Fresh temporary names (`t_1`, `a_2`, ...) unique within one translation."""

    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter}"
