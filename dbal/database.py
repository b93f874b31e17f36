"""The data layer's front door: one `Database` per process owns the engine and the URL.

    db = Database.connect("sqlite:///var/app.db")            # or postgresql+psycopg://...
    db.upgrade()                                               # core schema, idempotent
    db.tenants.create(Scope.system(), "acme", "Acme")
    db.kv(scope).incr("visits")
    db.page_configs.list_published(tenant_id)
    db.installed_packages.list(tenant_id)

Every accessor that reaches tenant data takes a `Scope`; see `dbal.scope`.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from dbal import tables
from dbal.engine import first_line, make_engine, write_tx
from dbal.errors import UnavailableError
from dbal.installed_packages import InstalledPackages
from dbal.kv import KeyValue
from dbal.page_configs import PageConfigs
from dbal.scope import Scope
from dbal.tenants import Tenants


class Database:
    def __init__(self, engine: Engine, *, redis_url: str | None = None) -> None:
        self._engine = engine
        self._redis_url = redis_url
        self.backend: str = engine.dialect.name
        self.tenants = Tenants(engine)
        self.page_configs = PageConfigs(engine)
        self.installed_packages = InstalledPackages(engine)

    @classmethod
    def connect(cls, url: str, *, redis_url: str | None = None) -> Database:
        return cls(make_engine(url), redis_url=redis_url)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for migrations and benchmarks; it bypasses every scope."""
        return self._engine

    def upgrade(self) -> None:
        with write_tx(self._engine, "upgrade") as conn:
            tables.metadata.create_all(conn)

    def ping(self) -> None:
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except sa_exc.SQLAlchemyError as error:
            cause = error.orig if isinstance(error, sa_exc.DBAPIError) else error
            raise UnavailableError(
                f"{self.backend} database unavailable: {first_line(cause)}"
            ) from None

    def close(self) -> None:
        self._engine.dispose()

    def kv(self, scope: Scope) -> KeyValue:
        return KeyValue(self._engine, scope)

    def __repr__(self) -> str:
        safe = make_url(str(self._engine.url)).render_as_string(hide_password=True)
        return f"Database({safe!r})"
