"""Engine construction for the two backends, and translation of driver errors.

SQLite runs in WAL mode with foreign keys on, a busy timeout and `synchronous=NORMAL`; the
pysqlite driver's own transaction handling is switched off and the dialect's `do_begin`
emits the BEGIN itself: `BEGIN` by default (so `engine.begin()` is a real transaction),
`BEGIN IMMEDIATE` inside `write_tx` (which avoids the lock-upgrade deadlock two concurrent
read-then-write transactions hit in WAL mode), and nothing for `autocommit_read`, a single
statement that needs no transaction. The mode travels in the pooled connection's `info`
(a `begin` event listener would cost more than the query). PostgreSQL uses
psycopg 3 (its C implementation when installed). The URL stays inside the engine; error
messages built here never include it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from dbal import jsoncodec
from dbal.errors import ConflictError, DataError, UnavailableError, ValidationError

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",
)

BEGIN_KEY = "dbal_begin"  # in the pooled connection's info: the statement do_begin emits


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, in_memory=parsed.database in (None, "", ":memory:"))
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return create_engine(
            url,
            pool_size=10,
            max_overflow=10,
            pool_pre_ping=False,
            pool_recycle=1800,
            json_serializer=jsoncodec.dumps,
            json_deserializer=jsoncodec.loads,
            connect_args={"connect_timeout": 10},
        )
    raise ValidationError.for_field("url", f"unsupported database backend {backend!r}")


def _sqlite_engine(url: str, *, in_memory: bool) -> Engine:
    kwargs: dict[str, Any] = {
        "json_serializer": jsoncodec.dumps,
        "json_deserializer": jsoncodec.loads,
        "connect_args": {"check_same_thread": False, "timeout": 10},
    }
    if in_memory:
        kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_size"] = 8
        kwargs["max_overflow"] = 8
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    def _do_begin(dbapi_connection: Any) -> None:
        statement = dbapi_connection.info.get(BEGIN_KEY, "BEGIN")
        if statement:
            dbapi_connection.execute(statement)

    engine.dialect.do_begin = _do_begin  # type: ignore[method-assign]
    return engine


def is_unique_violation(error: sa_exc.IntegrityError) -> bool:
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(orig) or "PRIMARY KEY" in str(orig)


def translate(error: sa_exc.SQLAlchemyError, what: str = "operation") -> DataError:
    """A driver error as a DataError whose message carries no SQL, values or URL."""
    if isinstance(error, sa_exc.IntegrityError):
        if is_unique_violation(error):
            return ConflictError(f"{what}: a row with the same unique value already exists")
        return ValidationError(f"{what}: a constraint was violated ({_constraint_kind(error)})")
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return UnavailableError(f"database unavailable: {first_line(error.orig)}")
    if isinstance(error, sa_exc.DataError):
        return ValidationError(f"{what}: a value does not fit its column")
    return DataError(f"{what} failed")


def _constraint_kind(error: sa_exc.IntegrityError) -> str:
    text = str(error.orig).lower()
    for kind in ("foreign key", "not null", "check"):
        if kind in text or kind.replace(" ", "_") in text:
            return kind
    return "integrity"


def first_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0][:200] if text else type(value).__name__


@contextmanager
def translated(what: str) -> Iterator[None]:
    try:
        yield
    except sa_exc.SQLAlchemyError as error:
        raise translate(error, what) from error


@contextmanager
def begin_mode(conn: Connection, statement: str | None) -> Iterator[Connection]:
    """Run `conn`'s next transaction with `statement` as its BEGIN (SQLite; a no-op else)."""
    if conn.dialect.name != "sqlite":
        yield conn
        return
    info = conn.connection.info
    info[BEGIN_KEY] = statement
    try:
        yield conn
    finally:
        info.pop(BEGIN_KEY, None)


@contextmanager
def write_tx(engine: Engine, what: str = "write") -> Iterator[Connection]:
    """A write transaction (BEGIN IMMEDIATE on SQLite); driver errors become DataErrors."""
    with (
        translated(what),
        engine.connect() as conn,
        begin_mode(conn, "BEGIN IMMEDIATE"),
        conn.begin(),
    ):
        yield conn


@contextmanager
def read_tx(engine: Engine, what: str = "read") -> Iterator[Connection]:
    with translated(what), engine.connect() as conn, conn.begin():
        yield conn


def upsert_insert(engine: Engine, table: Any) -> Any:
    """The dialect's INSERT supporting ON CONFLICT (both backends support it)."""
    if engine.dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)
