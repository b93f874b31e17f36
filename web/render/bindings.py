"""Shared shapes of compiled templates: getters, node render functions, node detection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from web.render.run import RenderRun

Getter = Callable[[Mapping[str, Any], RenderRun], Any]
"""Evaluates one attribute value in a scope."""

NodeFn = Callable[[Mapping[str, Any], RenderRun], str]
"""Renders one node (or a list of children) in a scope to HTML."""


def is_node(value: Any) -> bool:
    return isinstance(value, Mapping) and (isinstance(value.get("type"), str) or "$ref" in value)


def is_dynamic(raw: Any) -> bool:
    """Whether a raw template value has a binding anywhere (or a node, which renders)."""
    if isinstance(raw, str):
        return "{{" in raw
    if isinstance(raw, Mapping):
        return is_node(raw) or any(is_dynamic(v) for v in raw.values())
    if isinstance(raw, list):
        return any(is_dynamic(v) for v in raw)
    return False


def empty(scope: Mapping[str, Any], run: RenderRun) -> str:
    return ""


def constant(value: Any) -> Getter:
    return lambda scope, run: value
