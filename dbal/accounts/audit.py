"""Audit entries of the auth subsystem, written to the core `audit_log` table.

Operations: login, login_failed, logout, register, password_change, password_reset,
level_change, token_create, token_revoke. `details` holds the context (ip, levels...).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from dbal import tables
from dbal.engine import read_tx, write_tx
from dbal.ids import utcnow
from dbal.types import Row

log = tables.audit_log
ENTITY = "auth"


class AuthAudit:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        operation: str,
        *,
        tenant_id: str | None,
        user_id: str | None,
        level: int | None = None,
        subject: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        with write_tx(self._engine, "audit") as conn:
            conn.execute(
                log.insert().values(
                    at=utcnow(),
                    tenant_id=tenant_id,
                    user_id=user_id,
                    level=level,
                    entity=ENTITY,
                    entity_id=subject[:200] if subject else None,
                    operation=operation,
                    changed_fields=details,
                    count=1,
                )
            )

    def recent(self, limit: int = 100, *, tenant_id: str | None = None) -> list[Row]:
        stmt = select(log).where(log.c.entity == ENTITY).order_by(log.c.id.desc()).limit(limit)
        if tenant_id is not None:
            stmt = stmt.where(log.c.tenant_id == tenant_id)
        with read_tx(self._engine, "read audit") as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]
