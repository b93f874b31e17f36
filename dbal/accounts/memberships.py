"""Memberships: a user's role and level (0..5) in each tenant they belong to."""

from __future__ import annotations

from sqlalchemy import Engine, and_, delete, select

from dbal import tables
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.ids import utcnow
from dbal.types import Row

m = tables.memberships
t = tables.tenants


class Memberships:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._with_slug = select(m.c.user_id, m.c.tenant_id, m.c.role, m.c.level, t.c.slug).join(
            t, t.c.id == m.c.tenant_id
        )

    def get(self, user_id: str, tenant_id: str) -> Row | None:
        stmt = self._with_slug.where(and_(m.c.user_id == user_id, m.c.tenant_id == tenant_id))
        with read_tx(self._engine, "get membership") as conn:
            found = conn.execute(stmt).mappings().first()
        return dict(found) if found else None

    def list_for_user(self, user_id: str) -> list[Row]:
        stmt = self._with_slug.where(m.c.user_id == user_id).order_by(t.c.slug)
        with read_tx(self._engine, "list memberships") as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def put(self, user_id: str, tenant_id: str, role: str, level: int) -> None:
        stmt = upsert_insert(self._engine, m).values(
            user_id=user_id, tenant_id=tenant_id, role=role, level=level, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[m.c.user_id, m.c.tenant_id], set_={"role": role, "level": level}
        )
        with write_tx(self._engine, "set membership") as conn:
            conn.execute(stmt)

    def remove(self, user_id: str, tenant_id: str) -> bool:
        stmt = delete(m).where(and_(m.c.user_id == user_id, m.c.tenant_id == tenant_id))
        with write_tx(self._engine, "remove membership") as conn:
            return bool(conn.execute(stmt).rowcount)
