"""Users and their password hashes (the `credentials` table, never returned by a read)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select, update

from dbal import tables
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.ids import new_id, utcnow
from dbal.types import Row

u = tables.users
cred = tables.credentials
PUBLIC_COLUMNS = ("id", "username", "email", "display_name", "is_active", "created_at")


class Users:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._select = select(*(u.c[c] for c in PUBLIC_COLUMNS))

    def create(
        self,
        username: str,
        *,
        password_hash: str,
        email: str | None = None,
        display_name: str | None = None,
        is_instance_owner: bool = False,
    ) -> Row:
        """A user and their credential in one transaction (ConflictError on a taken name)."""
        now = utcnow()
        row: Row = {
            "id": new_id(),
            "username": username,
            "email": email,
            "display_name": display_name,
            "profile": {},
            "is_active": True,
            "is_instance_owner": is_instance_owner,
            "created_at": now,
            "updated_at": now,
        }
        with write_tx(self._engine, "create user") as conn:
            conn.execute(u.insert().values(**row))
            conn.execute(
                cred.insert().values(user_id=row["id"], password_hash=password_hash, changed_at=now)
            )
        return {c: row[c] for c in PUBLIC_COLUMNS}

    def get(self, user_id: str) -> Row | None:
        with read_tx(self._engine, "get user") as conn:
            found = conn.execute(self._select.where(u.c.id == user_id)).mappings().first()
        return dict(found) if found else None

    def get_by_username(self, username: str) -> Row | None:
        """Usernames are matched case-insensitively (stored as given)."""
        stmt = self._select.where(func.lower(u.c.username) == username.lower())
        with read_tx(self._engine, "get user") as conn:
            found = conn.execute(stmt).mappings().first()
        return dict(found) if found else None

    def get_by_email(self, email: str) -> Row | None:
        stmt = self._select.where(func.lower(u.c.email) == email.lower())
        with read_tx(self._engine, "get user") as conn:
            found = conn.execute(stmt).mappings().first()
        return dict(found) if found else None

    def password_hash(self, user_id: str) -> str | None:
        with read_tx(self._engine, "read credential") as conn:
            found = conn.execute(
                select(cred.c.password_hash).where(cred.c.user_id == user_id)
            ).scalar()
        return str(found) if found is not None else None

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        now = utcnow()
        stmt = upsert_insert(self._engine, cred).values(
            user_id=user_id, password_hash=password_hash, changed_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[cred.c.user_id],
            set_={"password_hash": password_hash, "changed_at": now},
        )
        with write_tx(self._engine, "set credential") as conn:
            conn.execute(stmt)

    def replace_password_hash(self, user_id: str, old_hash: str, new_hash: str) -> bool:
        """Compare-and-set, so two concurrent upgrades of a legacy hash cannot clobber a change."""
        stmt = (
            update(cred)
            .where(cred.c.user_id == user_id, cred.c.password_hash == old_hash)
            .values(password_hash=new_hash, changed_at=utcnow())
        )
        with write_tx(self._engine, "upgrade credential") as conn:
            return bool(conn.execute(stmt).rowcount)

    def set_active(self, user_id: str, active: bool) -> None:
        with write_tx(self._engine, "update user") as conn:
            conn.execute(
                update(u).where(u.c.id == user_id).values(is_active=active, updated_at=utcnow())
            )

    def count(self) -> int:
        with read_tx(self._engine, "count users") as conn:
            return int(conn.execute(select(func.count()).select_from(u)).scalar_one())


def public(row: dict[str, Any]) -> Row:
    return {c: row[c] for c in PUBLIC_COLUMNS if c in row}
