"""Which entity view a URL addresses, who asks, and the plain answers (404, 403, login).

    /{tenant}/{package}/{entity}              list
    /{tenant}/{package}/{entity}/new          create form
    /{tenant}/{package}/{entity}/{id}         detail
    /{tenant}/{package}/{entity}/{id}/edit    edit form

The package must be installed and enabled in the tenant; the entity must be one of its
entities. Anything else is not a view (the page router then answers 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dbal.entity_model import EntityModel, Operation
from dbal.errors import ForbiddenError, NotFoundError, ValidationError
from dbal.query import access
from dbal.scope import Scope
from web.html import FRAGMENT_HEADER, Document, message_page, render_document
from web.identity import Identity, current_identity, level_name
from web.middleware.csrf import csrf_token
from web.services import WebServices
from web.tenancy import DEFAULT_TENANT, directory

ACTIONS = ("list", "new", "detail", "edit")


@dataclass(frozen=True)
class Target:
    tenant: dict[str, Any]
    model: EntityModel
    action: str
    record_id: str | None = None
    versions: Mapping[str, str] = field(default_factory=dict)
    """The tenant's enabled packages and the version of each it installed."""

    @property
    def version(self) -> str | None:
        return self.versions.get(self.package_id)

    @property
    def slug(self) -> str:
        return str(self.tenant["slug"])

    @property
    def package_id(self) -> str:
        return self.model.package_id

    @property
    def base(self) -> str:
        """The list URL; every other view URL starts with it."""
        return f"/{quote(self.slug)}/{quote(self.package_id)}/{quote(self.model.name)}"

    def record_url(self, record_id: str, suffix: str = "") -> str:
        return f"{self.base}/{quote(record_id, safe='')}{suffix}"


def parse_path(path: str) -> tuple[str, str, str, str | None] | None:
    """`/pkg/entity[/new|/id[/edit]]` -> (package, entity, action, id)."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or len(parts) > 4 or not all(parts):
        return None
    package, entity = parts[0], parts[1]
    if len(parts) == 2:
        return package, entity, "list", None
    if len(parts) == 3:
        return (package, entity, "new", None) if parts[2] == "new" else (
            package, entity, "detail", parts[2])  # fmt: skip
    if parts[3] == "edit":
        return package, entity, "edit", parts[2]
    return None


def find_target(svc: WebServices, tenant: dict[str, Any], path: str) -> Target | None:
    parsed = parse_path(path)
    if parsed is None:
        return None
    package_id, entity, action, record_id = parsed
    versions = directory(svc.db).installed(str(tenant["id"])).versions
    if package_id not in versions:
        return None
    try:
        bound = svc.db.schema.get(entity, package_id)
    except (NotFoundError, ValidationError):
        return None
    if bound.model.package_id != package_id or bound.model.name != entity:
        return None
    model = in_author_order(svc, bound.model, versions.get(package_id))
    return Target(tenant, model, action, record_id, versions)


def in_author_order(svc: WebServices, model: EntityModel, version: str | None) -> EntityModel:
    """The model with its fields in the order the package's schema file lists them (the
    registry's copy may come back from a JSONB column, which sorts keys its own way)."""
    package = svc.catalog.pick(model.package_id, version)
    declared = next(
        (
            e
            for e in (package.entities if package is not None else [])
            if (e.get("x-entity") or e.get("title")) == model.name
        ),
        None,
    )
    properties = declared.get("properties") if declared is not None else None
    if not isinstance(properties, dict):
        return model
    rank = {name: i for i, name in enumerate(properties)}
    last = len(rank)

    def key(name: str) -> tuple[int, int]:
        if name == "id":
            return (0, 0)
        if name in ("created_at", "updated_at"):
            return (2, 0 if name == "created_at" else 1)
        return (1, rank.get(name, last))

    names = sorted(model.fields, key=key)
    return replace(
        model,
        fields={n: model.fields[n] for n in names},
        data_fields=tuple(n for n in names if n in model.data_fields),
        visible=tuple(n for n in names if n in model.visible),
    )


async def resolve(svc: WebServices, tenant: dict[str, Any], path: str) -> Target | None:
    return await run_in_threadpool(find_target, svc, tenant, path)


def scope_for(identity: Identity, tenant: dict[str, Any]) -> Scope:
    if identity.authenticated:
        return Scope.for_user(tenant["id"], identity.user_id, identity.level)
    return Scope.public(tenant["id"])


def refusal(request: Request, target: Target, op: Operation) -> Response | None:
    """None when the visitor may `op` some rows of the entity; else the login redirect (for
    anonymous visitors) or the access-denied page."""
    identity = current_identity(request)
    try:
        access(target.model, scope_for(identity, target.tenant), op)
    except ForbiddenError:
        return denied(request, target, target.model.acl[op].level)
    return None


def denied(request: Request, target: Target, required: int) -> Response:
    identity = current_identity(request)
    if not identity.authenticated:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/{quote(target.slug)}/login?next={quote(back)}"
        return RedirectResponse(login, status_code=303)
    lines = [
        "Your permission level is insufficient for this view.",
        f"Your level: {level_name(identity.level)} ({identity.level})",
        f"Required level: {level_name(min(required, 5))} ({required})",
    ]
    return system_page(request, target.slug, 403, "Access denied", lines)


def not_found(request: Request, slug: str, what: str) -> Response:
    return system_page(request, slug, 404, "Not found", [what])


def system_page(
    request: Request, slug: str, status: int, title: str, lines: list[str]
) -> HTMLResponse:
    home = "/" if slug == DEFAULT_TENANT else f"/{quote(slug)}"
    body = message_page(title, lines, link=(home, "Return home"))
    if request.headers.get(FRAGMENT_HEADER) == "main":
        return HTMLResponse(body, status_code=status)
    token = csrf_token(request.scope)
    page = Document(title=title, tenant_slug=slug, csrf_token=token, body=body)
    return HTMLResponse(render_document(page), status_code=status)


__all__ = [
    "ACTIONS",
    "Target",
    "denied",
    "find_target",
    "not_found",
    "parse_path",
    "refusal",
    "resolve",
    "scope_for",
    "system_page",
]
