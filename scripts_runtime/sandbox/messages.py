"""The values that cross the pool boundary: one request in, one result out.

Both are plain frozen dataclasses of JSON-able fields, so they can travel inside Temporal
activity payloads unchanged and be built from a script manifest (`limits.ScriptLimits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = Any
"""A JSON-serialisable value (dict, list, str, int, float, bool or None)."""

Language = Literal["python", "jsonscript"]


@dataclass(frozen=True)
class ScriptRequest:
    """One script invocation.

    `source` is the module text: Python defining ``def main(ctx):`` (language ``python``),
    or the Python produced by `scripts_runtime.jsonscript.translate` (language
    ``jsonscript``, which adds the JavaScript-semantics helpers to the script's globals); a
    ``jsonscript`` source that is the JSON document itself is translated by the pool on the
    host. `filename` is what errors report. `input_schema`, when given, is a JSON Schema
    that `input` must satisfy before the script starts (checked on the host; the child never
    imports jsonschema).
    """

    source: str
    filename: str
    input: JSON = None
    tenant: str = ""
    tenant_slug: str = ""
    user: Mapping[str, Any] = field(default_factory=lambda: {"id": None, "level": 0})
    timeout_s: float = 5.0
    memory_mb: int = 256
    input_schema: Mapping[str, Any] | None = None
    language: Language = "python"
    line_map: Mapping[int, str] | None = None
    """For translated sources: generated line -> location in the original file (e.g. a
    JSON pointer), used to report errors against what the author wrote."""


@dataclass(frozen=True)
class ScriptError:
    """Why a script did not produce a value. `code` is an `errors.ErrorCode` value or, for
    an uncaught `HostError`, ``host_error`` with the host's own code in `host_code`."""

    code: str
    message: str
    filename: str | None = None
    line: int | None = None
    location: str | None = None
    host_code: str | None = None

    def to_json(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"code": self.code, "message": self.message}
        if self.filename is not None:
            out["filename"] = self.filename
        if self.line is not None:
            out["line"] = self.line
        if self.location is not None:
            out["location"] = self.location
        if self.host_code is not None:
            out["host_code"] = self.host_code
        return out


@dataclass(frozen=True)
class LogEntry:
    level: str
    message: str

    def to_json(self) -> dict[str, JSON]:
        return {"level": self.level, "message": self.message}


@dataclass(frozen=True)
class Event:
    name: str
    data: JSON

    def to_json(self) -> dict[str, JSON]:
        return {"name": self.name, "data": self.data}


@dataclass(frozen=True)
class ScriptResult:
    ok: bool
    value: JSON = None
    error: ScriptError | None = None
    logs: list[LogEntry] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    duration_ms: float = 0.0
    """Wall-clock time of the whole call as the caller saw it."""
    cpu_ms: float | None = None
    """CPU time the sandbox process spent on the run (None when it did not report)."""

    def to_json(self) -> dict[str, JSON]:
        return {
            "ok": self.ok,
            "value": self.value,
            "error": None if self.error is None else self.error.to_json(),
            "logs": [entry.to_json() for entry in self.logs],
            "events": [event.to_json() for event in self.events],
            "duration_ms": round(self.duration_ms, 3),
            "cpu_ms": None if self.cpu_ms is None else round(self.cpu_ms, 3),
        }
