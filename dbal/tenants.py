"""Tenants: create and look up by slug. Creating needs the system scope or god+."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, bindparam, select

from dbal import audit, tables
from dbal.engine import read_tx, write_tx
from dbal.errors import ValidationError
from dbal.ids import new_id, utcnow
from dbal.scope import GOD, Scope
from dbal.types import Row

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
COLUMNS = ("id", "slug", "name", "settings", "created_at")


class Tenants:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        t = tables.tenants
        self._by_slug = select(*(t.c[c] for c in COLUMNS)).where(t.c.slug == bindparam("slug"))
        self._by_id = select(*(t.c[c] for c in COLUMNS)).where(t.c.id == bindparam("id"))

    def create(
        self, scope: Scope, slug: str, name: str, settings: dict[str, Any] | None = None
    ) -> Row:
        scope.require_level(GOD, "creating a tenant")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise ValidationError.for_field(
                "slug", "lower-case letters, digits and '-', 1..64 characters"
            )
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ValidationError.for_field("name", "a non-empty name of at most 200 characters")
        row: Row = {
            "id": new_id(),
            "slug": slug,
            "name": name,
            "settings": dict(settings or {}),
            "created_at": utcnow(),
        }
        with write_tx(self._engine, "create tenant") as conn:
            conn.execute(tables.tenants.insert().values(**row))
            audit.record(conn, scope, "tenant", "create", entity_id=row["id"],
                         fields=("slug", "name", "settings"), tenant_id=row["id"])  # fmt: skip
        return row

    def get_by_slug(self, slug: str) -> Row | None:
        with read_tx(self._engine) as conn:
            found = conn.execute(self._by_slug, {"slug": slug}).mappings().first()
        return dict(found) if found else None

    def get(self, tenant_id: str) -> Row | None:
        with read_tx(self._engine) as conn:
            found = conn.execute(self._by_id, {"id": tenant_id}).mappings().first()
        return dict(found) if found else None
