"""Render every component of a package and report on each (for `metabuilder packages render`).

    for report in render_components(renderer, "forum_forge", components):
        print(json.dumps(report.summary()))
    print(json.dumps({"totals": totals(reports)}))

A component that raises is reported with its error instead of stopping the run; the renderer is
built not to raise, so an error here is a bug worth a line in the output.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from web.render.renderer import Renderer
from web.render.types import FailedExpression, Placeholder, RenderContext

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ComponentReport:
    component: str
    ok: bool
    html: str = ""
    css: str = ""
    placeholders: list[Placeholder] = field(default_factory=list)
    failed_expressions: list[FailedExpression] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        """`{component, ok, placeholders, failed_expressions, error}` with readable details."""
        return {
            "component": self.component,
            "ok": self.ok,
            "placeholders": [
                {"type": p.node_type, "reason": p.reason, "in": f"{p.package_id}/{p.component}"}
                for p in self.placeholders
            ],
            "failed_expressions": [
                {
                    "expression": f.expression,
                    "error": f.error,
                    "in": f"{f.package_id}/{f.component}",
                }
                for f in self.failed_expressions
            ],
            "error": self.error,
        }


def render_components(
    renderer: Renderer,
    package_id: str,
    components: Iterable[Mapping[str, Any]],
    *,
    context: RenderContext | None = None,
    props: Mapping[str, Any] | None = None,
) -> Iterator[ComponentReport]:
    context = context or RenderContext(tenant="preview")
    for definition in components:
        name = str(definition.get("id") or definition.get("name") or "?")
        try:
            result = renderer.render(package_id, definition, props or {}, context)
        except Exception as exc:
            log.exception("rendering %s/%s failed", package_id, name)
            yield ComponentReport(name, False, error=f"{type(exc).__name__}: {exc}")
            continue
        yield ComponentReport(
            name,
            True,
            result.html,
            result.css,
            result.placeholders,
            result.failed_expressions,
        )


def totals(reports: Iterable[ComponentReport]) -> dict[str, int]:
    out = {"components": 0, "ok": 0, "errors": 0, "placeholders": 0, "failed_expressions": 0}
    for report in reports:
        out["components"] += 1
        out["ok" if report.ok else "errors"] += 1
        out["placeholders"] += len(report.placeholders)
        out["failed_expressions"] += len(report.failed_expressions)
    return out
