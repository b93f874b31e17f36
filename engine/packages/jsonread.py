"""A JSON reader that reports problems instead of raising, and can repair the original's quirks.

Strict mode: any syntax error or duplicate key is an error problem.
Tolerant mode (original packages), each repair reported as a warning:
- a missing comma between two values (``Expecting ',' delimiter``) is inserted;
- a trailing comma before ``}`` or ``]`` is removed;
- duplicate keys in one object: the *first* ``type`` stays the node type and a later ``type``
  becomes ``inputType`` (the original's TextField/Button nodes); any other duplicate key
  keeps its last value, as JavaScript's JSON.parse does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.packages.problems import Problem, pointer

LoadMode = Literal["strict", "tolerant"]

_MAX_REPAIRS = 50


@dataclass
class _Duplicate:
    obj: dict[str, Any]
    key: str
    kept: Any
    dropped: Any
    became: str | None = None


@dataclass
class _DuplicateTracker:
    mode: LoadMode
    found: list[_Duplicate] = field(default_factory=list)

    def hook(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        moved: list[_Duplicate] = []
        for key, value in pairs:
            if key not in obj:
                obj[key] = value
                continue
            if key == "type" and self.mode == "tolerant":
                # The first `type` names the component; a later one is an input type.
                dup = _Duplicate(obj, key, obj[key], value)
                moved.append(dup)
                self.found.append(dup)
                continue
            self.found.append(_Duplicate(obj, key, value, obj[key]))
            obj[key] = value
        for dup in moved:
            if "inputType" not in obj:
                dup.became = "inputType"
                obj["inputType"] = dup.dropped
        return obj


@dataclass
class JsonRead:
    value: Any
    problems: list[Problem]
    ok: bool


def _pointers_of(root: Any, wanted: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack and len(found) < len(wanted):
        node, ptr = stack.pop()
        if isinstance(node, dict):
            if id(node) in wanted:
                found[id(node)] = ptr
            stack.extend((v, ptr + pointer(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, ptr + pointer(i)) for i, v in enumerate(node))
    return found


def _repair(text: str, err: json.JSONDecodeError) -> tuple[str, str] | None:
    """Return (repaired text, description) for the two syntax slips the original data has."""
    if err.msg.startswith("Expecting ',' delimiter"):
        end = err.pos
        while end > 0 and text[end - 1] in " \t\r\n":
            end -= 1
        return text[:end] + "," + text[end:], "inserted a missing comma"
    if err.msg.startswith("Expecting property name") or err.msg.startswith("Expecting value"):
        # trailing comma: `, }` or `, ]`
        close = err.pos
        if close < len(text) and text[close] in "}]":
            start = close - 1
            while start >= 0 and text[start] in " \t\r\n":
                start -= 1
            if start >= 0 and text[start] == ",":
                return text[:start] + text[start + 1 :], "removed a trailing comma"
    return None


def read_json(text: str, file: str, mode: LoadMode = "strict") -> JsonRead:
    problems: list[Problem] = []
    repairs = 0
    while True:
        tracker = _DuplicateTracker(mode)
        try:
            value = json.loads(text, object_pairs_hook=tracker.hook)
            break
        except json.JSONDecodeError as err:
            fix = _repair(text, err) if mode == "tolerant" and repairs < _MAX_REPAIRS else None
            if fix is None:
                problems.append(
                    Problem(
                        "error",
                        "invalid_json",
                        f"invalid JSON at line {err.lineno} column {err.colno}: {err.msg}",
                        file,
                        "",
                    )
                )
                return JsonRead(None, problems, False)
            text, what = fix
            repairs += 1
            problems.append(
                Problem(
                    "warning",
                    "json_repaired",
                    f"{what} at line {err.lineno} column {err.colno}",
                    file,
                    "",
                )
            )
    if tracker.found:
        where = _pointers_of(value, {id(d.obj) for d in tracker.found})
        for dup in tracker.found:
            ptr = where.get(id(dup.obj), "") + pointer(dup.key)
            if mode == "strict":
                problems.append(
                    Problem("error", "duplicate_key", f"duplicate key {dup.key!r}", file, ptr)
                )
            elif dup.key == "type":
                target = dup.became or "nothing (inputType already set)"
                problems.append(
                    Problem(
                        "warning",
                        "duplicate_key",
                        f"duplicate key 'type': kept {dup.kept!r} as the node type, "
                        f"moved {dup.dropped!r} to {target}",
                        file,
                        ptr,
                    )
                )
            else:
                problems.append(
                    Problem(
                        "warning",
                        "duplicate_key",
                        f"duplicate key {dup.key!r}: the last value wins",
                        file,
                        ptr,
                    )
                )
    return JsonRead(value, problems, not any(p.severity == "error" for p in problems))
