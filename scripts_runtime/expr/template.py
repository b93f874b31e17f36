"""`{{ }}` templates: a whole-string binding keeps the raw value, a mixed one interpolates text.

"{{items}}"            -> the list itself (whole-string)
"Page {{page}} of {{n}}" -> "Page 2 of 5" (mixed; null/undefined show as nothing)
"plain"                -> "plain" (static)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from scripts_runtime.expr.engine import CompiledExpression, compile_expression
from scripts_runtime.expr.runtime import EvalState
from scripts_runtime.expr.values import display_string

_BINDING: Final = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def has_binding(text: str) -> bool:
    return "{{" in text and _BINDING.search(text) is not None


class Template:
    """A compiled template string. `parts` alternates literal text and compiled expressions."""

    __slots__ = ("parts", "single", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.single: CompiledExpression | None = None
        self.parts: list[str | CompiledExpression] = []
        stripped = source.strip()
        match = _BINDING.fullmatch(stripped)
        if match is not None and "{{" not in match.group(1):
            self.single = compile_expression(match.group(1))
            return
        position = 0
        for found in _BINDING.finditer(source):
            if found.start() > position:
                self.parts.append(source[position : found.start()])
            self.parts.append(compile_expression(found.group(1)))
            position = found.end()
        if position < len(source):
            self.parts.append(source[position:])

    @property
    def is_static(self) -> bool:
        return self.single is None and all(isinstance(p, str) for p in self.parts)

    def expressions(self) -> list[CompiledExpression]:
        if self.single is not None:
            return [self.single]
        return [p for p in self.parts if isinstance(p, CompiledExpression)]

    def evaluate(self, scope: Mapping[str, Any], state: EvalState | None = None) -> Any:
        if self.single is not None:
            return self.single.evaluate(scope, state=state)
        return "".join(
            p if isinstance(p, str) else display_string(p.evaluate(scope, state=state))
            for p in self.parts
        )


@lru_cache(maxsize=8192)
def compile_template(source: str) -> Template:
    return Template(source)


def render_template(source: str, scope: Mapping[str, Any]) -> Any:
    return compile_template(source).evaluate(scope)
