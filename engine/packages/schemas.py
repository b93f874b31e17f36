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


@cache
def _validator(kind: FileKind) -> Draft202012Validator:
    return Draft202012Validator(schema(kind))


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
