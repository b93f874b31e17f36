"""The original's `metabuilder.validate` node: Laravel-style pipe rules over an input.

    {"input": "{{ $json }}", "rules": {"email": "required|email", "password": "string|minLength:8"}}
    {"input": "{{ $context.tenantId }}", "validator": "required"}

Rules: required, string, number|numeric, integer, boolean, array, object, email, uuid,
minLength:N, maxLength:N, min:N, max:N, in:a,b,c, regex is not offered (no user regexes on the
host). Unknown rules are errors, so a typo never passes silently. Returns field -> messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RULES = frozenset(
    {
        "required",
        "string",
        "number",
        "numeric",
        "integer",
        "boolean",
        "array",
        "object",
        "email",
        "uuid",
        "minLength",
        "maxLength",
        "min",
        "max",
        "in",
        "optional",
        "nullable",
    }
)


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _number(arg: str) -> float:
    return float(arg)


def check_value(value: Any, rules: str) -> list[str]:
    errors: list[str] = []
    parts = [p.strip() for p in rules.split("|") if p.strip()]
    if _missing(value):
        return ["is required"] if "required" in parts else []
    for part in parts:
        name, _, arg = part.partition(":")
        if name not in RULES:
            errors.append(f"unknown rule {name!r}")
        elif name in ("string", "email", "uuid") and not isinstance(value, str):
            errors.append("must be a string")
        elif name == "email" and not _EMAIL.match(value):
            errors.append("must be an email address")
        elif name == "uuid" and not _UUID.match(value):
            errors.append("must be a UUID")
        elif name in ("number", "numeric") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            errors.append("must be a number")
        elif name == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            errors.append("must be an integer")
        elif name == "boolean" and not isinstance(value, bool):
            errors.append("must be true or false")
        elif name == "array" and not isinstance(value, list):
            errors.append("must be a list")
        elif name == "object" and not isinstance(value, Mapping):
            errors.append("must be an object")
        elif name in ("minLength", "maxLength"):
            size = len(value) if isinstance(value, str | list) else None
            bound = int(_number(arg)) if arg else 0
            if size is None:
                errors.append("has no length")
            elif name == "minLength" and size < bound:
                errors.append(f"must be at least {bound} long")
            elif name == "maxLength" and size > bound:
                errors.append(f"must be at most {bound} long")
        elif name in ("min", "max") and isinstance(value, int | float):
            bound_n = _number(arg) if arg else 0.0
            if (name == "min" and value < bound_n) or (name == "max" and value > bound_n):
                errors.append(f"must be {'>=' if name == 'min' else '<='} {arg}")
        elif name == "in" and str(value) not in arg.split(","):
            errors.append(f"must be one of {arg}")
    return errors


def check(input_value: Any, rules: Any, validator: Any) -> dict[str, list[str]]:
    """Field -> messages (empty when valid). `validator` checks the whole input."""
    failures: dict[str, list[str]] = {}
    if isinstance(validator, str):
        errors = check_value(input_value, validator)
        if errors:
            failures["input"] = errors
    if isinstance(rules, Mapping):
        data = input_value if isinstance(input_value, Mapping) else {}
        for field, rule in rules.items():
            errors = check_value(data.get(field), str(rule))
            if errors:
                failures[str(field)] = errors
    return failures
