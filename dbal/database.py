"""The data layer's front door: one `Database` per process owns the engine and the URL.

    db = Database.connect("sqlite:///var/app.db")            # or postgresql+psycopg://...
    db.upgrade()                                               # core schema, idempotent
    db.tenants.create(Scope.system(), "acme", "Acme")
    db.kv(scope).incr("visits")
    db.page_configs.list_published(tenant_id)
    db.installed_packages.list(tenant_id)
    db.schema.apply_entities("forum", schemas)                 # package entity tables
    db.entities(scope, package="forum").list("post", ...)     # see dbal.entities
    with db.transaction(scope, package="forum") as tx: ...

Every accessor that reaches tenant data takes a `Scope`; see `dbal.scope`. The row cache is
off unless asked for: `cache="redis"` (needs `redis_url`), `cache="memory"` (single-process
deployments only), or `cache="auto"`: Redis when `redis_url` is given, else off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from dbal import migrations
from dbal.cache import MemoryCache, RedisCache, RowCache
from dbal.engine import first_line, make_engine
from dbal.entities import Entities, transaction
from dbal.errors import UnavailableError, ValidationError
from dbal.installed_packages import InstalledPackages
from dbal.kv import KeyValue
from dbal.page_configs import PageConfigs
from dbal.runs import Runs
from dbal.schema import SchemaManager
from dbal.scope import Scope
from dbal.tenants import Tenants


class Database:
    def __init__(
        self, engine: Engine, *, redis_url: str | None = None, cache: str = "auto"
    ) -> None:
        self._engine = engine
        self.backend: str = engine.dialect.name
        self.tenants = Tenants(engine)
        self.page_configs = PageConfigs(engine)
        self.installed_packages = InstalledPackages(engine)
        self.runs = Runs(engine)
        self.schema = SchemaManager(engine)
        self.cache = _make_cache(cache, redis_url)

    @classmethod
    def connect(cls, url: str, *, redis_url: str | None = None, cache: str = "auto") -> Database:
        return cls(make_engine(url), redis_url=redis_url, cache=cache)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for migrations and benchmarks; it bypasses every scope."""
        return self._engine

    def upgrade(self) -> None:
        """Bring the core schema to the newest Alembic revision, then load entity schemas."""
        migrations.upgrade(self._engine)
        self.schema.load()

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
        if isinstance(self.cache, RedisCache):
            self.cache.close()
        self._engine.dispose()

    def kv(self, scope: Scope) -> KeyValue:
        return KeyValue(self._engine, scope)

    def entities(self, scope: Scope, *, package: str | None = None) -> Entities:
        return Entities(self._engine, self.schema, scope, package=package, cache=self.cache)

    @contextmanager
    def transaction(self, scope: Scope, *, package: str | None = None) -> Iterator[Entities]:
        with transaction(self._engine, self.schema, scope, package=package, cache=self.cache) as tx:
            yield tx

    def __repr__(self) -> str:
        safe = make_url(str(self._engine.url)).render_as_string(hide_password=True)
        return f"Database({safe!r})"


def _make_cache(mode: str, redis_url: str | None) -> RowCache | None:
    if mode == "off" or (mode == "auto" and not redis_url):
        return None
    if mode in ("auto", "redis"):
        if not redis_url:
            raise ValidationError.for_field("cache", "cache='redis' needs redis_url")
        return RedisCache(redis_url)
    if mode == "memory":
        return MemoryCache()
    raise ValidationError.for_field("cache", "one of auto, off, memory, redis")
