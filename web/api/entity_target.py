"""What an entity URL addresses: the tenant, an installed package, its entity and the caller's
scope, plus the change events sent after a write.

`/api/v1/{tenant}/{package}/{entity}` resolves to a `Target` in one synchronous step (run in
the thread pool with the data work, so a request costs one hop). The tenant slug and the
tenant's enabled packages are kept for `web.tenancy.DIRECTORY_TTL_S` seconds per database: a package
disabled or uninstalled stops answering within that time. The scope is the caller's level
*in the addressed tenant* (the auth middleware computes it; a god acts across tenants, a
member of another tenant is level 0 here), so the DBAL's tenant filter, `x-acl` levels and
owner rules apply to every call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from dbal.database import Database
from dbal.entities import Entities
from dbal.entity_model import EntityModel
from dbal.errors import NotFoundError
from dbal.query import BoundEntity
from dbal.relations import Relation, reverse_relations
from dbal.scope import Scope
from engine.events import EntityChange, EntityOp
from web.identity import Identity
from web.services import services
from web.tenancy import directory

log = logging.getLogger("metabuilder.web.entities")

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class Tenancy:
    """A tenant as addressed by a caller."""

    db: Database
    tenant: dict[str, Any]
    scope: Scope

    @property
    def slug(self) -> str:
        return str(self.tenant["slug"])

    def package_ids(self) -> frozenset[str]:
        return directory(self.db).packages(str(self.tenant["id"]))

    def version_of(self, package_id: str) -> str | None:
        """The version of `package_id` the tenant installed (None: not installed)."""
        return directory(self.db).installed(str(self.tenant["id"])).versions.get(package_id)


def tenancy(db: Database, slug: str, identity: Identity) -> Tenancy:
    tenant = directory(db).tenant(slug)
    if tenant is None:
        raise NotFoundError(f"no tenant {slug[:100]!r}")
    scope = Scope.for_user(str(tenant["id"]), identity.user_id, identity.level)
    return Tenancy(db, tenant, scope)


@dataclass(frozen=True)
class Target:
    """An entity of an installed package, addressed by a caller in a tenant."""

    where: Tenancy
    package: str
    bound: BoundEntity

    @property
    def model(self) -> EntityModel:
        return self.bound.model

    @property
    def name(self) -> str:
        return self.bound.model.name

    @property
    def scope(self) -> Scope:
        return self.where.scope

    def entities(self) -> Entities:
        return self.where.db.entities(self.scope, package=self.package)

    def reverse_relations(self) -> dict[str, Relation]:
        """The entity's reverse relations among the packages installed in the tenant."""
        return reverse_relations(self.where.db.schema, self.model, self.where.package_ids())

    def relation_names(self, params: Mapping[str, Any]) -> frozenset[str]:
        """The reverse relation names `include` may take (none looked up without include)."""
        return frozenset(self.reverse_relations()) if "include" in params else frozenset()

    def url(self, id: str | None = None) -> str:
        base = f"/api/v1/{self.where.slug}/{self.package}/{self.name}"
        return base if id is None else f"{base}/{id}"


def resolve(db: Database, identity: Identity, params: dict[str, Any]) -> Target:
    """The target of a request's path parameters; NotFoundError for anything not there."""
    where = tenancy(db, str(params["tenant"]), identity)
    package, entity = str(params["package"]), str(params["entity"])
    if not PACKAGE.match(package) or package not in where.package_ids():
        raise NotFoundError(f"package {package[:100]!r} is not installed for this tenant")
    if not NAME.match(entity):
        raise NotFoundError(f"unknown entity {entity[:100]!r}")
    return Target(where, package, db.schema.get(entity, package))


def declared_actions(model: EntityModel) -> dict[str, str]:
    """The entity's `x-actions`: action name -> the package script that runs it."""
    out: dict[str, str] = {}
    raw = model.schema.get("x-actions", [])
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, str):
            out[entry] = entry
        elif isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            script = entry.get("script", entry["name"])
            out[entry["name"]] = str(script)
    return out


async def notify(request: Request, target: Target, op: EntityOp, records: Iterable[Any]) -> None:
    """Tell the entity listeners about committed writes; a failing listener is logged only."""
    listeners = services(request).entity_listeners
    if not listeners:
        return
    scope = target.scope
    for record in records:
        change = EntityChange(
            tenant_id=str(target.where.tenant["id"]),
            tenant_slug=target.where.slug,
            package_id=target.package,
            entity=target.name,
            op=op,
            record=dict(record),
            user_id=scope.user_id,
            user_level=scope.level,
        )
        for listener in listeners:
            try:
                await listener(change)
            except Exception:
                log.exception("entity listener failed for %s %s", op, target.bound.name)
