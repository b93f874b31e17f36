"""Schema-driven entity views: /{tenant}/{package}/{entity}[/new|/{id}|/{id}/edit].

`fallback` is asked by the page router when no installed route matches a path, so a
package's own pages always win over the generated views; `routes()` adds the POST side
(forms of the generated views post to their own URL). See web/views/README.md.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from web.services import services
from web.tenancy import find_tenant
from web.views import handlers
from web.views.target import not_found, resolve


async def fallback(request: Request, tenant: dict[str, Any], path: str) -> Response | None:
    target = await resolve(services(request), tenant, path)
    if target is None:
        return None
    return await handlers.show(request, target)


async def submit(request: Request) -> Response:
    slug = request.path_params["tenant"]
    path = "/" + request.path_params.get("path", "")
    tenant = await find_tenant(request, slug)
    if tenant is None:
        return not_found(request, slug, f"There is no tenant {slug!r}.")
    target = await resolve(services(request), tenant, path)
    if target is None:
        return not_found(request, slug, f"No page at {path}.")
    return await handlers.submit(request, target)


def routes() -> list[BaseRoute]:
    return [Route("/{tenant}/{path:path}", submit, methods=["POST"])]
