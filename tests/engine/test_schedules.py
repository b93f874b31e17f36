"""Cron scripts as Temporal Schedules on the dev server: created on install, paused on
disable, deleted on uninstall, reconciled at start-up, one per tenant, and a tick that
really runs the script in its own tenant."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleOverlapPolicy,
    ScheduleSpec,
)
from temporalio.worker import Worker

from dbal import tables
from dbal.database import Database
from dbal.scope import Scope
from engine import search_attributes
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.packages.validate import validate_path
from engine.schedules import (
    CRON_LEVEL,
    EFFECTS_RETENTION,
    OWNER_MEMO,
    ReconcileReport,
    TemporalSchedules,
    reconcile,
    schedule_names,
    sync_packages,
    upkeep_at_start,
)
from engine.workflows.script_run import ScriptRun
from scripts_runtime.sandbox import SandboxPool
from tests.packages.builders import write_package
from worker.activities import ScriptActivities
from worker.script_host import host_factory

pytestmark = pytest.mark.temporal

TICK = "def main(ctx):\n    return {'ticks': ctx.kv.incr('ticks')}\n"


def cron_package(root: Path, pid: str, **manifest: object) -> Path:
    script = {"name": "tick", "kind": "cron", "schedule": "*/5 * * * *", "timeout": 5}
    script.update(manifest)
    return write_package(root, pid, scripts={"tick": (script, TICK)})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    yield database
    database.close()


def tenant(db: Database) -> tuple[str, str]:
    slug = f"t{uuid.uuid4().hex[:8]}"
    row = db.tenants.create(Scope.system(), slug, slug)
    return row["id"], slug


async def cron_ids(schedules: TemporalSchedules, tenant_id: str) -> dict[str, bool]:
    """Our cron schedules of a tenant and whether each is paused (visibility is eventual)."""
    found: dict[str, bool] = {}
    for schedule_id in await schedules.list_ids("cron"):
        if schedule_id.startswith(f"{tenant_id}/"):
            state = await schedules.describe(schedule_id)
            if state is not None:
                found[schedule_id] = state.paused
    return found


async def eventually(check: object, timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        ok = await check()  # type: ignore[operator]
        if ok or asyncio.get_running_loop().time() > deadline:
            assert ok
            return
        await asyncio.sleep(0.2)


async def test_schedule_follows_install_disable_enable_uninstall(
    temporal_client: Client, db: Database, tmp_path: Path, task_queue: str
) -> None:
    pid = f"cronpkg{uuid.uuid4().hex[:6]}"
    cron_package(tmp_path / "pkgs", pid, timeZone="Europe/Berlin", overlap="buffer_one")
    catalog = Catalog([tmp_path / "pkgs"])
    manager = PackageManager(db, catalog)
    schedules = TemporalSchedules(temporal_client)
    tid, slug = tenant(db)
    sid = f"{tid}/{pid}/tick"

    async def sync() -> ReconcileReport:
        return await sync_packages(
            schedules, db, catalog, task_queue=task_queue, tenant_id=tid, packages=[(pid, ["tick"])]
        )

    manager.install(tid, pid)
    report = await sync()
    assert report.created == [sid]
    state = await schedules.describe(sid)
    assert state is not None and not state.paused
    assert state.cron == ["*/5 * * * *"] or state.cron == []  # server may normalise to calendars
    assert state.time_zone == "Europe/Berlin"
    assert state.overlap == ScheduleOverlapPolicy.BUFFER_ONE
    assert state.catchup_window == timedelta(seconds=60)
    action = state.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == "ScriptRun" and action.task_queue == task_queue
    assert action.id == f"{slug}/{pid}/tick/cron"
    attrs = action.typed_search_attributes
    assert attrs.get(search_attributes.KIND) == "cron"
    assert attrs.get(search_attributes.TENANT) == slug
    arg = await temporal_client.data_converter.decode(action.args)
    assert arg[0]["tenant_id"] == tid and arg[0]["kind"] == "cron"
    assert arg[0]["user_level"] == CRON_LEVEL and arg[0]["user_id"] is None

    manager.disable(tid, pid)
    await sync()
    assert (await schedules.describe(sid)).paused  # type: ignore[union-attr]

    manager.enable(tid, pid)
    await sync()
    assert not (await schedules.describe(sid)).paused  # type: ignore[union-attr]

    manager.uninstall(tid, pid)
    report = await sync()
    assert report.deleted == [sid]
    assert await schedules.describe(sid) is None


async def test_reconcile_creates_missing_fixes_paused_and_deletes_orphans(
    temporal_client: Client, db: Database, tmp_path: Path, task_queue: str
) -> None:
    pid = f"cronpkg{uuid.uuid4().hex[:6]}"
    cron_package(tmp_path / "pkgs", pid)
    catalog = Catalog([tmp_path / "pkgs"])
    manager = PackageManager(db, catalog)
    schedules = TemporalSchedules(temporal_client)
    (acme, _), (globex, _) = tenant(db), tenant(db)
    manager.install(acme, pid)  # offline installs: nothing in Temporal yet
    manager.install(globex, pid)
    manager.disable(globex, pid)

    orphan = f"{acme}/gone_package/tick"
    foreign = f"not-ours-{uuid.uuid4().hex[:6]}"
    neighbour = f"{acme}/other_deployment/tick"  # the same namespace, another task queue
    for schedule_id, kind, queue in (
        (orphan, "cron", task_queue),
        (foreign, None, task_queue),
        (neighbour, "cron", f"{task_queue}-other"),
    ):
        attrs = (
            search_attributes.run_attributes(
                tenant="x", package="gone_package", action="tick", user=None, kind=kind
            )
            if kind
            else None
        )
        await temporal_client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow("ScriptRun", {}, id="x", task_queue=queue),
                spec=ScheduleSpec(cron_expressions=["0 0 1 1 *"]),
            ),
            search_attributes=attrs,
            memo={OWNER_MEMO: queue},
        )

    async def orphan_listed() -> bool:
        return orphan in await schedules.list_ids("cron")

    await eventually(orphan_listed)
    report = await reconcile(schedules, db, catalog, task_queue=task_queue)
    assert f"{acme}/{pid}/tick" in report.created and f"{globex}/{pid}/tick" in report.created
    assert orphan in report.deleted
    assert foreign not in report.deleted  # schedules MetaBuilder does not own stay
    assert neighbour not in report.deleted  # and those of another deployment
    assert await schedules.describe(orphan) is None
    assert not (await schedules.describe(f"{acme}/{pid}/tick")).paused  # type: ignore[union-attr]
    assert (await schedules.describe(f"{globex}/{pid}/tick")).paused  # type: ignore[union-attr]

    # a second start changes nothing that matters; a paused schedule someone resumed by
    # hand is paused again because its package is disabled
    await schedules.set_paused(f"{globex}/{pid}/tick", False)
    again = await reconcile(schedules, db, catalog, task_queue=task_queue)
    assert not again.created and orphan not in again.deleted
    assert (await schedules.describe(f"{globex}/{pid}/tick")).paused  # type: ignore[union-attr]

    # uninstalling in one tenant never touches the other tenant's schedule
    manager.uninstall(globex, pid)
    await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=globex, packages=[(pid, ["tick"])]
    )
    assert await schedules.describe(f"{globex}/{pid}/tick") is None
    assert await schedules.describe(f"{acme}/{pid}/tick") is not None
    await temporal_client.get_schedule_handle(foreign).delete()
    await temporal_client.get_schedule_handle(neighbour).delete()
    manager.uninstall(acme, pid)
    await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=acme, packages=[(pid, ["tick"])]
    )


async def test_a_tick_runs_the_script_in_its_own_tenant(
    temporal_client: Client, db: Database, tmp_path: Path, task_queue: str
) -> None:
    pid = f"cronpkg{uuid.uuid4().hex[:6]}"
    cron_package(tmp_path / "pkgs", pid)
    catalog = Catalog([tmp_path / "pkgs"])
    manager = PackageManager(db, catalog)
    schedules = TemporalSchedules(temporal_client)
    (acme, slug), (globex, _) = tenant(db), tenant(db)
    manager.install(acme, pid)
    await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=acme, packages=[(pid, ["tick"])]
    )
    sid = f"{acme}/{pid}/tick"
    async with SandboxPool(size=1) as pool:
        activities = ScriptActivities(pool=pool, catalog=catalog, host_for=host_factory(db))
        async with Worker(
            temporal_client,
            task_queue=task_queue,
            workflows=[ScriptRun],
            activities=[activities.run_script],
        ):
            await temporal_client.get_schedule_handle(sid).trigger()

            async def ticked() -> bool:
                return bool(db.kv(Scope.system(acme)).get("ticks") == 1)

            await eventually(ticked, 20)
    assert db.kv(Scope.system(globex)).get("ticks") is None
    runs = [
        r
        async for r in temporal_client.list_workflows(
            f'WorkflowId STARTS_WITH "{slug}/{pid}/tick/cron"'
        )
    ]
    assert runs and runs[0].typed_search_attributes.get(search_attributes.KIND) == "cron"
    manager.uninstall(acme, pid)
    await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=acme, packages=[(pid, ["tick"])]
    )


@pytest.mark.parametrize(
    ("manifest", "code"),
    [
        ({"timeZone": "Mars/Olympus"}, "bad_time_zone"),
        ({"timeZone": "../../etc/passwd"}, "bad_time_zone"),
        ({"overlap": "whenever"}, "schema_enum"),
        ({"catchupWindow": -5}, "schema_minimum"),
    ],
)
def test_bad_schedule_options_are_refused_at_validation(
    tmp_path: Path, manifest: dict[str, object], code: str
) -> None:
    path = cron_package(tmp_path, "badcron", **manifest)
    (report,) = validate_path(path)
    assert code in {p.code for p in report.errors}


async def test_start_up_upkeep_repairs_and_never_stops_the_start(
    temporal_client: Client, db: Database, tmp_path: Path, task_queue: str
) -> None:
    pid = f"cronpkg{uuid.uuid4().hex[:6]}"
    cron_package(tmp_path / "pkgs", pid)
    catalog = Catalog([tmp_path / "pkgs"])
    tid, _ = tenant(db)
    PackageManager(db, catalog).install(tid, pid)  # e.g. `metabuilder packages install`
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        for run, age in (("old", EFFECTS_RETENTION + timedelta(hours=1)), ("new", timedelta())):
            conn.execute(
                tables.effects.insert().values(
                    run_key=run, seq=0, tenant_id=tid, op="kv.set", result=None,
                    created_at=now - age,
                )
            )  # fmt: skip
    report = await upkeep_at_start(temporal_client, db, catalog, task_queue=task_queue)
    assert report is not None and f"{tid}/{pid}/tick" in report.created
    with db.engine.connect() as conn:
        kept = conn.execute(select(tables.effects.c.run_key)).scalars().all()
    assert kept == ["new"]  # the ledger keeps what a retry could still need
    await TemporalSchedules(temporal_client).delete(f"{tid}/{pid}/tick")

    unmigrated = Database.connect(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        failed = await upkeep_at_start(temporal_client, unmigrated, catalog, task_queue=task_queue)
    finally:
        unmigrated.close()
    assert failed is None


SCHEDULED_FLOW = {
    "id": "nightly_report",
    "triggers": [{"kind": "schedule", "schedule": "0 3 * * *", "runAsLevel": 2}],
    "nodes": [{"id": "s", "type": "metabuilder.script", "parameters": {"script": "tick"}}],
    "connections": {},
}


async def test_a_schedule_triggered_flow_gets_a_pinned_flow_run_schedule(
    temporal_client: Client, db: Database, tmp_path: Path, task_queue: str
) -> None:
    pid = f"flowpkg{uuid.uuid4().hex[:6]}"
    script = {"name": "tick", "kind": "action"}
    write_package(
        tmp_path / "pkgs",
        pid,
        scripts={"tick": (script, TICK)},
        workflows={"nightly_report": SCHEDULED_FLOW},
    )
    catalog = Catalog([tmp_path / "pkgs"])
    manager = PackageManager(db, catalog)
    schedules = TemporalSchedules(temporal_client)
    tid, slug = tenant(db)
    sid = f"{tid}/{pid}/flow:nightly_report"
    assert schedule_names(catalog.find(pid)) == ["flow:nightly_report"]

    manager.install(tid, pid)
    names = [(pid, schedule_names(catalog.find(pid)))]
    report = await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=tid, packages=names
    )
    assert report.created == [sid]
    state = await schedules.describe(sid)
    assert state is not None and isinstance(state.action, ScheduleActionStartWorkflow)
    assert state.action.workflow == "FlowRun"
    assert state.action.typed_search_attributes.get(search_attributes.KIND) == "flow"
    (arg,) = await temporal_client.data_converter.decode(state.action.args)
    assert arg["definition"]["id"] == "nightly_report" and arg["trigger"] == "schedule"
    assert arg["tenant_id"] == tid and arg["user_level"] == 2 and arg["user_id"] is None

    await temporal_client.get_schedule_handle(sid).trigger()  # a tick starts a FlowRun

    async def started() -> bool:
        query = f'WorkflowId STARTS_WITH "{slug}/{pid}/flow:nightly_report/schedule"'
        return bool([r async for r in temporal_client.list_workflows(query)])

    await eventually(started)
    manager.disable(tid, pid)
    await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=tid, packages=names
    )
    assert (await schedules.describe(sid)).paused  # type: ignore[union-attr]
    manager.uninstall(tid, pid)
    report = await sync_packages(
        schedules, db, catalog, task_queue=task_queue, tenant_id=tid, packages=names
    )
    assert report.deleted == [sid] and await schedules.describe(sid) is None
