"""Worker side of PackageInstall (engine.workflows.package_install): its step activities.

Each step is safe to run twice, because Temporal runs a step again when a worker dies in
it: `apply` is the lifecycle's own all-or-nothing transaction and finds an install that
already committed (same version) with nothing left to do; `schedules` syncs Temporal to
the database; `rollback` undoes only what is still there. Package and lifecycle errors
(invalid package, version conflict, bad config, a failed step) are business failures of
type `PackageError`, which the workflow does not retry; an unreachable database is retried.

The database work is blocking and runs in a thread (`asyncio.to_thread`), off the worker's
event loop; the schedule sync uses the worker's Temporal client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from dbal.database import Database
from dbal.errors import DataError, UnavailableError
from engine.packages import Catalog
from engine.packages.errors import NotInstalled, PackageError
from engine.packages.lifecycle import PackageManager, StepHook
from engine.packages.model import Package
from engine.schedules import TemporalSchedules, schedule_names, sync_packages
from engine.workflows.package_install import (
    APPLY_ACTIVITY,
    CHANGE_LEVEL,
    PACKAGE_ERROR,
    PLAN_ACTIVITY,
    ROLLBACK_ACTIVITY,
    SCHEDULES_ACTIVITY,
    InstallPlan,
    PackageChange,
    PackageInstall,
    PlannedPackage,
)
from worker.component import Registration, WorkerContext


@contextmanager
def _business_errors() -> Iterator[None]:
    try:
        yield
    except UnavailableError:
        raise  # the database is down: the step is retried
    except (PackageError, DataError) as exc:
        raise ApplicationError(
            str(exc), {"error": type(exc).__name__}, type=PACKAGE_ERROR, non_retryable=True
        ) from exc


class InstallActivities:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        schedules: TemporalSchedules,
        *,
        task_queue: str,
        on_step: StepHook | None = None,
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._schedules = schedules
        self._task_queue = task_queue
        self._on_step = on_step

    def _manager(self) -> PackageManager:
        return PackageManager(self._db, self._catalog, on_step=self._on_step)

    @activity.defn(name=PLAN_ACTIVITY)
    async def plan(self, change: PackageChange) -> InstallPlan:
        return await asyncio.to_thread(self._plan, change)

    def _plan(self, change: PackageChange) -> InstallPlan:
        if change.user_level is not None and change.user_level < CHANGE_LEVEL:
            raise ApplicationError(
                f"changing packages needs level {CHANGE_LEVEL}, the caller has {change.user_level}",
                {"error": "Forbidden"},
                type=PACKAGE_ERROR,
                non_retryable=True,
            )
        with _business_errors():
            checked = self._manager().check(
                change.tenant_id,
                change.package,
                change.op,
                version=change.version,
                config=change.config,
            )
            installed = checked.installed
            if checked.plan is not None:
                packages = [
                    PlannedPackage(
                        p.id,
                        p.version,
                        previous=installed[p.id]["version"] if p.id in installed else None,
                        crons=sorted(
                            {*schedule_names(p), *schedule_names(self._old(p.id, installed))}
                        ),
                        inits=[s.name for s in p.scripts if s.kind == "init"],
                    )
                    for p in checked.plan.to_install
                ]
                return InstallPlan(change, packages)
            row = installed[change.package]
            package = self._catalog.find(change.package, row["version"])
            planned = PlannedPackage(change.package, row["version"], row["version"])
            planned.crons = schedule_names(package)
            return InstallPlan(change, [planned])

    def _old(self, package_id: str, installed: dict[str, Any]) -> Package | None:
        row = installed.get(package_id)
        return self._catalog.find(package_id, row["version"]) if row else None

    @activity.defn(name=APPLY_ACTIVITY)
    async def apply(self, plan: InstallPlan) -> None:
        await asyncio.to_thread(self._apply, plan)

    def _apply(self, plan: InstallPlan) -> None:
        change = plan.change
        manager = self._manager()
        with _business_errors():
            if change.op == "install":
                manager.install(change.tenant_id, change.package, version=change.version,
                                config=change.config)  # fmt: skip
            elif change.op == "upgrade":
                row = manager.installed(change.tenant_id).get(change.package)
                target = next(p for p in plan.packages if p.id == change.package)
                if row is None or row["version"] != target.version:
                    manager.upgrade(change.tenant_id, change.package, version=target.version)
            elif change.op in ("enable", "disable"):
                manager.set_enabled(change.tenant_id, change.package, change.op == "enable")
            elif change.op == "uninstall":
                with suppress(NotInstalled):  # a retry after the uninstall committed
                    manager.uninstall(change.tenant_id, change.package)

    @activity.defn(name=SCHEDULES_ACTIVITY)
    async def sync_schedules(self, plan: InstallPlan) -> list[str]:
        report = await sync_packages(
            self._schedules,
            self._db,
            self._catalog,
            task_queue=self._task_queue,
            tenant_id=plan.change.tenant_id,
            packages=[(p.id, p.crons) for p in plan.packages],
        )
        return sorted(
            [f"created {s}" for s in report.created]
            + [f"updated {s}" for s in report.updated]
            + [f"deleted {s}" for s in report.deleted]
        )

    @activity.defn(name=ROLLBACK_ACTIVITY)
    async def rollback(self, plan: InstallPlan) -> None:
        await asyncio.to_thread(self._rollback, plan)

    def _rollback(self, plan: InstallPlan) -> None:
        """Undo `apply`: uninstall what was fresh (dependents first), move an upgraded
        package back to the version it replaced."""
        tenant = plan.change.tenant_id
        manager = PackageManager(self._db, self._catalog)  # no test hooks in compensation
        with _business_errors():
            installed = manager.installed(tenant)
            for package in reversed(plan.packages):
                row = installed.get(package.id)
                if row is None:
                    continue
                if package.previous is None:
                    manager.uninstall(tenant, package.id)
                elif row["version"] != package.previous:
                    manager.upgrade(tenant, package.id, version=package.previous)


def installs_component(ctx: WorkerContext) -> Registration:
    """PackageInstall and its steps (needs the worker's database)."""
    if ctx.db is None:
        return Registration()
    activities = InstallActivities(
        ctx.db, ctx.catalog, TemporalSchedules(ctx.client), task_queue=ctx.task_queue
    )
    return Registration(
        workflows=[PackageInstall],
        activities=[
            activities.plan,
            activities.apply,
            activities.sync_schedules,
            activities.rollback,
        ],
    )
