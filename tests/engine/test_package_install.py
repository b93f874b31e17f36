"""PackageInstall on the Temporal dev server: the lifecycle's steps as activities, init
scripts as child runs, schedules synced after the commit, compensation when a later step
fails, and retries that finish an install after a crashed step."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from dbal.database import Database
from dbal.scope import Scope
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.schedules import TemporalSchedules
from engine.temporal_server import TemporalDevServer
from engine.workflows.package_install import (
    INSTALL_FAILED,
    SCHEDULES_ACTIVITY,
    InstallPlan,
    PackageChange,
    PackageInstall,
    PackageInstallResult,
    start_package_change,
)
from engine.workflows.script_run import ScriptRun
from scripts_runtime.sandbox import SandboxPool
from tests.engine.processes import Slow, WorkerProcess, until
from tests.packages.builders import write_package
from worker.activities import ScriptActivities
from worker.installs import InstallActivities
from worker.script_host import host_factory

pytestmark = pytest.mark.temporal

PRODUCT = {
    "type": "object",
    "x-entity": "product",
    "properties": {"name": {"type": "string"}},
    "x-seed": [{"name": "Tea"}],
}
SETUP = "def main(ctx):\n    ctx.kv.set('setup', ctx.input['reason'])\n    return 1\n"
FAILING = "def main(ctx):\n    raise ValueError('no warehouse configured')\n"
TICK = "def main(ctx):\n    return 1\n"


def shop(root: Path, version: str = "1.0.0", *, init: str = SETUP, **extra: Any) -> None:
    write_package(
        root,
        "shop",
        version=version,
        dirname=f"shop-{version}",
        package={"dependencies": {"base": "^1.0.0"}},
        entities={"product": PRODUCT},
        scripts={
            "setup": ({"name": "setup", "kind": "init"}, init),
            "nightly": ({"name": "nightly", "kind": "cron", "schedule": "0 2 * * *"}, TICK),
        },
        **extra,
    )


@dataclass
class World:
    client: Client
    db: Database
    catalog: Catalog
    task_queue: str
    schedules: TemporalSchedules
    tenant: str = ""
    slug: str = ""

    async def change(self, op: str = "install", **fields: Any) -> PackageInstallResult:
        change = PackageChange(self.tenant, self.slug, fields.pop("package", "shop"), op, **fields)
        handle = await start_package_change(self.client, change, task_queue=self.task_queue)
        return await handle.result()

    def installed(self) -> dict[str, str]:
        rows = self.db.installed_packages.list(self.tenant, enabled_only=False)
        return {r["package_id"]: r["version"] for r in rows}

    def routes(self) -> list[str]:
        return [r["path"] for r in self.db.page_configs.list_published(self.tenant)]

    async def schedule(self, package: str = "shop", script: str = "nightly") -> Any:
        return await self.schedules.describe(f"{self.tenant}/{package}/{script}")


class FlakySchedules(InstallActivities):
    """The schedule step crashes (a lost connection, a dying worker) on its first attempt."""

    attempts = 0

    @activity.defn(name=SCHEDULES_ACTIVITY)
    async def sync_schedules(self, plan: InstallPlan) -> list[str]:
        FlakySchedules.attempts += 1
        if FlakySchedules.attempts == 1:
            raise ConnectionError("worker lost its connection mid-step")
        return await super().sync_schedules(plan)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path / 'app.db'}")
    database.upgrade()
    yield database
    database.close()


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    root = tmp_path / "packages"
    write_package(root, "base", scripts={"tick": ({"name": "tick", "kind": "cron",
                                                   "schedule": "0 * * * *"}, TICK)})  # fmt: skip
    shop(root)
    shop(root, "2.0.0", init=FAILING)
    write_package(root, "broken", entities={"product": {**PRODUCT, "x-entity": "thing"}},
                  scripts={"setup": ({"name": "setup", "kind": "init"}, FAILING)})  # fmt: skip
    return root


async def _world(
    temporal_client: Client,
    db: Database,
    packages: Path,
    task_queue: str,
    activities_class: type[InstallActivities],
    on_step: Any = None,
) -> AsyncGenerator[World, None]:
    catalog = Catalog([packages])
    schedules = TemporalSchedules(temporal_client)
    world = World(temporal_client, db, catalog, task_queue, schedules)
    slug = f"t{uuid.uuid4().hex[:8]}"
    world.tenant, world.slug = db.tenants.create(Scope.system(), slug, slug)["id"], slug
    steps = activities_class(db, catalog, schedules, task_queue=task_queue, on_step=on_step)
    async with SandboxPool(size=1) as pool:
        scripts = ScriptActivities(pool=pool, catalog=catalog, host_for=host_factory(db))
        async with Worker(
            temporal_client,
            task_queue=task_queue,
            workflows=[PackageInstall, ScriptRun],
            activities=[steps.plan, steps.apply, steps.sync_schedules, steps.rollback,
                        scripts.run_script],
        ):  # fmt: skip
            yield world
    for package in ("shop", "base", "broken"):
        for script in ("nightly", "tick"):
            await schedules.delete(f"{world.tenant}/{package}/{script}")


@pytest.fixture
async def world(
    temporal_client: Client,
    db: Database,
    packages: Path,
    task_queue: str,
) -> AsyncIterator[World]:
    async for w in _world(temporal_client, db, packages, task_queue, InstallActivities):
        yield w


def failure(exc: WorkflowFailureError) -> ApplicationError:
    cause = exc.cause
    assert isinstance(cause, ApplicationError) and cause.type == INSTALL_FAILED, cause
    return cause


async def test_install_runs_every_step_and_init_in_the_tenant(world: World) -> None:
    result = await world.change(version="1.0.0")
    assert result.changed == ["base@1.0.0", "shop@1.0.0"]
    assert result.steps[:3] == ["package_plan", "package_apply", "package_schedules"]
    assert result.steps[3:] == ["init:shop/setup"] and len(result.init_runs) == 1
    assert world.installed() == {"base": "1.0.0", "shop": "1.0.0"}
    assert "/shop" in world.routes()
    assert (await world.schedule()) is not None and (await world.schedule("base", "tick"))
    assert world.db.kv(Scope.system(world.tenant)).get("setup") == "install"
    products = world.db.entities(Scope.system(world.tenant), package="shop").list("product")
    assert [p["name"] for p in products["items"]] == ["Tea"]
    again = await world.change(version="1.0.0")  # installing twice changes nothing
    assert again.changed == [] and again.init_runs == []


async def test_a_failing_init_script_rolls_the_install_back(world: World) -> None:
    with pytest.raises(WorkflowFailureError) as caught:
        await world.change(version="2.0.0")
    error = failure(caught.value)
    assert "no warehouse configured" in error.message and "rolled back" in error.message
    details = error.details[0]
    assert details["step"] == "init:shop/setup" and details["compensated"]
    assert details["steps"][-2:] == ["package_rollback", "package_schedules"]
    assert world.installed() == {}  # shop and the base it pulled in are gone again
    assert "/shop" not in world.routes()
    assert await world.schedule() is None and await world.schedule("base", "tick") is None


async def test_a_failed_upgrade_moves_back_to_the_version_it_replaced(world: World) -> None:
    await world.change(version="1.0.0")
    with pytest.raises(WorkflowFailureError) as caught:
        await world.change("upgrade", version="2.0.0")
    assert failure(caught.value).details[0]["compensated"]
    assert world.installed() == {"base": "1.0.0", "shop": "1.0.0"}
    assert await world.schedule() is not None


async def test_a_bad_package_fails_before_anything_changes(world: World) -> None:
    with pytest.raises(WorkflowFailureError) as caught:
        await world.change(package="no_such_package")
    details = failure(caught.value).details[0]
    assert details["step"] == "package_plan" and not details["compensated"]
    with pytest.raises(WorkflowFailureError):
        await world.change("upgrade", version="2.0.0")  # not installed: nothing to upgrade
    assert world.installed() == {}


@pytest.mark.parametrize("level", [0, 1, 2])
async def test_a_caller_below_admin_changes_nothing(world: World, level: int) -> None:
    with pytest.raises(WorkflowFailureError) as caught:
        await world.change(version="1.0.0", user_id="u1", user_level=level)
    error = failure(caught.value)
    assert error.details[0]["step"] == "package_plan" and "needs level 3" in error.message
    assert world.installed() == {} and await world.schedule() is None


async def test_an_admin_may_change_packages(world: World) -> None:
    result = await world.change(version="1.0.0", user_id="u1", user_level=3)
    assert result.changed == ["base@1.0.0", "shop@1.0.0"]


async def test_disable_enable_uninstall_follow_through_to_the_schedule(world: World) -> None:
    await world.change(version="1.0.0")
    await world.change("disable")
    assert (await world.schedule()).paused
    assert "/shop" not in world.routes()
    await world.change("enable")
    assert not (await world.schedule()).paused
    await world.change("uninstall")
    assert await world.schedule() is None
    assert world.installed() == {"base": "1.0.0"}
    assert (await world.schedule("base", "tick")) is not None


async def test_installs_stay_in_their_tenant(world: World) -> None:
    other = world.db.tenants.create(Scope.system(), f"o{uuid.uuid4().hex[:8]}", "Other")["id"]
    await world.change(version="1.0.0")
    assert PackageManager(world.db, world.catalog).installed(other) == {}
    assert world.db.kv(Scope.system(other)).get("setup") is None
    assert await world.schedules.describe(f"{other}/shop/nightly") is None


async def test_a_step_that_fails_inside_the_transaction_leaves_nothing(
    temporal_client: Client,
    db: Database,
    packages: Path,
    task_queue: str,
) -> None:
    def crash(step: str, package_id: str) -> None:
        if step == "seed" and package_id == "shop":
            raise RuntimeError("disk full")

    worlds = _world(temporal_client, db, packages, task_queue, InstallActivities, crash)
    world = await anext(worlds)
    try:
        with pytest.raises(WorkflowFailureError) as caught:
            await world.change(version="1.0.0")
        details = failure(caught.value).details[0]
        assert details["step"] == "package_apply" and "disk full" in str(caught.value.cause)
        assert world.installed() == {} and world.routes() == []
        assert await world.schedule("base", "tick") is None
    finally:
        await worlds.aclose()


async def test_a_crashed_step_is_retried_and_the_install_finishes(
    temporal_client: Client,
    db: Database,
    packages: Path,
    task_queue: str,
) -> None:
    FlakySchedules.attempts = 0
    worlds = _world(temporal_client, db, packages, task_queue, FlakySchedules)
    world = await anext(worlds)
    try:
        result = await world.change(version="1.0.0")
        assert FlakySchedules.attempts == 2 and not result.compensated
        assert world.installed() == {"base": "1.0.0", "shop": "1.0.0"}
        assert await world.schedule() is not None
    finally:
        await worlds.aclose()


SLOW_SETUP = (
    "def main(ctx):\n"
    "    ctx.kv.incr('setup_runs')\n"
    "    slow = ctx.secrets.get('slow')\n"
    "    for i in range(10):\n"
    "        ctx.http.get(slow + '1')\n"
    "    return 1\n"
)


@pytest.mark.slow
async def test_an_install_whose_worker_is_killed_finishes_on_the_next_worker(
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    tmp_path: Path,
    task_queue: str,
    workers: list[WorkerProcess],
    slow_url: str,
) -> None:
    packages = tmp_path / "packages"
    cron = ({"name": "nightly", "kind": "cron", "schedule": "0 2 * * *"}, TICK)
    init = ({"name": "setup", "kind": "init"}, SLOW_SETUP)
    write_package(packages, "crashy", scripts={"setup": init, "nightly": cron})
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db = Database.connect(url)
    db.upgrade()
    settings = {"scripts": {"httpAllowHosts": ["127.0.0.1"], "secrets": {"slow": slow_url}}}
    tenant = db.tenants.create(Scope.system(), "crashy", "Crashy", settings)["id"]
    args = (temporal_server.target, task_queue, url, str(packages))
    workers.append(await WorkerProcess.start(*args))

    change = PackageChange(tenant, "crashy", "crashy")
    handle = await start_package_change(temporal_client, change, task_queue=task_queue)
    await until(lambda: Slow.hits[1] >= 2, 60)  # the init script is half way through
    await workers[0].kill()
    calls_before = Slow.hits[1]
    workers.append(await WorkerProcess.start(*args))

    result = await asyncio.wait_for(handle.result(), 60)
    assert not result.compensated and result.changed == ["crashy@1.0.0"]
    assert Slow.hits[1] > calls_before  # the init script ran again on the new worker
    assert db.kv(Scope.system(tenant)).get("setup_runs") == 1  # and counted once
    assert PackageManager(db, Catalog([packages])).installed(tenant)["crashy"]["version"] == "1.0.0"
    schedules = TemporalSchedules(temporal_client)
    assert await schedules.describe(f"{tenant}/crashy/nightly") is not None
    await schedules.delete(f"{tenant}/crashy/nightly")
    db.close()
