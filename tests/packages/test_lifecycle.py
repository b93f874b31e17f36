"""Per-tenant lifecycle on SQLite and PostgreSQL: install with dependencies, atomic steps,
two tenants on two versions, upgrade, enable/disable, uninstall, config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, func, inspect, select

from dbal import tables
from dbal.database import Database
from dbal.scope import Scope
from engine.packages import (
    Catalog,
    ConfigInvalid,
    DependencyError,
    LifecycleError,
    NotInstalled,
    StepFailed,
    VersionConflict,
)
from engine.packages.lifecycle import STEPS, PackageManager
from engine.packages.sinks import MemorySchedules
from tests.packages.builders import component, write_package

PRODUCT_V1: dict[str, Any] = {
    "title": "Product",
    "type": "object",
    "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
    "required": ["name"],
    "x-seed": [{"name": "Tea", "price": 3.5}, {"name": "Cake", "price": 4.0}],
}
PRODUCT_V2: dict[str, Any] = {
    **PRODUCT_V1,
    "properties": {**PRODUCT_V1["properties"], "sku": {"type": "string"}},
}
ORDER: dict[str, Any] = {
    "title": "Order",
    "type": "object",
    "properties": {"product": {"type": "string"}, "qty": {"type": "integer"}},
    "x-seed": [{"product": "Tea", "qty": 1}],
}
FLOW = {
    "id": "workflow_restock",
    "name": "Restock",
    "nodes": [{"id": "n1", "type": "metabuilder.action", "parameters": {}}],
    "connections": {},
}
BODY = "def main(ctx):\n    return 1\n"
CONFIG_SCHEMA = {
    "type": "object",
    "properties": {"currency": {"enum": ["EUR", "USD"]}, "defaultRoute": {"type": "string"}},
    "additionalProperties": False,
}


def shop(root: Path, version: str) -> Path:
    v2 = version.startswith("2")
    pages = [{"id": "page_shop", "path": "/shop", "title": "Shop", "component": "shop_page"}]
    if v2:
        pages.append(
            {
                "id": "page_orders",
                "path": "/shop/orders",
                "title": "Orders",
                "component": "shop_page",
            }
        )
    scripts = {"setup": ({"name": "setup", "kind": "init"}, BODY)}
    cron = ("hourly", "0 * * * *") if v2 else ("nightly", "0 2 * * *")
    scripts[cron[0]] = ({"name": cron[0], "kind": "cron", "schedule": cron[1]}, BODY)
    return write_package(
        root,
        "shop",
        version=version,
        dirname=f"shop-{version}",
        package={
            "dependencies": {"base": "^1"},
            "configSchema": CONFIG_SCHEMA,
            "defaultConfig": {"currency": "EUR"},
            "defaultRoute": "/shop",
        },
        components=[component("shop_page")],
        pages=pages,
        entities={"product": PRODUCT_V2 if v2 else PRODUCT_V1, **({"order": ORDER} if v2 else {})},
        scripts=scripts,
        workflows={"restock": FLOW},
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    root = tmp_path / "pkgs"
    write_package(root, "base", components=[component("base_page")])
    shop(root, "1.0.0")
    shop(root, "2.0.0")
    cat = Catalog([root])
    assert not [p for ps in cat.problems.values() for p in ps if p.severity == "error"]
    return cat


@pytest.fixture
def sinks() -> MemorySchedules:
    return MemorySchedules()


def tenant(db: Database, slug: str) -> str:
    return str(db.tenants.create(Scope.system(), slug, slug.title())["id"])


def manager(db: Database, catalog: Catalog, sinks: MemorySchedules, **kw: Any) -> PackageManager:
    return PackageManager(db, catalog, schedules=sinks, init_scripts=sinks, **kw)


def snapshot(db: Database, sinks: MemorySchedules) -> dict[str, Any]:
    """Everything an install can touch, in a comparable form."""
    out: dict[str, Any] = {}
    with db.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        out["tables"] = names
        for table in (
            tables.installed_packages,
            tables.page_configs,
            tables.workflows,
            tables.entity_schemas,
        ):
            rows = conn.execute(select(table)).mappings().all()
            out[table.name] = sorted(repr(sorted((k, repr(v)) for k, v in r.items())) for r in rows)
        for name in names:
            if name.startswith("e_"):
                cols = [c["name"] for c in inspect(conn).get_columns(name)]
                out[f"{name}.columns"] = sorted(cols)
                reflected = Table(name, MetaData(), autoload_with=conn)
                out[f"{name}.rows"] = conn.execute(
                    select(func.count()).select_from(reflected)
                ).scalar()
    out["schedules"] = dict(sinks.schedules)
    out["init"] = list(sinks.init_queue)
    return out


def published(db: Database, tenant_id: str) -> list[tuple[str, str | None]]:
    return [(r["path"], r["package_id"]) for r in db.page_configs.list_published(tenant_id)]


def entity_rows(db: Database, table: str, tenant_id: str) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        reflected = Table(table, MetaData(), autoload_with=conn)
        query = select(reflected).where(reflected.c.tenant_id == tenant_id)
        return [dict(r) for r in conn.execute(query).mappings()]


def test_install_puts_dependencies_first_and_writes_everything(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    report = manager(database, catalog, sinks).install(acme, "shop", version="^1")
    assert report.changed == [("base", "1.0.0"), ("shop", "1.0.0")]
    assert published(database, acme) == [("/base", "base"), ("/shop", "shop")]
    installed = database.installed_packages.list(acme)
    assert [(r["package_id"], r["version"]) for r in installed] == [
        ("base", "1.0.0"),
        ("shop", "1.0.0"),
    ]
    shop_row = next(r for r in installed if r["package_id"] == "shop")
    assert shop_row["config"] == {"currency": "EUR", "defaultRoute": "/shop"}
    names = sorted(r["name"] for r in entity_rows(database, "e_shop__product", acme))
    assert names == ["Cake", "Tea"]
    assert [s.schedule_id for s in sinks.for_tenant(acme)] == [f"{acme}/shop/nightly"]
    assert [(r.package_id, r.script, r.reason) for r in sinks.init_queue] == [
        ("shop", "setup", "install")
    ]
    with database.engine.connect() as conn:
        flows = conn.execute(select(tables.workflows.c.name)).scalars().all()
    assert flows == ["workflow_restock"]


def test_installing_again_keeps_what_is_there(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    pm = manager(database, catalog, sinks)
    pm.install(acme, "shop", version="1.0.0")
    again = pm.install(acme, "shop", version="1.0.0")
    assert again.changed == []
    assert sorted(again.kept) == ["base", "shop"]


FAIL_AT = [(step, pkg) for pkg in ("base", "shop") for step in STEPS]


@pytest.mark.parametrize(("step", "package_id"), FAIL_AT, ids=[f"{p}-{s}" for s, p in FAIL_AT])
def test_a_failure_at_any_step_leaves_the_tenant_as_before(
    database: Database, catalog: Catalog, sinks: MemorySchedules, step: str, package_id: str
) -> None:
    acme = tenant(database, "acme")
    other = tenant(database, "other")
    manager(database, catalog, sinks).install(other, "base")  # unrelated state must survive
    before = snapshot(database, sinks)

    def fail(current: str, pid: str) -> None:
        if (current, pid) == (step, package_id):
            raise RuntimeError(f"injected failure at {current}")

    with pytest.raises(StepFailed) as err:
        manager(database, catalog, sinks, on_step=fail).install(acme, "shop", version="^1")
    assert (err.value.step, err.value.package_id) == (step, package_id)
    assert snapshot(database, sinks) == before
    # and the same install then succeeds
    manager(database, catalog, sinks).install(acme, "shop", version="^1")
    assert published(database, acme) == [("/base", "base"), ("/shop", "shop")]


def test_a_failing_sink_undoes_what_it_accepted(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    before = snapshot(database, sinks)

    class Refusing(MemorySchedules):
        def submit(self, request: Any) -> None:
            raise RuntimeError("engine unavailable")

    refusing = Refusing(schedules=sinks.schedules, init_queue=sinks.init_queue)
    pm = PackageManager(database, catalog, schedules=refusing, init_scripts=refusing)
    with pytest.raises(StepFailed, match="schedules failed for shop: engine unavailable"):
        pm.install(acme, "shop", version="^1")
    assert snapshot(database, sinks) == before  # the cron schedule accepted first is gone


def test_two_tenants_run_different_versions(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme, globex = tenant(database, "acme"), tenant(database, "globex")
    pm = manager(database, catalog, sinks)
    pm.install(acme, "shop", version="1.0.0")
    pm.install(globex, "shop", version="2.0.0")
    assert pm.installed(acme)["shop"]["version"] == "1.0.0"
    assert pm.installed(globex)["shop"]["version"] == "2.0.0"
    assert ("/shop/orders", "shop") not in published(database, acme)
    assert ("/shop/orders", "shop") in published(database, globex)
    assert len(entity_rows(database, "e_shop__product", acme)) == 2
    assert len(entity_rows(database, "e_shop__product", globex)) == 2
    assert entity_rows(database, "e_shop__order", acme) == []
    assert [s.script for s in sinks.for_tenant(acme)] == ["nightly"]
    assert [s.script for s in sinks.for_tenant(globex)] == ["hourly"]


def test_upgrade_migrates_routes_seeds_and_schedules(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    pm = manager(database, catalog, sinks)
    pm.install(acme, "shop", version="1.0.0", config={"currency": "USD"})
    report = pm.upgrade(acme, "shop")
    assert report.changed == [("shop", "2.0.0")]
    assert "add e_shop__product.sku" in report.migrations
    assert pm.installed(acme)["shop"]["config"]["currency"] == "USD"
    assert ("/shop/orders", "shop") in published(database, acme)
    assert len(entity_rows(database, "e_shop__order", acme)) == 1
    assert len(entity_rows(database, "e_shop__product", acme)) == 2  # not seeded twice
    assert [s.script for s in sinks.for_tenant(acme)] == ["hourly"]
    assert sinks.init_queue[-1].reason == "upgrade"


def test_a_failed_upgrade_keeps_the_old_version(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    manager(database, catalog, sinks).install(acme, "shop", version="1.0.0")
    before = snapshot(database, sinks)

    def fail(step: str, pid: str) -> None:
        if step == "schedules":
            raise RuntimeError("boom")

    with pytest.raises(StepFailed):
        manager(database, catalog, sinks, on_step=fail).upgrade(acme, "shop")
    assert snapshot(database, sinks) == before


def test_upgrade_refuses_to_break_a_dependent(
    database: Database, catalog: Catalog, sinks: MemorySchedules, tmp_path: Path
) -> None:
    acme = tenant(database, "acme")
    write_package(
        tmp_path / "more",
        "base",
        version="2.0.0",
        dirname="base2",
        components=[component("base_page")],
    )
    bigger = Catalog([tmp_path / "pkgs", tmp_path / "more"])
    pm = manager(database, bigger, sinks)
    pm.install(acme, "shop", version="1.0.0")
    with pytest.raises(VersionConflict, match=r"shop 1.0.0 requires base \^1"):
        pm.upgrade(acme, "base")


def test_check_refuses_what_the_change_would_refuse_and_changes_nothing(
    database: Database, catalog: Catalog, sinks: MemorySchedules, tmp_path: Path
) -> None:
    acme = tenant(database, "acme")
    write_package(tmp_path / "more", "base", version="2.0.0", dirname="base2")
    pm = manager(database, Catalog([tmp_path / "pkgs", tmp_path / "more"]), sinks)
    with pytest.raises(NotInstalled):
        pm.check(acme, "shop", "enable")
    fresh = pm.check(acme, "shop", "install", version="1.0.0")
    assert (fresh.op, [p.id for p in fresh.plan.to_install]) == ("install", ["base", "shop"])
    pm.install(acme, "shop", version="1.0.0")
    before = snapshot(database, sinks)
    with pytest.raises(VersionConflict, match=r"shop 1.0.0 requires base \^1"):
        pm.check(acme, "base", "upgrade")
    with pytest.raises(DependencyError, match="shop depend on it"):
        pm.check(acme, "base", "uninstall")
    with pytest.raises(ConfigInvalid, match="config is for a fresh install"):
        pm.check(acme, "shop", "install", version="1.0.0", config={"currency": "EUR"})
    with pytest.raises(LifecycleError, match="use upgrade"):
        pm.check(acme, "base", "install", version="2.0.0")
    with pytest.raises(LifecycleError, match="unknown package change"):
        pm.check(acme, "shop", "reinstall")
    assert pm.check(acme, "shop", "uninstall").op == "uninstall"
    assert snapshot(database, sinks) == before


def test_disable_hides_routes_and_pauses_schedules_enable_restores(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    pm = manager(database, catalog, sinks)
    pm.install(acme, "shop", version="1.0.0")
    pm.disable(acme, "shop")
    assert published(database, acme) == [("/base", "base")]
    assert [s.paused for s in sinks.for_tenant(acme)] == [True]
    assert database.installed_packages.list(acme, enabled_only=True)[0]["package_id"] == "base"
    pm.enable(acme, "shop")
    assert published(database, acme) == [("/base", "base"), ("/shop", "shop")]
    assert [s.paused for s in sinks.for_tenant(acme)] == [False]


def test_uninstall_keeps_data_unless_purged(
    database: Database, catalog: Catalog, sinks: MemorySchedules
) -> None:
    acme = tenant(database, "acme")
    pm = manager(database, catalog, sinks)
    pm.install(acme, "shop", version="1.0.0")
    with pytest.raises(DependencyError, match="shop depend on it"):
        pm.uninstall(acme, "base")
    pm.uninstall(acme, "shop")
    assert "shop" not in pm.installed(acme)
    assert published(database, acme) == [("/base", "base")]
    assert sinks.for_tenant(acme) == []
    assert len(entity_rows(database, "e_shop__product", acme)) == 2
    pm.install(acme, "shop", version="1.0.0")  # data present: not seeded again
    assert len(entity_rows(database, "e_shop__product", acme)) == 2
    pm.uninstall(acme, "shop", purge=True)
    assert entity_rows(database, "e_shop__product", acme) == []


@pytest.mark.parametrize(
    ("config", "pointer"),
    [({"currency": "GBP"}, "/currency"), ({"colour": "red"}, "")],
)
def test_config_is_validated_against_the_package_schema(
    database: Database,
    catalog: Catalog,
    sinks: MemorySchedules,
    config: dict[str, Any],
    pointer: str,
) -> None:
    acme = tenant(database, "acme")
    before = snapshot(database, sinks)
    with pytest.raises(ConfigInvalid) as err:
        manager(database, catalog, sinks).install(acme, "shop", version="1.0.0", config=config)
    assert [p.pointer for p in err.value.problems] == [pointer]
    assert snapshot(database, sinks) == before


def test_a_route_taken_by_another_package_is_kept_and_reported(
    database: Database, catalog: Catalog, sinks: MemorySchedules, tmp_path: Path
) -> None:
    acme = tenant(database, "acme")
    rival = write_package(
        tmp_path / "rival",
        "rival",
        components=[component("rival_page")],
        pages=[{"id": "r", "path": "/shop", "title": "Rival", "component": "rival_page"}],
    )
    pm = manager(database, catalog, sinks)
    pm.install(acme, rival)
    report = pm.install(acme, "shop", version="1.0.0")
    assert report.warnings == ["shop: route /shop is already taken by rival; kept theirs"]
    assert ("/shop", "rival") in published(database, acme)


def test_upgrade_installs_a_new_dependency_first(
    database: Database, catalog: Catalog, sinks: MemorySchedules, tmp_path: Path
) -> None:
    acme = tenant(database, "acme")
    more = tmp_path / "more"
    write_package(more, "extra", components=[component("extra_page")])
    write_package(
        more,
        "shop",
        version="3.0.0",
        dirname="shop-3",
        package={"dependencies": {"base": "^1", "extra": "^1"}},
        components=[component("shop_page")],
        pages=[{"id": "page_shop", "path": "/shop", "title": "Shop", "component": "shop_page"}],
    )
    bigger = Catalog([tmp_path / "pkgs", more])
    pm = manager(database, bigger, sinks)
    pm.install(acme, "shop", version="1.0.0")
    report = pm.upgrade(acme, "shop", version="^3")
    assert report.changed == [("extra", "1.0.0"), ("shop", "3.0.0")]
    assert report.kept == ["base"]
    assert sorted(pm.installed(acme)) == ["base", "extra", "shop"]
    assert sinks.for_tenant(acme) == []  # shop 3 has no cron script any more


def test_an_installed_entity_is_searchable_through_its_full_text_index(
    database: Database, tmp_path: Path
) -> None:
    note = {
        "title": "Note",
        "type": "object",
        "properties": {"body": {"type": "string"}},
        "x-search": ["body"],
    }
    root = tmp_path / "search-pkgs"
    write_package(root, "notes", entities={"note": note})
    acme = tenant(database, "acme")
    PackageManager(database, Catalog([root])).install(acme, "notes")
    notes = database.entities(Scope.system(acme), package="notes")
    notes.create("Note", {"body": "durable workflows are the heart of it"})
    notes.create("Note", {"body": "nothing to see"})
    found = notes.search("Note", "workflows")
    assert [row["body"] for row in found] == ["durable workflows are the heart of it"]
