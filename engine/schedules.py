"""Cron as Temporal Schedules: one Schedule per tenant, package and cron script.

A schedule starts the ordinary `ScriptRun` workflow with kind "cron" (search attributes
`MbTenant`, `MbPackage`, `MbAction`, `MbKind = "cron"`), so every tick is a run an operator
can find in Temporal UI and in the run browser. The script runs in its tenant with
`CRON_LEVEL`, never across tenants.

    schedules = TemporalSchedules(client, task_queue="metabuilder")
    await schedules.upsert(ScheduledRun.for_cron(cron, tenant_slug="acme", task_queue=...))
    await schedules.set_paused("t1/forum/digest", True)
    await schedules.delete("t1/forum/digest")
    report = await reconcile(schedules, db, catalog)     # at start-up

How this fits the package lifecycle. `PackageManager` calls its `ScheduleSink` synchronously
inside its database transaction. A blocking network call into Temporal there would hold the
write lock across round trips, and a schedule created before the commit could fire for a
package that then rolls back. So the Temporal side never sits inside that transaction: the
transaction commits first, then `sync_packages` makes Temporal match the committed state
(it is idempotent, so a retried activity or a second run changes nothing). The
`PackageInstall` workflow (engine.workflows.package_install) runs it as an activity after
its database step, and compensates when a later step fails; `reconcile` repairs whatever an
offline `metabuilder packages install` (no Temporal) or a crash left behind, at every start
of the stack or worker.

A schedule is described by `ScheduledRun`, which names any workflow and argument: cron
scripts use `ScheduledRun.for_cron`; a schedule-triggered flow can build one for its FlowRun
workflow with the same attributes and reuse upsert / pause / delete / reconcile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from dbal import tables
from dbal.database import Database
from dbal.engine import read_tx
from dbal.scope import ADMIN
from engine import search_attributes
from engine.packages.catalog import Catalog
from engine.packages.sinks import CronSchedule, cron_schedules
from engine.workflows.script_run import ACTIVITY_GRACE_S, ScriptRunInput

__all__ = [
    "CRON_LEVEL",
    "ReconcileReport",
    "ScheduledRun",
    "TemporalSchedules",
    "desired_schedules",
    "reconcile",
    "reconcile_at_start",
    "sync_packages",
]

log = logging.getLogger("metabuilder.schedules")

# A cron tick has no user: it acts in its tenant as the tenant's automation, at admin level.
CRON_LEVEL = ADMIN

_OVERLAP = {
    "skip": ScheduleOverlapPolicy.SKIP,
    "buffer_one": ScheduleOverlapPolicy.BUFFER_ONE,
    "buffer_all": ScheduleOverlapPolicy.BUFFER_ALL,
    "cancel_other": ScheduleOverlapPolicy.CANCEL_OTHER,
    "terminate_other": ScheduleOverlapPolicy.TERMINATE_OTHER,
    "allow_all": ScheduleOverlapPolicy.ALLOW_ALL,
}


@dataclass(frozen=True)
class ScheduledRun:
    """One Temporal Schedule: when, and which workflow it starts with which argument."""

    schedule_id: str
    workflow: str
    arg: Any
    workflow_id: str
    task_queue: str
    cron: str
    tenant_slug: str
    package_id: str
    name: str
    kind: str = "cron"
    time_zone: str = "UTC"
    overlap: str = "skip"
    catchup_window_s: float = 60.0
    run_timeout_s: float | None = None
    paused: bool = False

    @classmethod
    def for_cron(
        cls, cron: CronSchedule, *, tenant_slug: str, task_queue: str, paused: bool | None = None
    ) -> ScheduledRun:
        params = ScriptRunInput(
            tenant_id=cron.tenant_id,
            tenant_slug=tenant_slug,
            package_id=cron.package_id,
            script=cron.script,
            input={},
            user_level=CRON_LEVEL,
            kind="cron",
            timeout_s=cron.timeout_s,
            version=cron.version,
        )
        return cls(
            schedule_id=cron.schedule_id,
            workflow="ScriptRun",
            arg=params,
            workflow_id=f"{tenant_slug}/{cron.package_id}/{cron.script}/cron",
            task_queue=task_queue,
            cron=cron.cron,
            tenant_slug=tenant_slug,
            package_id=cron.package_id,
            name=cron.script,
            time_zone=cron.time_zone,
            overlap=cron.overlap,
            catchup_window_s=cron.catchup_window_s,
            # attempts of the activity plus their grace: a stuck tick never blocks the next
            run_timeout_s=3 * (cron.timeout_s + ACTIVITY_GRACE_S),
            paused=cron.paused if paused is None else paused,
        )

    def attributes(self) -> Any:
        return search_attributes.run_attributes(
            tenant=self.tenant_slug,
            package=self.package_id,
            action=self.name,
            user=None,
            kind=self.kind,
        )

    def to_schedule(self) -> Schedule:
        return Schedule(
            action=ScheduleActionStartWorkflow(
                self.workflow,
                self.arg,
                id=self.workflow_id,
                task_queue=self.task_queue,
                run_timeout=(timedelta(seconds=self.run_timeout_s) if self.run_timeout_s else None),
                typed_search_attributes=self.attributes(),
            ),
            spec=ScheduleSpec(cron_expressions=[self.cron], time_zone_name=self.time_zone),
            policy=SchedulePolicy(
                overlap=_OVERLAP[self.overlap],
                catchup_window=timedelta(seconds=self.catchup_window_s),
            ),
            state=ScheduleState(paused=self.paused, note="metabuilder"),
        )


class TemporalSchedules:
    """Create, update, pause and delete our schedules; every call is idempotent."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def upsert(self, run: ScheduledRun) -> str:
        """Create the schedule, or bring an existing one to `run`; says which it did."""
        schedule = run.to_schedule()
        try:
            await self.client.create_schedule(
                run.schedule_id, schedule, search_attributes=run.attributes()
            )
            return "created"
        except ScheduleAlreadyRunningError:
            pass

        paused_before: list[bool] = []

        def replace(current: ScheduleUpdateInput) -> ScheduleUpdate:
            paused_before.append(current.description.schedule.state.paused)
            return ScheduleUpdate(schedule=schedule)

        await self.client.get_schedule_handle(run.schedule_id).update(replace)
        if paused_before and paused_before[-1] != run.paused:
            # an update may keep the running state: pause or unpause explicitly
            await self.set_paused(run.schedule_id, run.paused)
        return "updated"

    async def delete(self, schedule_id: str) -> bool:
        try:
            await self.client.get_schedule_handle(schedule_id).delete()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    async def set_paused(self, schedule_id: str, paused: bool) -> bool:
        handle = self.client.get_schedule_handle(schedule_id)
        try:
            if paused:
                await handle.pause(note="package disabled")
            else:
                await handle.unpause(note="package enabled")
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return True

    async def describe(self, schedule_id: str) -> ScheduledState | None:
        try:
            desc = await self.client.get_schedule_handle(schedule_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return None
            raise
        spec = desc.schedule.spec
        return ScheduledState(
            schedule_id=schedule_id,
            cron=list(spec.cron_expressions),
            time_zone=spec.time_zone_name,
            paused=desc.schedule.state.paused,
            overlap=desc.schedule.policy.overlap,
            catchup_window=desc.schedule.policy.catchup_window,
            action=desc.schedule.action,
        )

    async def list_ids(self, kind: str = "cron") -> list[str]:
        """The ids of the schedules of one kind MetaBuilder owns (the MbKind attribute)."""
        ids: list[str] = []
        async for listed in await self.client.list_schedules():
            if listed.typed_search_attributes.get(search_attributes.KIND) == kind:
                ids.append(listed.id)
        return ids


@dataclass(frozen=True)
class ScheduledState:
    """What Temporal holds for one schedule (for reconcile reports and tests)."""

    schedule_id: str
    cron: list[str]
    time_zone: str | None
    paused: bool
    overlap: ScheduleOverlapPolicy
    catchup_window: timedelta | None
    action: Any


@dataclass
class ReconcileReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"schedules: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted)} deleted"
        )


def desired_schedules(
    db: Database,
    catalog: Catalog,
    *,
    task_queue: str,
    tenant_id: str | None = None,
    package_ids: Iterable[str] | None = None,
) -> dict[str, ScheduledRun]:
    """The schedules the installed packages ask for, by schedule id (disabled ones paused)."""
    ip, tn = tables.installed_packages, tables.tenants
    query = select(ip.c.tenant_id, tn.c.slug, ip.c.package_id, ip.c.version, ip.c.enabled).join(
        tn, tn.c.id == ip.c.tenant_id
    )
    if tenant_id is not None:
        query = query.where(ip.c.tenant_id == tenant_id)
    if package_ids is not None:
        query = query.where(ip.c.package_id.in_(list(package_ids)))
    with read_tx(db.engine, "installed packages") as conn:
        rows = conn.execute(query).all()
    wanted: dict[str, ScheduledRun] = {}
    for row in rows:
        package = catalog.find(row.package_id, row.version)
        if package is None:
            log.warning("%s %s is installed but not in the catalog", row.package_id, row.version)
            continue
        for cron in cron_schedules(row.tenant_id, package, paused=not row.enabled):
            wanted[cron.schedule_id] = ScheduledRun.for_cron(
                cron, tenant_slug=row.slug, task_queue=task_queue
            )
    return wanted


async def _apply(
    schedules: TemporalSchedules,
    wanted: dict[str, ScheduledRun],
    existing: Sequence[str],
    report: ReconcileReport,
) -> None:
    for schedule_id, run in wanted.items():
        outcome = await schedules.upsert(run)
        (report.created if outcome == "created" else report.updated).append(schedule_id)
    for schedule_id in existing:
        if schedule_id not in wanted and await schedules.delete(schedule_id):
            report.deleted.append(schedule_id)


async def reconcile(
    schedules: TemporalSchedules, db: Database, catalog: Catalog, *, task_queue: str
) -> ReconcileReport:
    """Make Temporal hold exactly the cron schedules of the installed packages: create the
    missing ones, bring the rest up to date (cron, time zone, policy, paused on disabled
    packages), and delete schedules whose package or script is gone."""
    report = ReconcileReport()
    wanted = desired_schedules(db, catalog, task_queue=task_queue)
    existing = await schedules.list_ids("cron")
    await _apply(schedules, wanted, existing, report)
    return report


async def sync_packages(
    schedules: TemporalSchedules,
    db: Database,
    catalog: Catalog,
    *,
    task_queue: str,
    tenant_id: str,
    packages: Sequence[tuple[str, Sequence[str]]],
) -> ReconcileReport:
    """Reconcile only `packages` of one tenant: each is (package id, the cron script names
    it has or had), so schedules of scripts an upgrade or uninstall removed are deleted."""
    report = ReconcileReport()
    wanted = desired_schedules(
        db,
        catalog,
        task_queue=task_queue,
        tenant_id=tenant_id,
        package_ids=[p for p, _ in packages],
    )
    candidates = [
        CronSchedule(tenant_id, package_id, "", script, "").schedule_id
        for package_id, scripts in packages
        for script in scripts
    ]
    await _apply(schedules, wanted, candidates, report)
    return report


async def reconcile_at_start(
    client: Client, db: Database, catalog: Catalog, *, task_queue: str
) -> ReconcileReport | None:
    """`reconcile` for the stack and worker start-up: a Temporal or database hiccup is
    logged, not fatal (the next start, or the next install's sync, repairs it)."""
    try:
        report = await reconcile(TemporalSchedules(client), db, catalog, task_queue=task_queue)
    except Exception:  # start-up must not die on a schedule; logged with its context
        log.exception("reconciling cron schedules failed")
        return None
    log.info(report.summary())
    return report
