"""Tenant backup and restore (dbal/backup.py, `metabuilder tenant backup|restore`): a restored
copy holds the same data under new ids, the original and other tenants are untouched, and a
damaged archive restores nothing at all."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from dbal import tables
from dbal.backup import BackupError, backup_tenant, restore_tenant
from dbal.database import Database
from dbal.ids import new_id, utcnow
from dbal.scope import Scope
from engine.cli.main import cli
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager

PACKAGES = Path(__file__).resolve().parents[1] / "views" / "packages"
SYSTEM = Scope.system()


def tenant_with_data(db: Database, slug: str, n: int) -> dict[str, Any]:
    tenant = db.tenants.create(SYSTEM, slug, slug.title(), {"theme": "dark", "slug": slug})
    PackageManager(db, Catalog([PACKAGES])).install(tenant["id"], "crud_demo")
    ents = db.entities(Scope.system(tenant["id"]), package="crud_demo")
    cats = [ents.create("category", {"name": f"{slug} cat {i}"}) for i in range(3)]
    rows = [
        {
            "title": f"{slug} item {i}",
            "count": i % 1000,
            "price": i / 4,
            "active": i % 2 == 0,
            "due_at": "2026-05-01T10:00:00Z",
            "category_id": cats[i % 3]["id"],
            "meta": {"see": cats[0]["id"], "n": i},
            "tags": ["a", str(i)],
        }
        for i in range(n)
    ]
    ents.create_many("item", rows)
    ents.create("secret_note", {"body": "psst", "pin": "1234"})
    db.kv(Scope.system(tenant["id"])).set("visits", {"count": n})
    db.page_configs.upsert(
        SYSTEM, tenant["id"], {"path": "/shop", "package_id": "crud_demo", "title": "Shop"}
    )
    return tenant


def add_member(db: Database, tenant_id: str, username: str, level: int) -> str:
    user_id = new_id()
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            insert(tables.users).values(
                id=user_id, username=username, profile={}, is_active=True,
                is_instance_owner=False, created_at=now,
            )
        )  # fmt: skip
        conn.execute(
            insert(tables.credentials).values(user_id=user_id, password_hash="h", changed_at=now)
        )
        conn.execute(
            insert(tables.memberships).values(
                user_id=user_id, tenant_id=tenant_id, role="x", level=level, created_at=now
            )
        )
    return user_id


def canonical(row: Any, drop: tuple[str, ...]) -> bytes:
    plain = {str(k): v for k, v in row.items() if str(k) not in drop}
    return orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)


def snapshot(db: Database, slug: str) -> dict[str, Any]:
    """The tenant's data with every row id replaced by the label of its row."""
    tenant = db.tenants.get_by_slug(slug)
    assert tenant is not None
    tid = tenant["id"]
    out: dict[str, Any] = {"tenant": (tenant["name"], tenant["settings"])}
    labels: dict[str, str] = {}
    raw: dict[str, list[dict[str, Any]]] = {}
    for model in db.schema.models("crud_demo"):
        table = db.schema.get(model.qualified_name).table
        with db.engine.connect() as conn:
            found = conn.execute(select(table).where(table.c.tenant_id == tid)).mappings().all()
        raw[model.name] = [{str(k): v for k, v in r.items()} for r in found]
        for row in raw[model.name]:
            label = row.get("name") or row.get("title") or row.get("body")
            labels[row["id"]] = f"{model.name}:{label}"

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return labels.get(value, value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    for name, rows in raw.items():
        out[name] = sorted(canonical({k: swap(v) for k, v in r.items()}, ("id", "tenant_id"))
                           for r in rows)  # fmt: skip
    with db.engine.connect() as conn:
        for table, drop in (
            (tables.kv, ("tenant_id",)),
            (tables.page_configs, ("id", "tenant_id", "created_at", "updated_at")),
            (tables.installed_packages, ("tenant_id", "installed_at", "updated_at")),
            (tables.memberships, ("tenant_id", "created_at")),
        ):
            found = conn.execute(select(table).where(table.c.tenant_id == tid)).mappings().all()
            out[table.name] = sorted(canonical(r, drop) for r in found)
    return out


def counts(db: Database) -> dict[str, int]:
    out = {}
    with db.engine.connect() as conn:
        for model in db.schema.models():
            table = db.schema.get(model.qualified_name).table
            out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (tables.tenants, tables.kv, tables.page_configs, tables.memberships):
            out[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return out


async def test_a_restored_tenant_equals_the_original(database: Database, tmp_path: Path) -> None:
    a = tenant_with_data(database, "alpha", 1200)
    tenant_with_data(database, "beta", 5)
    add_member(database, a["id"], "alpha-admin", 3)
    before_a, before_b = snapshot(database, "alpha"), snapshot(database, "beta")
    seen: list[tuple[str, int, int]] = []

    archive = tmp_path / "alpha.tar.gz"
    manifest = backup_tenant(database, "alpha", archive, progress=lambda *a: seen.append(a))
    names = {t["table"] for t in manifest["tables"]}
    assert "sessions" not in names and "api_tokens" not in names
    report = restore_tenant(database, archive, "gamma", progress=lambda *a: seen.append(a))

    assert snapshot(database, "gamma") == {**before_a, "tenant": before_a["tenant"]}
    assert snapshot(database, "alpha") == before_a and snapshot(database, "beta") == before_b
    assert report.users_linked == ["alpha-admin"] and report.users_created == []
    assert ("e_crud_demo__item", 1200, 1200) in seen  # progress reached the end
    gamma = database.tenants.get_by_slug("gamma")
    assert gamma is not None
    restored = database.entities(Scope.system(gamma["id"]), package="crud_demo")
    original = database.entities(Scope.system(a["id"]), package="crud_demo")
    new_ids = {r["id"] for r in restored.list("item", limit=1000)["items"]}
    old_ids = {r["id"] for r in original.list("item", limit=1000)["items"]}
    assert new_ids and not new_ids & old_ids
    item = restored.list("item", filter={"title": "alpha item 4"})["items"][0]
    category = restored.read("category", item["category_id"])  # remapped inside gamma
    assert category["name"] == "alpha cat 1" and item["meta"]["see"] != a["id"]


def repack(archive: Path, change: Any) -> bytes:
    """The archive with `change(name, data) -> data` applied to each member."""
    out = io.BytesIO()
    with tarfile.open(archive, "r:gz") as src, tarfile.open(fileobj=out, mode="w:gz") as dst:
        for member in src.getmembers():
            handle = src.extractfile(member)
            assert handle is not None
            data = change(member.name, handle.read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out.getvalue()


def _tamper_row(name: str, data: bytes) -> bytes:
    if name.endswith("e_crud_demo__item.ndjson"):
        return data.replace(b"alpha item 7", b"alpha item X", 1)
    return data


def _sneak_sessions(name: str, data: bytes) -> bytes:
    if name == "manifest.json":
        manifest = orjson.loads(data)
        manifest["tables"][0]["table"] = "sessions"
        return orjson.dumps(manifest)
    return data


Damage = Callable[[bytes, Path], bytes]
CORRUPTIONS: dict[str, tuple[Damage, str]] = {
    "truncated": (lambda raw, path: raw[: len(raw) // 2], "corrupted or truncated"),
    "not gzip": (lambda raw, path: b"hello, not an archive", "corrupted or truncated"),
    "gzip of junk": (lambda raw, path: gzip.compress(b"junk" * 100), "corrupted or truncated"),
    "tampered row": (lambda raw, path: repack(path, _tamper_row), "checksum"),
    "foreign table": (lambda raw, path: repack(path, _sneak_sessions), "not part of"),
}


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
async def test_a_damaged_archive_restores_nothing(
    database: Database, tmp_path: Path, kind: str
) -> None:
    tenant_with_data(database, "alpha", 30)
    archive = tmp_path / "alpha.tar.gz"
    backup_tenant(database, "alpha", archive)
    damage, message = CORRUPTIONS[kind]
    archive.write_bytes(damage(archive.read_bytes(), archive))
    before = counts(database)
    with pytest.raises(BackupError, match=message):
        restore_tenant(database, archive, "gamma")
    assert database.tenants.get_by_slug("gamma") is None
    assert counts(database) == before


async def test_restore_caps_cross_tenant_roles_and_creates_missing_users(
    database: Database, tmp_path: Path
) -> None:
    a = tenant_with_data(database, "alpha", 1)
    god = add_member(database, a["id"], "alpha-god", 5)
    archive = tmp_path / "alpha.tar.gz"
    backup_tenant(database, "alpha", archive)
    with database.engine.begin() as conn:  # an instance where that user never existed
        conn.execute(tables.users.delete().where(tables.users.c.id == god))
    report = restore_tenant(database, archive, "gamma")
    assert report.users_created == ["alpha-god"] and report.roles_capped == [god]
    gamma = database.tenants.get_by_slug("gamma")
    assert gamma is not None
    with database.engine.connect() as conn:
        role = conn.execute(
            select(tables.memberships.c.role, tables.memberships.c.level).where(
                tables.memberships.c.tenant_id == gamma["id"]
            )
        ).one()
    assert tuple(role) == ("admin", 3)


def test_the_cli_backs_up_and_restores_with_progress(database_url: str, tmp_path: Path) -> None:
    db = Database.connect(database_url)
    try:
        db.upgrade()
        tenant_with_data(db, "alpha", 40)
    finally:
        db.close()
    base = ["--data-dir", str(tmp_path / "var"), "--database-url", database_url, "tenant"]
    archive = str(tmp_path / "alpha.tar.gz")
    runner = CliRunner()
    backed = runner.invoke(cli, [*base, "backup", "alpha", archive])
    assert backed.exit_code == 0, backed.output
    assert "backup e_crud_demo__item: 40/40 rows" in backed.output
    assert "tenant alpha backed up to" in backed.output
    restored = runner.invoke(cli, [*base, "restore", archive, "--as", "alpha-copy"])
    assert restored.exit_code == 0, restored.output
    assert "tenant alpha-copy restored" in restored.output
    again = runner.invoke(cli, [*base, "restore", archive, "--as", "alpha-copy"])
    assert again.exit_code == 1
    assert again.output.strip().splitlines()[-1].startswith("metabuilder: restore failed:")


async def test_restore_into_another_database_creates_tables_and_users(
    database: Database, tmp_path: Path
) -> None:
    a = tenant_with_data(database, "alpha", 20)
    add_member(database, a["id"], "alpha-admin", 3)
    archive = tmp_path / "alpha.tar.gz"
    backup_tenant(database, "alpha", archive)
    elsewhere = Database.connect(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    try:
        elsewhere.upgrade()
        report = restore_tenant(elsewhere, archive, "alpha")
        assert report.users_created == ["alpha-admin"]
        assert snapshot(elsewhere, "alpha") == snapshot(database, "alpha")
        with elsewhere.engine.connect() as conn:
            hashes = conn.execute(select(tables.credentials.c.password_hash)).scalars().all()
        assert hashes == ["h"]
    finally:
        elsewhere.close()
