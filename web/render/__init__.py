"""Server-side rendering of JSON component trees to HTML + scoped CSS.

    renderer = Renderer(resolve=resolve)   # resolve(package_id, ref) -> ResolvedComponent | None
    result = renderer.render(package_id, definition, props, RenderContext(tenant="acme"))
    result.html, result.css, result.placeholders, result.failed_expressions

- Components compile once per definition object (a package version's loaded dicts) and are
  cached; call `renderer.invalidate()` when packages are installed or removed.
- Scope of a template: `data`, `params`, `user`, `tenant`, handler names, state, declared props
  (with defaults) by name and as `props`, `state`, `computed`, loop variables.
- Handlers become `data-mb-action/-event/-package` (+ `data-mb-input` JSON, `{"$event": path}`
  for values read from the DOM event, `data-mb-events` for more than one); see `actions.py`.
- Never raises for bad templates or data: unknown types, dangling refs and failing primitives
  become visible placeholders, failing bindings a small marker; both are counted in the result.
- CSS: `result.css` (scoped `sx-*` classes used by this render) + `theme.theme_css(tokens)` +
  `theme.base_stylesheet()`; `document.page_html` assembles a full page with a CSP nonce.
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
