"""A view model through the component renderer: the default view component, or the package's.

The generated views are ordinary component definitions (`components.json` beside this file),
rendered like any package page, with the view model in scope as `data.view`. A package
replaces one by naming its own component in the entity schema:

    "x-views": {"list": "post_list", "detail": "post_page", "form": "post_form"}

and that component receives the same `data.view` (its shape is documented in
`web/views/README.md`). A page route of the package for the same path wins over both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import HTMLResponse

from web.html import FRAGMENT_HEADER, Document, main_fragment, render_document
from web.identity import current_identity
from web.middleware.csrf import csrf_token
from web.render import RenderContext, UserInfo
from web.services import WebServices, services
from web.views.target import Target

VIEWS_PACKAGE: Final = "mb_views"  # no package has this id, so lookups stay with primitives
KINDS: Final = ("list", "detail", "form")


def _load_defaults() -> dict[str, Mapping[str, Any]]:
    raw = json.loads((Path(__file__).parent / "components.json").read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in raw["components"]}
    return {kind: by_id[f"entity_{kind}"] for kind in KINDS}


DEFAULTS: Final = _load_defaults()


def component_for(svc: WebServices, target: Target, kind: str) -> tuple[str, Mapping[str, Any]]:
    """(package id, definition) of the component that renders `kind` views of the entity."""
    declared = target.model.schema.get("x-views")
    ref = declared.get(kind) if isinstance(declared, Mapping) else None
    if isinstance(ref, str):
        package = svc.catalog.pick(target.package_id, target.version)
        component = package.component(ref) if package is not None else None
        if component is not None:
            return target.package_id, component.definition
    return VIEWS_PACKAGE, DEFAULTS[kind]


def render_view(
    request: Request,
    target: Target,
    kind: str,
    view: Mapping[str, Any],
    *,
    title: str,
    status: int = 200,
) -> HTMLResponse:
    svc = services(request)
    identity = current_identity(request)
    package_id, definition = component_for(svc, target, kind)
    token = csrf_token(request.scope)
    context = RenderContext(
        tenant=target.slug,
        user=(
            UserInfo(id=identity.user_id, level=identity.level, username=identity.username)
            if identity.user_id is not None
            else None
        ),
        data={"view": dict(view)},
        params={"package": target.package_id, "entity": target.model.name},
        csrf_token=token,
        versions=target.versions,
    )
    result = svc.renderer.render(package_id, definition, {}, context)
    if request.headers.get(FRAGMENT_HEADER) == "main":
        return HTMLResponse(main_fragment(result.html, result.css), status_code=status)
    package = svc.catalog.pick(target.package_id, target.version)
    page = Document(
        title=title,
        tenant_slug=target.slug,
        csrf_token=token,
        body=result.html,
        css=result.css,
        head_css=svc.themes.css_for(package) if package is not None else "",
    )
    return HTMLResponse(render_document(page), status_code=status)
