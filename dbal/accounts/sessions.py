"""Browser sessions: rows keyed by the SHA-256 of their token, with expiry bookkeeping.

The expiry rules (idle and absolute) belong to `engine.accounts.sessions`; this module stores
and finds rows, and answers the lookups a request needs in one query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, and_, delete, select, update

from dbal import tables
from dbal.accounts.tables import session_rotations
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.types import Row

s = tables.sessions
u = tables.users
rot = session_rotations
LIST_COLUMNS = ("id", "tenant_id", "created_at", "expires_at", "last_seen_at", "ip_address")


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lookup = (
            select(
                s.c.id,
                s.c.user_id,
                s.c.tenant_id,
                s.c.created_at,
                s.c.expires_at,
                s.c.last_seen_at,
                u.c.username,
                u.c.is_active,
                rot.c.requested_at.label("rotation_requested_at"),
            )
            .join(u, u.c.id == s.c.user_id)
            .outerjoin(rot, rot.c.session_id == s.c.id)
        )

    def create(self, row: Row) -> None:
        with write_tx(self._engine, "create session") as conn:
            conn.execute(s.insert().values(**row))

    def find(self, token_hash: str) -> Row | None:
        with read_tx(self._engine, "find session") as conn:
            found = conn.execute(self._lookup.where(s.c.token_hash == token_hash)).mappings()
            row = found.first()
        return dict(row) if row else None

    def touch(self, session_id: str, now: datetime) -> None:
        with write_tx(self._engine, "touch session") as conn:
            conn.execute(update(s).where(s.c.id == session_id).values(last_seen_at=now))

    def rotate(self, session_id: str, old_hash: str, new_hash: str, now: datetime) -> bool:
        """Swap the token; False when another request already rotated it."""
        with write_tx(self._engine, "rotate session") as conn:
            done = conn.execute(
                update(s)
                .where(and_(s.c.id == session_id, s.c.token_hash == old_hash))
                .values(token_hash=new_hash, last_seen_at=now)
            ).rowcount
            conn.execute(delete(rot).where(rot.c.session_id == session_id))
        return bool(done)

    def delete(self, session_id: str, user_id: str | None = None) -> bool:
        stmt = delete(s).where(s.c.id == session_id)
        if user_id is not None:
            stmt = stmt.where(s.c.user_id == user_id)
        with write_tx(self._engine, "delete session") as conn:
            return bool(conn.execute(stmt).rowcount)

    def delete_for_user(self, user_id: str, *, keep: str | None = None) -> int:
        stmt = delete(s).where(s.c.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(s.c.id != keep)
        with write_tx(self._engine, "delete sessions") as conn:
            return int(conn.execute(stmt).rowcount)

    def list_for_user(self, user_id: str) -> list[Row]:
        stmt = (
            select(*(s.c[c] for c in LIST_COLUMNS), s.c.user_agent)
            .where(s.c.user_id == user_id)
            .order_by(s.c.created_at.desc())
        )
        with read_tx(self._engine, "list sessions") as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def request_rotation(self, user_id: str, now: datetime) -> int:
        """Mark every session of the user for a new token on its next request."""
        with write_tx(self._engine, "request rotation") as conn:
            ids = list(conn.execute(select(s.c.id).where(s.c.user_id == user_id)).scalars())
            for session_id in ids:
                stmt = upsert_insert(self._engine, rot).values(
                    session_id=session_id, requested_at=now
                )
                conn.execute(stmt.on_conflict_do_nothing(index_elements=[rot.c.session_id]))
        return len(ids)

    def purge_expired(
        self, now: datetime, *, idle_before: datetime | None = None, user_id: str | None = None
    ) -> int:
        """Delete sessions past their absolute expiry (or idle since `idle_before`)."""
        dead = s.c.expires_at <= now
        if idle_before is not None:
            dead = dead | (s.c.last_seen_at <= idle_before)
        stmt = delete(s).where(dead)
        if user_id is not None:
            stmt = stmt.where(s.c.user_id == user_id)
        with write_tx(self._engine, "purge sessions") as conn:
            return int(conn.execute(stmt).rowcount)
