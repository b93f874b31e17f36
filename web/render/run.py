"""Per-render state: collected CSS, placeholders, failed expressions, the nesting guard."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from scripts_runtime.expr import EvalState
from web.render.html import attr_escape, escape
from web.render.types import FailedExpression, Placeholder, RenderContext

if TYPE_CHECKING:
    from web.render.renderer import Renderer

MAX_COMPONENT_DEPTH: Final = 24
MAX_FAILURES_KEPT: Final = 500
RENDER_STEP_BUDGET: Final = 2_000_000


class RenderRun:
    __slots__ = (
        "_ids",
        "base_scope",
        "component",
        "context",
        "css",
        "depth",
        "eval_state",
        "failed",
        "failures",
        "package_id",
        "placeholders",
        "renderer",
        "stack",
        "ui",
        "versions_id",
    )

    def __init__(
        self, renderer: Renderer, context: RenderContext, base_scope: Mapping[str, Any]
    ) -> None:
        self.renderer = renderer
        self.context = context
        self.base_scope = base_scope
        self.css: dict[str, str] = {}
        self.placeholders: list[Placeholder] = []
        self.failed: list[FailedExpression] = []
        self.failures = 0
        self.depth = 0
        self.package_id = ""
        self.component = ""
        self.stack: list[tuple[str, str]] = []
        # Context that container primitives hand to their children (Tabs -> Tab, Select ->
        # MenuItem, TableHead -> TableCell), as stacks keyed by kind.
        self.ui: dict[str, list[Any]] = {}
        self._ids = 0
        # One budget for the whole render: no page can make its expressions run for long.
        self.eval_state = EvalState(budget=RENDER_STEP_BUDGET)
        # Which package versions this render sees, as a small number for cache keys.
        self.versions_id = renderer.versions_id(context.versions)

    def new_id(self, prefix: str = "mb") -> str:
        self._ids += 1
        return f"{prefix}-{self._ids}"

    def push(self, kind: str, value: Any) -> None:
        self.ui.setdefault(kind, []).append(value)

    def pop(self, kind: str) -> None:
        self.ui[kind].pop()

    def top(self, kind: str) -> Any:
        stack = self.ui.get(kind)
        return stack[-1] if stack else None

    def use_class(self, name: str, css: str) -> None:
        if name and name not in self.css:
            self.css[name] = css

    def fail(self, expression: str, error: str) -> None:
        self.failures += 1
        if len(self.failed) < MAX_FAILURES_KEPT:
            self.failed.append(FailedExpression(self.package_id, self.component, expression, error))

    def placeholder(self, node_type: str, reason: str, inner: str = "") -> str:
        self.placeholders.append(Placeholder(self.package_id, self.component, node_type, reason))
        return (
            '<div class="mb-placeholder" role="note"'
            f' data-mb-placeholder="{attr_escape(node_type)}">'
            f'<span class="mb-placeholder__label">{escape(node_type)}: {escape(reason)}</span>'
            f"{inner}</div>"
        )
