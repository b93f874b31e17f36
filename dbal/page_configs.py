"""Routes stored as data: one page config per (tenant, path).

Writes need admin (level 3) in the page's tenant, or god+/system for any tenant. Reading the
published routes of a tenant is what the router does for every visitor, so it takes a tenant
id rather than a scope; `level` and `requires_auth` on each row are enforced by the web layer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, bindparam, select

from dbal import audit, tables
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.errors import ValidationError
from dbal.ids import new_id, utcnow
from dbal.scope import ADMIN, Scope
from dbal.types import Row

pc = tables.page_configs
FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    # name: (accepted types, required)
    "path": (str, True),
    "package_id": ((str, type(None)), False),
    "component": ((str, type(None)), False),
    "title": (str, False),
    "description": ((str, type(None)), False),
    "icon": ((str, type(None)), False),
    "level": (int, False),
    "requires_auth": (bool, False),
    "required_role": ((str, type(None)), False),
    "parent_path": ((str, type(None)), False),
    "sort_order": (int, False),
    "is_published": (bool, False),
    "component_tree": ((dict, type(None)), False),
    "params": ((dict, list, type(None)), False),
    "meta": ((dict, type(None)), False),
}
DEFAULTS: Row = {
    "title": "",
    "level": 0,
    "requires_auth": False,
    "sort_order": 0,
    "is_published": True,
}
_PUBLISHED = (
    select(pc)
    .where(pc.c.tenant_id == bindparam("tenant_id"), pc.c.is_published.is_(True))
    .order_by(pc.c.sort_order, pc.c.path)
)


class PageConfigs:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def upsert(self, scope: Scope, tenant_id: str, page: dict[str, Any]) -> Row:
        scope.require_tenant(tenant_id, ADMIN, "writing page configs")
        values = _validate(page)
        now = utcnow()
        row = {**DEFAULTS, **values, "tenant_id": tenant_id, "updated_at": now}
        stmt = upsert_insert(self._engine, pc).values(id=new_id(), created_at=now, **row)
        changed = {k: stmt.excluded[k] for k in row if k not in ("tenant_id",)}
        stmt = stmt.on_conflict_do_update(index_elements=[pc.c.tenant_id, pc.c.path], set_=changed)
        with write_tx(self._engine, "upsert page config") as conn:
            conn.execute(stmt)
            saved = (
                conn.execute(
                    select(pc).where(pc.c.tenant_id == tenant_id, pc.c.path == values["path"])
                )
                .mappings()
                .one()
            )
            audit.record(conn, scope, "page_config", "upsert", entity_id=saved["id"],
                         fields=values, tenant_id=tenant_id)  # fmt: skip
        return dict(saved)

    def list_published(self, tenant_id: str) -> list[Row]:
        with read_tx(self._engine, "list page configs") as conn:
            rows = conn.execute(_PUBLISHED, {"tenant_id": tenant_id}).mappings().all()
        return [dict(r) for r in rows]

    def delete(self, scope: Scope, tenant_id: str, path: str) -> bool:
        scope.require_tenant(tenant_id, ADMIN, "deleting page configs")
        with write_tx(self._engine, "delete page config") as conn:
            gone = conn.execute(pc.delete().where(pc.c.tenant_id == tenant_id, pc.c.path == path))
            if gone.rowcount:
                audit.record(conn, scope, "page_config", "delete", entity_id=path,
                             tenant_id=tenant_id)  # fmt: skip
        return bool(gone.rowcount)


def _validate(page: dict[str, Any]) -> Row:
    if not isinstance(page, dict):
        raise ValidationError.for_field("page", "must be an object")
    errors = []
    for key in page:
        if key not in FIELDS and key not in ("id", "tenant_id"):
            errors.append({"field": key, "error": "unknown field"})
    values: Row = {}
    for name, (kinds, required) in FIELDS.items():
        if name not in page:
            if required:
                errors.append({"field": name, "error": "is required"})
            continue
        value = page[name]
        bad_bool = isinstance(value, bool) and kinds is int
        if bad_bool or not isinstance(value, kinds):
            errors.append({"field": name, "error": "has the wrong type"})
        values[name] = value
    path = values.get("path")
    if isinstance(path, str) and (not path.startswith("/") or len(path) > 512):
        errors.append({"field": "path", "error": "must start with '/' (max 512 characters)"})
    level = values.get("level", 0)
    if isinstance(level, int) and not 0 <= level <= 5:
        errors.append({"field": "level", "error": "must be 0..5"})
    if errors:
        raise ValidationError("invalid page config", fields=errors)  # type: ignore[arg-type]
    return values
