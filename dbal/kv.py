"""A tenant-namespaced key/value store of JSON values with optional expiry.

Keys live in the namespace of the scope's tenant (the system scope without a tenant has its
own namespace). Expired entries read as missing and are removed lazily. `incr` is atomic on
both backends: the row is locked (`SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE`
on SQLite) between reading and writing the counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, or_, select, update

from dbal import tables
from dbal.engine import read_tx, translated, upsert_insert, write_tx
from dbal.errors import ValidationError
from dbal.ids import utcnow
from dbal.scope import Scope

MAX_KEY = 512
kv = tables.kv
_KEY = and_(kv.c.tenant_id == bindparam("k_ns"), kv.c.key == bindparam("k_key"))
_GET = select(kv.c.value, kv.c.expires_at).where(_KEY)
_DELETE = delete(kv).where(_KEY)


class KeyValue:
    def __init__(self, engine: Engine, scope: Scope, *, conn: Connection | None = None) -> None:
        """With `conn`, writes join that open transaction (see dbal.effects)."""
        self._engine = engine
        self._ns = scope.namespace
        self._conn = conn

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        if self._conn is None:
            with write_tx(self._engine, what) as conn:
                yield conn
        else:
            with translated(what):
                yield self._conn

    def get(self, key: str, default: Any = None) -> Any:
        _check_key(key)
        with read_tx(self._engine, "kv get") as conn:
            found = conn.execute(_GET, {"k_ns": self._ns, "k_key": key}).first()
        if found is None:
            return default
        value, expires_at = found
        if expires_at is not None and expires_at <= utcnow():
            self._expire(key)
            return default
        return value

    def set(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        _check_key(key)
        if ttl_s is not None and (not isinstance(ttl_s, int | float) or ttl_s <= 0):
            raise ValidationError.for_field("ttl_s", "must be a positive number of seconds")
        now = utcnow()
        expires_at = now + timedelta(seconds=ttl_s) if ttl_s is not None else None
        values = {"tenant_id": self._ns, "key": key, "value": value, "expires_at": expires_at}
        stmt = upsert_insert(self._engine, kv).values(**values, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=[kv.c.tenant_id, kv.c.key],
            set_={"value": stmt.excluded.value, "expires_at": expires_at, "updated_at": now},
        )
        with self._write("kv set") as conn:
            conn.execute(stmt)

    def delete(self, key: str) -> bool:
        """Remove `key`; True when a live (unexpired) value was removed."""
        _check_key(key)
        now = utcnow()
        live = or_(kv.c.expires_at.is_(None), kv.c.expires_at > now)
        with self._write("kv delete") as conn:
            removed = conn.execute(_DELETE.where(live), {"k_ns": self._ns, "k_key": key}).rowcount
            conn.execute(_DELETE, {"k_ns": self._ns, "k_key": key})
        return bool(removed)

    def incr(self, key: str, by: int = 1) -> int:
        _check_key(key)
        if isinstance(by, bool) or not isinstance(by, int):
            raise ValidationError.for_field("by", "must be an integer")
        now = utcnow()
        params = {"k_ns": self._ns, "k_key": key}
        seed = upsert_insert(self._engine, kv).values(
            tenant_id=self._ns, key=key, value=0, expires_at=None, updated_at=now
        )
        seed = seed.on_conflict_do_nothing(index_elements=[kv.c.tenant_id, kv.c.key])
        locked = _GET.with_for_update()
        with self._write("kv incr") as conn:
            conn.execute(seed)
            value, expires_at = conn.execute(locked, params).one()
            if expires_at is not None and expires_at <= now:
                value, expires_at = 0, None
            if value is None:
                value = 0
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError.for_field(key, "the stored value is not an integer")
            value += by
            conn.execute(
                update(kv).where(_KEY).values(value=value, expires_at=expires_at, updated_at=now),
                params,
            )
        return int(value)

    def _expire(self, key: str) -> None:
        now = utcnow()
        with write_tx(self._engine, "kv expire") as conn:
            conn.execute(_DELETE.where(kv.c.expires_at <= now), {"k_ns": self._ns, "k_key": key})


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY:
        raise ValidationError.for_field(
            "key", f"a non-empty string of at most {MAX_KEY} characters"
        )
