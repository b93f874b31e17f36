"""Audit rows, written on the caller's connection so they commit or roll back with the change.

One row per single-row mutation (entity id, changed field names); one row per bulk operation
with every affected id in `entity_ids` and `count`. Entity operations, tenants, page configs
and installed packages are audited; kv writes are not (counters and caches would flood it).
Values are never recorded, only field names, so sensitive data does not leak into the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Engine, desc, select

from dbal import tables
from dbal.ids import utcnow
from dbal.scope import ADMIN, Scope
from dbal.types import Row

_INSERT = tables.audit_log.insert()


def record(
    conn: Connection,
    scope: Scope,
    entity: str,
    operation: str,
    *,
    entity_id: str | None = None,
    fields: Iterable[str] = (),
    ids: Sequence[str] | None = None,
    tenant_id: str | None = None,
) -> None:
    """One audit row; `tenant_id` names the affected tenant when it is not the scope's."""
    conn.execute(
        _INSERT,
        {
            "at": utcnow(),
            "tenant_id": tenant_id or scope.tenant_id,
            "user_id": "system" if scope.is_system else scope.user_id,
            "level": scope.level,
            "entity": entity,
            "entity_id": entity_id,
            "operation": operation,
            "changed_fields": sorted(set(fields)),
            "entity_ids": list(ids) if ids is not None else None,
            "count": len(ids) if ids is not None else 1,
        },
    )


def recent(
    engine: Engine, scope: Scope, *, entity: str | None = None, limit: int = 100
) -> list[Row]:
    """The newest audit rows of the scope's tenant (admin+), newest first."""
    scope.require_level(ADMIN, "reading the audit log")
    log = tables.audit_log
    query = select(log).order_by(desc(log.c.id)).limit(max(1, min(limit, 1000)))
    if not scope.is_system or scope.tenant_id is not None:
        query = query.where(log.c.tenant_id == scope.tenant_id)
    if entity is not None:
        query = query.where(log.c.entity == entity)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
