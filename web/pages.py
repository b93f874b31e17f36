"""Pages: tenant URL -> route -> component -> page data -> HTML.

`/` is the default tenant's root; `/{tenant}/{path}` any tenant's page. Level rules: a route
that requires auth sends an anonymous visitor to the login page; a visitor below the route's
level gets the access-denied page (403) naming both levels.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from web import views
from web.html import FRAGMENT_HEADER, Document, main_fragment, message_page, render_document
from web.identity import Identity, current_identity, level_name
from web.middleware.csrf import csrf_token
from web.page_data import PageDataError, PageDataForbidden
from web.render_cache import render_page
from web.routing import RouteMatch, match_installed, match_page_configs
from web.services import WebServices, services
from web.tenancy import DEFAULT_TENANT, find_tenant, installed_packages

log = logging.getLogger(__name__)
CACHE_HEADER = "X-MB-Render-Cache"  # hit | miss | off: whether the render cache answered


async def root_page(request: Request) -> Response:
    return await tenant_page(request, DEFAULT_TENANT, "/")


async def page(request: Request) -> Response:
    path = request.path_params.get("path", "")
    return await tenant_page(request, request.path_params["tenant"], "/" + path)


async def tenant_page(request: Request, slug: str, path: str) -> Response:
    svc = services(request)
    tenant = await find_tenant(request, slug)
    if tenant is None:
        return system_page(request, slug, 404, "Not found", [f"There is no tenant {slug!r}."])
    route = await run_in_threadpool(find_route, svc, tenant["id"], path)
    if route is None:
        generated = await views.fallback(request, tenant, path)
        if generated is not None:
            return generated
        return system_page(request, slug, 404, "Not found", [f"No page at {path}."])
    identity = current_identity(request)
    if route.requires_auth and not identity.authenticated:
        target = f"/{quote(slug)}/login?next={quote(request.url.path)}"
        return RedirectResponse(target, status_code=303)
    if identity.level < route.level:
        return access_denied(request, slug, identity, route.level)
    return await render_route(request, svc, tenant, route, identity)


def find_route(svc: WebServices, tenant_id: str, path: str) -> RouteMatch | None:
    route = match_page_configs(svc.db.page_configs.list_published(tenant_id), path)
    if route is not None:
        return route
    installed = svc.db.installed_packages.list(tenant_id)
    primary = {}
    for row in installed:
        package = svc.catalog.pick(row["package_id"], row["version"])
        primary[row["package_id"]] = bool(package and package.primary)
    return match_installed(installed, path, primary=primary)


async def render_route(
    request: Request,
    svc: WebServices,
    tenant: dict[str, Any],
    route: RouteMatch,
    identity: Identity,
) -> Response:
    slug = tenant["slug"]
    versions = (await installed_packages(request, tenant["id"])).versions
    package = svc.catalog.pick(route.package_id, versions.get(route.package_id))
    if package is None:
        return system_page(request, slug, 404, "Not found", [f"No package {route.package_id!r}."])
    component = package.component(route.component) if route.component else package.home_component()
    if component is None:
        lines = [f"Package {route.package_id!r} has no component {route.component!r}."]
        return system_page(request, slug, 404, "Page unavailable", lines)
    try:
        rendered = await run_in_threadpool(
            render_page,
            svc,
            tenant,
            package,
            component,
            route,
            identity,
            csrf_token(request.scope),
            versions,
        )
    except PageDataForbidden as exc:
        if not identity.authenticated:
            target = f"/{quote(slug)}/login?next={quote(request.url.path)}"
            return RedirectResponse(target, status_code=303)
        return access_denied(request, slug, identity, exc.required_level)
    except PageDataError as exc:
        if exc.status >= 500:
            log.warning("page data of %s/%s: %s", slug, component.id, exc)
        return system_page(request, slug, exc.status, "Page unavailable", [str(exc)])
    headers = {CACHE_HEADER: rendered.cache}
    if request.headers.get(FRAGMENT_HEADER) == "main":
        return HTMLResponse(main_fragment(rendered.html, rendered.css), headers=headers)
    title = route.title or str(component.definition.get("name") or package.name)
    doc = Document(
        title=title,
        tenant_slug=slug,
        csrf_token=csrf_token(request.scope),
        body=rendered.html,
        css=rendered.css,
        head_css=svc.themes.css_for(package),
    )
    return HTMLResponse(render_document(doc), headers=headers)


def access_denied(request: Request, slug: str, identity: Identity, required: int) -> Response:
    lines = [
        "Your permission level is insufficient to access this page.",
        f"Your level: {level_name(identity.level)} ({identity.level})",
        f"Required level: {level_name(required)} ({required})",
    ]
    return system_page(request, slug, 403, "Access denied", lines)


def system_page(
    request: Request, slug: str, status: int, title: str, lines: list[str]
) -> HTMLResponse:
    home = "/" if slug == DEFAULT_TENANT else f"/{quote(slug)}"
    body = message_page(title, lines, link=(home, "Return home"))
    if request.headers.get(FRAGMENT_HEADER) == "main":
        return HTMLResponse(body, status_code=status)
    doc = Document(title=title, tenant_slug=slug, csrf_token=csrf_token(request.scope), body=body)
    return HTMLResponse(render_document(doc), status_code=status)
