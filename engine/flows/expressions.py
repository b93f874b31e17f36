"""`{{ }}` in node parameters: checked once at validation, evaluated deterministically at run.

Every string in a parameter tree may hold bindings; `"{{ expr }}"` keeps the raw value, mixed
text interpolates. The scope a flow sees:

    $json       the run's input (the request body, webhook payload or entity change)
    $steps      {nodeId: {"output": ...}} of the nodes that ran so far
    $context    {tenantId, tenantSlug, packageId, flowId, runId, trigger, user: {id, level}}
    $env        the tenant's allowed flow variables (settings.flows.env), nothing else
    $item       the current item inside a loop (also $index)
    $input      the output(s) that reached this node

Inside a workflow `Date.now()` and `new Date()` read workflow time and `Math.random()` is
refused (`evaluate(..., deterministic=True, clock=...)`), so replays see the same values.
Results are converted to JSON values (undefined dropped, dates as ISO strings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from scripts_runtime.expr import (
    UNDEFINED,
    ExpressionError,
    compile_template,
    has_binding,
)
from scripts_runtime.expr.builtins import to_json_value
from scripts_runtime.expr.runtime import EvalState

Clock = Callable[[], float]


def template_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(parameter path, text) of every string with a binding in a parameter tree."""
    if isinstance(value, str):
        if has_binding(value):
            yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from template_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from template_strings(item, f"{path}[{index}]")


def syntax_errors(parameters: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(parameter path, message) for each template that does not compile."""
    for path, text in template_strings(parameters):
        try:
            compile_template(text)
        except ExpressionError as exc:
            yield path, str(exc)


def to_json(value: Any) -> Any:
    if value is UNDEFINED:
        return None
    return to_json_value(value)


class Evaluator:
    """Resolves parameter trees against a flow scope with one deterministic clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def value(self, raw: Any, scope: Mapping[str, Any]) -> Any:
        """`raw` with every binding evaluated (strings without bindings stay as they are)."""
        if isinstance(raw, str):
            if not has_binding(raw):
                return raw
            state = EvalState(clock=self._clock, deterministic=True)
            return to_json(compile_template(raw).evaluate(scope, state))
        if isinstance(raw, Mapping):
            return {self._key(k, scope): self.value(v, scope) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.value(v, scope) for v in raw]
        return raw

    def _key(self, key: Any, scope: Mapping[str, Any]) -> str:
        """Object keys may be bindings too (`{"{{ $json.sortBy }}": "asc"}`)."""
        text = str(key)
        return str(self.value(text, scope)) if has_binding(text) else text

    def param(self, parameters: Mapping[str, Any], name: str, scope: Mapping[str, Any]) -> Any:
        return self.value(parameters.get(name), scope)
