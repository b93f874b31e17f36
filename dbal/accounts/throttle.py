"""Login throttling state: failures and lock deadline per login key (engine.accounts.lockout)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select

from dbal.accounts.tables import login_throttle
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.types import Row

lt = login_throttle


class LoginThrottle:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, key: str) -> Row | None:
        with read_tx(self._engine, "read throttle") as conn:
            found = conn.execute(select(lt).where(lt.c.key == key)).mappings().first()
        return dict(found) if found else None

    def put(self, key: str, failures: int, at: datetime, locked_until: datetime | None) -> None:
        values = {"failures": failures, "last_failure_at": at, "locked_until": locked_until}
        stmt = upsert_insert(self._engine, lt).values(key=key, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[lt.c.key], set_=values)
        with write_tx(self._engine, "record login failure") as conn:
            conn.execute(stmt)

    def purge(self, last_failure_before: datetime, now: datetime) -> int:
        """Forget keys whose failures are old and that are not locked any more."""
        stale = (lt.c.last_failure_at < last_failure_before) & (
            lt.c.locked_until.is_(None) | (lt.c.locked_until <= now)
        )
        with write_tx(self._engine, "purge throttle") as conn:
            return int(conn.execute(delete(lt).where(stale)).rowcount)

    def clear(self, key: str) -> None:
        with write_tx(self._engine, "clear throttle") as conn:
            conn.execute(delete(lt).where(lt.c.key == key))
