"""API tokens for machine clients: per user, scoped to one tenant, stored as a SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, select, update

from dbal import tables
from dbal.accounts.tables import api_tokens
from dbal.engine import read_tx, write_tx
from dbal.types import Row

tok = api_tokens
u = tables.users
PUBLIC_COLUMNS = (
    "id",
    "user_id",
    "tenant_id",
    "name",
    "max_level",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
)


class ApiTokens:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._columns = [tok.c[c] for c in PUBLIC_COLUMNS]

    def create(self, row: Row) -> None:
        with write_tx(self._engine, "create api token") as conn:
            conn.execute(tok.insert().values(**row))

    def find(self, token_hash: str) -> Row | None:
        stmt = (
            select(*self._columns, u.c.username, u.c.is_active)
            .join(u, u.c.id == tok.c.user_id)
            .where(tok.c.token_hash == token_hash)
        )
        with read_tx(self._engine, "find api token") as conn:
            found = conn.execute(stmt).mappings().first()
        return dict(found) if found else None

    def list_for_user(self, user_id: str) -> list[Row]:
        stmt = select(*self._columns).where(tok.c.user_id == user_id).order_by(tok.c.created_at)
        with read_tx(self._engine, "list api tokens") as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def revoke(self, token_id: str, user_id: str, now: datetime) -> bool:
        stmt = (
            update(tok)
            .where(and_(tok.c.id == token_id, tok.c.user_id == user_id, tok.c.revoked_at.is_(None)))
            .values(revoked_at=now)
        )
        with write_tx(self._engine, "revoke api token") as conn:
            return bool(conn.execute(stmt).rowcount)

    def touch(self, token_id: str, now: datetime) -> None:
        with write_tx(self._engine, "touch api token") as conn:
            conn.execute(update(tok).where(tok.c.id == token_id).values(last_used_at=now))
