"""Problems found in a package: errors and warnings as data, each with file and JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


def pointer(*parts: str | int) -> str:
    """Build an RFC 6901 JSON pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def join_pointer(base: str, *parts: str | int) -> str:
    return base + pointer(*parts)


@dataclass(frozen=True)
class Problem:
    severity: Severity
    code: str
    message: str
    file: str = ""
    pointer: str = ""

    def __str__(self) -> str:
        where = self.file or "<package>"
        if self.pointer:
            where += f"#{self.pointer}"
        return f"{self.severity}: {where}: {self.message} [{self.code}]"

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "pointer": self.pointer,
        }


@dataclass
class Problems:
    """A collector that one loading pass appends to; never raises."""

    items: list[Problem] = field(default_factory=list)

    def error(self, code: str, message: str, file: str = "", ptr: str = "") -> None:
        self.items.append(Problem("error", code, message, file, ptr))

    def warning(self, code: str, message: str, file: str = "", ptr: str = "") -> None:
        self.items.append(Problem("warning", code, message, file, ptr))

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)
