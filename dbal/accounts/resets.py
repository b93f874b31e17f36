"""Password-reset tokens: single use, expiring, stored as a SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, delete, select, update

from dbal.accounts.tables import password_resets
from dbal.engine import write_tx
from dbal.types import Row

pr = password_resets


class PasswordResets:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, row: Row) -> None:
        with write_tx(self._engine, "create reset") as conn:
            conn.execute(pr.insert().values(**row))

    def consume(self, token_hash: str, now: datetime) -> Row | None:
        """Mark the token used and return it, or None when unknown, used or expired."""
        with write_tx(self._engine, "consume reset") as conn:
            found = conn.execute(select(pr).where(pr.c.token_hash == token_hash)).mappings().first()
            if found is None or found["used_at"] is not None or found["expires_at"] <= now:
                return None
            done = conn.execute(
                update(pr)
                .where(and_(pr.c.token_hash == token_hash, pr.c.used_at.is_(None)))
                .values(used_at=now)
            ).rowcount
        return dict(found) if done else None

    def purge(self, now: datetime) -> int:
        """Delete used and expired tokens."""
        dead = pr.c.used_at.is_not(None) | (pr.c.expires_at <= now)
        with write_tx(self._engine, "purge resets") as conn:
            return int(conn.execute(delete(pr).where(dead)).rowcount)
