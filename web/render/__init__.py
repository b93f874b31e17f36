"""Server-side rendering of JSON component trees to HTML + scoped CSS.

renderer = Renderer(resolve=resolve)   # resolve(package_id, ref) -> ResolvedComponent | None
result = renderer.render(package_id, definition, props, RenderContext(tenant="acme"))
result.html, result.css, result.placeholders, result.failed_expressions
"""

from web.render.actions import ActionRef
from web.render.renderer import Renderer
from web.render.types import (
    FailedExpression,
    Placeholder,
    RenderContext,
    RenderResult,
    ResolvedComponent,
    Resolver,
    UserInfo,
)

__all__ = [
    "ActionRef",
    "FailedExpression",
    "Placeholder",
    "RenderContext",
    "RenderResult",
    "Renderer",
    "ResolvedComponent",
    "Resolver",
    "UserInfo",
]
