"""Which packages a tenant has installed (primary key tenant + package), with their config.

Writes need admin in the tenant, or god+/system. Listing takes a tenant id: the router, the
schedule reconciler and the worker read it for every tenant.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, select

from dbal import audit, tables
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.errors import ValidationError
from dbal.ids import utcnow
from dbal.scope import ADMIN, Scope
from dbal.types import Row

ip = tables.installed_packages
PACKAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class InstalledPackages:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upsert(
        self,
        scope: Scope,
        tenant_id: str,
        package_id: str,
        version: str,
        enabled: bool = True,
        config: dict[str, Any] | None = None,
    ) -> Row:
        scope.require_tenant(tenant_id, ADMIN, "installing packages")
        if not isinstance(package_id, str) or not PACKAGE_ID.match(package_id):
            raise ValidationError.for_field("package_id", "letters, digits, '_', '.', '-'")
        if not isinstance(version, str) or not version or len(version) > 64:
            raise ValidationError.for_field("version", "a non-empty version string")
        if not isinstance(enabled, bool):
            raise ValidationError.for_field("enabled", "must be a boolean")
        if config is not None and not isinstance(config, dict):
            raise ValidationError.for_field("config", "must be an object")
        now = utcnow()
        values = {"version": version, "enabled": enabled, "config": dict(config or {})}
        stmt = upsert_insert(self._engine, ip).values(
            tenant_id=tenant_id, package_id=package_id, installed_at=now, updated_at=now, **values
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[ip.c.tenant_id, ip.c.package_id],
            set_={**{k: stmt.excluded[k] for k in values}, "updated_at": now},
        )
        where = (ip.c.tenant_id == tenant_id) & (ip.c.package_id == package_id)
        with write_tx(self._engine, "install package") as conn:
            conn.execute(stmt)
            saved = conn.execute(select(ip).where(where)).mappings().one()
            audit.record(conn, scope, "installed_package", "upsert", entity_id=package_id,
                         fields=values, tenant_id=tenant_id)  # fmt: skip
        return dict(saved)

    def list(self, tenant_id: str, enabled_only: bool = True) -> list[Row]:
        query = select(ip).where(ip.c.tenant_id == tenant_id).order_by(ip.c.package_id)
        if enabled_only:
            query = query.where(ip.c.enabled.is_(True))
        with read_tx(self._engine, "list packages") as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def get(self, tenant_id: str, package_id: str) -> Row | None:
        where = (ip.c.tenant_id == tenant_id) & (ip.c.package_id == package_id)
        with read_tx(self._engine, "read package") as conn:
            found = conn.execute(select(ip).where(where)).mappings().first()
        return dict(found) if found else None

    def remove(self, scope: Scope, tenant_id: str, package_id: str) -> bool:
        scope.require_tenant(tenant_id, ADMIN, "removing packages")
        where = (ip.c.tenant_id == tenant_id) & (ip.c.package_id == package_id)
        with write_tx(self._engine, "remove package") as conn:
            removed = bool(conn.execute(ip.delete().where(where)).rowcount)
            if removed:
                audit.record(conn, scope, "installed_package", "delete", entity_id=package_id,
                             tenant_id=tenant_id)  # fmt: skip
        return removed
