"""The published JSON Schemas of the package format (``engine/packages/schemas/``) and a
validator that turns schema violations into problems with file and JSON pointer."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from engine.packages.problems import Problem, Severity, pointer

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

FileKind = Literal[
    "package",
    "components",
    "page-config",
    "entity",
    "script",
    "workflow",
    "roles",
    "tokens",
    "test",
]

FILE_KINDS: tuple[FileKind, ...] = (
    "package",
    "components",
    "page-config",
    "entity",
    "script",
    "workflow",
    "roles",
    "tokens",
    "test",
)

_MAX_MESSAGE = 240


def schema_path(kind: FileKind) -> Path:
    return SCHEMA_DIR / f"{kind}.schema.json"


@cache
def schema(kind: FileKind) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_path(kind).read_text(encoding="utf-8"))
    return loaded


# Template trees are deep; a recursive schema is slow to evaluate (every anyOf branch is
# tried at every node). At run time the node definition is shallow and `check_template`
# walks the tree with the same rules; the published schema keeps the recursive form.
_SHALLOW_NODE: dict[str, Any] = {
    "type": "object",
    "anyOf": [{"required": ["type"]}, {"required": ["$ref"]}],
    "properties": {"type": {"type": "string", "minLength": 1}, "$ref": {"type": "string"}},
}


@cache
def _validator(kind: FileKind) -> Draft202012Validator:
    document = schema(kind)
    if kind == "components":
        document = {**document, "$defs": {**document["$defs"], "node": _SHALLOW_NODE}}
    return Draft202012Validator(document)


def _is_node(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    kind, ref = value.get("type"), value.get("$ref")
    return (isinstance(kind, str) and kind != "") or isinstance(ref, str)


def _leaf_or_node(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float) or _is_node(value)


def check_template(
    node: Any, file: str, base_pointer: str, severity: Severity = "error"
) -> list[Problem]:
    """The recursive part of the components schema: every node in a template position is an
    object with a string `type` (or a `$ref`); children are text, nodes or lists of them."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(node, base_pointer)]

    def bad(where: str, message: str) -> None:
        problems.append(Problem(severity, "schema_node", message, file, where))

    while stack:
        current, where = stack.pop()
        if not _is_node(current):
            bad(where, "a template node must be an object with a string `type` or a `$ref`")
            continue
        for key, value in current.items():
            at = where + pointer(key)
            if key == "children":
                if isinstance(value, list):
                    for i, child in enumerate(value):
                        if isinstance(child, dict):
                            stack.append((child, at + pointer(i)))
                        elif not _leaf_or_node(child):
                            bad(at + pointer(i), "a child must be text, a number, null or a node")
                elif isinstance(value, dict):
                    stack.append((value, at))
                elif not _leaf_or_node(value):
                    bad(at, "children must be text, a node or a list of them")
            elif key in ("then", "else"):
                if isinstance(value, dict):
                    stack.append((value, at))
                elif value is not None and not isinstance(value, str):
                    bad(at, f"`{key}` must be a node, text or null")
            elif key in ("render", "template"):
                stack.append((value, at))
    return problems


def _narrow(error: ValidationError) -> ValidationError:
    # anyOf/oneOf failures say "is not valid under any of the given schemas"; the most
    # relevant sub-error names the real cause and a deeper pointer.
    while error.validator in ("anyOf", "oneOf") and error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    return error


def _message(error: ValidationError) -> str:
    message = str(error.message)
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return message


def validate_document(
    document: Any,
    kind: FileKind,
    file: str,
    severity: Severity = "error",
    base_pointer: str = "",
) -> list[Problem]:
    """Validate one document against the schema of its file kind."""
    problems: list[Problem] = []
    for raw in sorted(_validator(kind).iter_errors(document), key=lambda e: list(e.absolute_path)):
        error = _narrow(raw)
        problems.append(
            Problem(
                severity,
                f"schema_{error.validator}",
                _message(error),
                file,
                base_pointer + pointer(*error.absolute_path),
            )
        )
    return problems


def check_config(config: Any, config_schema: dict[str, Any], file: str = "config") -> list[Problem]:
    """Validate a tenant's package config against the package's config schema."""
    validator = Draft202012Validator(config_schema)
    problems = []
    for raw in validator.iter_errors(config):
        error = _narrow(raw)
        problems.append(
            Problem(
                "error",
                f"config_{error.validator}",
                _message(error),
                file,
                pointer(*error.absolute_path),
            )
        )
    return problems
