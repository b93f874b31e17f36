"""Milestone-1 surface: tenants, kv, page configs, installed packages, ping, errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dbal.database import Database
from dbal.errors import (
    ConflictError,
    DataError,
    ForbiddenError,
    NotFoundError,
    UnavailableError,
    ValidationError,
)
from dbal.scope import Scope


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (NotFoundError, "NOT_FOUND", 404),
        (ConflictError, "CONFLICT", 409),
        (ForbiddenError, "FORBIDDEN", 403),
        (ValidationError, "VALIDATION_ERROR", 422),
        (UnavailableError, "DATABASE_ERROR", 503),
    ],
)
def test_errors_carry_the_original_codes_and_statuses(
    error: type[DataError], code: str, status: int
) -> None:
    assert issubclass(error, DataError)
    assert (error.code, error.http_status) == (code, status)
    assert error().to_dict()["error"] == code


def test_validation_error_lists_field_details() -> None:
    err = ValidationError.for_field("slug", "too long")
    assert err.to_dict()["details"] == {"fields": [{"field": "slug", "error": "too long"}]}


def test_tenant_create_and_lookup(database: Database) -> None:
    created = database.tenants.create(Scope.system(), "acme", "Acme Inc")
    found = database.tenants.get_by_slug("acme")
    assert found is not None
    assert found["id"] == created["id"]
    assert set(found) == {"id", "slug", "name", "settings", "created_at"}
    assert found["created_at"].tzinfo is not None
    assert database.tenants.get_by_slug("nope") is None


def test_duplicate_tenant_slug_is_a_conflict(database: Database) -> None:
    database.tenants.create(Scope.system(), "acme", "Acme")
    with pytest.raises(ConflictError):
        database.tenants.create(Scope.system(), "acme", "Other")


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_only_system_or_god_creates_tenants(database: Database, level: int) -> None:
    with pytest.raises(ForbiddenError):
        database.tenants.create(Scope.for_user("t", "u", level), "acme", "Acme")


@pytest.mark.parametrize("slug", ["", "UPPER", "-x", "a b", "x" * 65, "a;drop"])
def test_bad_slugs_are_validation_errors(database: Database, slug: str) -> None:
    with pytest.raises(ValidationError):
        database.tenants.create(Scope.system(), slug, "Acme")


def test_kv_is_tenant_namespaced(database: Database) -> None:
    a = database.tenants.create(Scope.system(), "a", "A")["id"]
    b = database.tenants.create(Scope.system(), "b", "B")["id"]
    kv_a = database.kv(Scope.for_user(a, "u1", 1))
    kv_b = database.kv(Scope.public(b))
    kv_a.set("k", {"x": [1, 2, "ü"]})
    assert kv_a.get("k") == {"x": [1, 2, "ü"]}
    assert kv_b.get("k", "missing") == "missing"
    assert kv_b.delete("k") is False
    assert kv_a.delete("k") is True
    assert kv_a.get("k") is None


def test_kv_expiry(database: Database) -> None:
    kv = database.kv(Scope.system())
    kv.set("short", 1, ttl_s=0.05)
    assert kv.get("short") == 1
    time.sleep(0.1)
    assert kv.get("short", "gone") == "gone"
    assert kv.incr("short") == 1


def test_kv_incr_is_atomic_under_concurrency(database: Database) -> None:
    kv = database.kv(Scope.system())
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                kv.incr("counter")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert kv.get("counter") == 150
    assert kv.incr("counter", by=-50) == 100


def test_kv_incr_on_non_integer_is_a_validation_error(database: Database) -> None:
    kv = database.kv(Scope.system())
    kv.set("s", "text")
    with pytest.raises(ValidationError):
        kv.incr("s")


def test_page_configs_upsert_and_list_published(database: Database) -> None:
    t = database.tenants.create(Scope.system(), "acme", "Acme")["id"]
    admin = Scope.for_user(t, "u", 3)
    page = {
        "path": "/hello",
        "package_id": "hello",
        "component": "hello_page",
        "title": "Hi",
        "level": 1,
        "requires_auth": True,
        "is_published": True,
        "sort_order": 2,
    }
    first = database.page_configs.upsert(admin, t, page)
    second = database.page_configs.upsert(admin, t, {**page, "title": "Hello"})
    assert first["id"] == second["id"]
    database.page_configs.upsert(admin, t, {**page, "path": "/draft", "is_published": False})
    database.page_configs.upsert(admin, t, {**page, "path": "/a", "sort_order": 0})
    published = database.page_configs.list_published(t)
    assert [p["path"] for p in published] == ["/a", "/hello"]
    assert published[1]["title"] == "Hello"


def test_page_config_writes_need_admin_of_that_tenant(database: Database) -> None:
    t = database.tenants.create(Scope.system(), "acme", "Acme")["id"]
    other = database.tenants.create(Scope.system(), "other", "Other")["id"]
    with pytest.raises(ForbiddenError):
        database.page_configs.upsert(Scope.for_user(t, "u", 2), t, {"path": "/x"})
    with pytest.raises(ForbiddenError):
        database.page_configs.upsert(Scope.for_user(other, "u", 3), t, {"path": "/x"})
    with pytest.raises(ValidationError) as info:
        database.page_configs.upsert(Scope.system(), t, {"path": "x", "level": "9", "evil": 1})
    assert {f["field"] for f in info.value.fields} == {"path", "level", "evil"}


def test_installed_packages(database: Database) -> None:
    t = database.tenants.create(Scope.system(), "acme", "Acme")["id"]
    sys = Scope.system()
    database.installed_packages.upsert(sys, t, "ui_home", "1.0.0", config={"defaultRoute": "/"})
    database.installed_packages.upsert(sys, t, "forum", "2.0.0", enabled=False)
    database.installed_packages.upsert(sys, t, "ui_home", "1.1.0", config={"defaultRoute": "/"})
    enabled = database.installed_packages.list(t)
    assert [(p["package_id"], p["version"]) for p in enabled] == [("ui_home", "1.1.0")]
    assert enabled[0]["config"] == {"defaultRoute": "/"}
    assert len(database.installed_packages.list(t, enabled_only=False)) == 2


def test_upgrade_is_idempotent(database: Database) -> None:
    database.upgrade()
    database.upgrade()
    database.ping()


def test_ping_on_unreachable_database_raises_unavailable() -> None:
    db = Database.connect("postgresql+psycopg://nobody:secret@127.0.0.1:1/nothing")
    with pytest.raises(UnavailableError) as info:
        db.ping()
    assert "\n" not in info.value.message
    assert "secret" not in info.value.message
    db.close()


def test_the_database_url_password_never_shows() -> None:
    db = Database.connect("postgresql+psycopg://app:s3cret@127.0.0.1:1/nothing")
    try:
        assert "s3cret" not in repr(db)
        with pytest.raises(UnavailableError) as info:
            db.ping()
        assert "s3cret" not in str(info.value) and "s3cret" not in repr(info.value)
    finally:
        db.close()


def test_concurrent_writers_all_commit(database: Database) -> None:
    tenant = database.tenants.create(Scope.system(), "busy", "Busy")["id"]
    database.schema.apply_entities(
        "load", {"hit": {"type": "object", "properties": {"n": {"type": "integer"}}}}
    )
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        ents = database.entities(Scope.for_user(tenant, f"w{worker}", 1), package="load")
        try:
            for i in range(20):
                ents.create("hit", {"n": i})
                ents.list("hit", limit=5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert database.entities(Scope.system(tenant), package="load").count("hit") == 120


def test_sqlite_transactions_are_real(tmp_path: Path) -> None:
    from dbal.engine import make_engine, write_tx

    engine = make_engine(f"sqlite:///{tmp_path / 'tx.db'}")
    try:
        with write_tx(engine) as conn:
            assert conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.begin() as conn:  # other layers' plain transactions stay transactions
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            assert conn.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
            raise RuntimeError
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    finally:
        engine.dispose()


def test_core_writes_are_audited(database: Database) -> None:
    from sqlalchemy import select

    from dbal.tables import audit_log

    tenant = database.tenants.create(Scope.system(), "acme", "Acme")["id"]
    admin = Scope.for_user(tenant, "adm", 3)
    database.page_configs.upsert(admin, tenant, {"path": "/x", "title": "X"})
    database.page_configs.delete(admin, tenant, "/x")
    database.installed_packages.upsert(admin, tenant, "forum", "1.0.0")
    database.installed_packages.remove(admin, tenant, "forum")
    with database.engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    assert [(r["entity"], r["operation"], r["tenant_id"]) for r in rows] == [
        ("tenant", "create", tenant),
        ("page_config", "upsert", tenant),
        ("page_config", "delete", tenant),
        ("installed_package", "upsert", tenant),
        ("installed_package", "delete", tenant),
    ]
    assert rows[0]["user_id"] == "system" and rows[1]["user_id"] == "adm"


def test_sqlite_pragmas_and_psycopg_binary(database: Database) -> None:
    with database.engine.connect() as conn:
        if database.backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
        else:
            import psycopg

            assert database.engine.dialect.driver == "psycopg"
            assert psycopg.pq.__impl__ in ("binary", "c")
