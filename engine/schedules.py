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
scripts use `ScheduledRun.for_cron`; flows with a `schedule` trigger use
`ScheduledRun.for_flow` (a FlowRun with the definition pinned, as
engine.flows.dispatch prepares it, trigger "schedule", acting at the trigger's
`runAsLevel`, schedule id `{tenant id}/{package}/flow:{flow id}`, MbKind "flow"). Both kinds
follow install, disable and uninstall, and both are reconciled.
"""

from __future__ import annotations

import asyncio
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
from dbal.effects import EffectLedger
from dbal.engine import read_tx
from dbal.scope import ADMIN
from engine import search_attributes
from engine.flows.dispatch import FlowDispatcher, FlowRequest, package_flows
from engine.flows.errors import FlowError
from engine.flows.parse import parse_flow
from engine.packages.catalog import Catalog
from engine.packages.model import Package
from engine.packages.sinks import CronSchedule, cron_schedules
from engine.temporal_client import TemporalConnection
from engine.workflows.script_run import ACTIVITY_GRACE_S, ScriptRunInput

__all__ = [
    "CRON_LEVEL",
    "EFFECTS_RETENTION",
    "OWNER_MEMO",
    "ReconcileReport",
    "ScheduledRun",
    "TemporalSchedules",
    "desired_schedules",
    "flow_schedules",
    "reconcile",
    "schedule_names",
    "sync_packages",
    "upkeep_at_start",
]

log = logging.getLogger("metabuilder.schedules")

# A cron tick has no user: it acts in its tenant as the tenant's automation, at admin level.
CRON_LEVEL = ADMIN
KINDS = ("cron", "flow")  # the MbKind of the schedules MetaBuilder owns
# Memo naming the task queue a schedule starts its runs on: reconcile deletes orphans of its
# own deployment only, never those of another one sharing the namespace.
OWNER_MEMO = "mbTaskQueue"
# Ledger rows outlive any retry of their run by far (scripts retry within minutes).
EFFECTS_RETENTION = timedelta(days=7)

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

    @classmethod
    def for_flow(
        cls,
        flows: FlowDispatcher,
        *,
        tenant_id: str,
        tenant_slug: str,
        package: Package,
        flow_id: str,
        cron: str,
        run_as_level: int,
        task_queue: str,
        paused: bool = False,
    ) -> ScheduledRun:
        """A FlowRun with its definition validated and pinned (FlowError if it is invalid)."""
        request = FlowRequest(
            tenant_id, tenant_slug, package.id, flow_id, input={}, user_level=run_as_level,
            trigger="schedule", version=package.version,
        )  # fmt: skip
        params = flows.prepare(request, check_level=False).params
        return cls(
            schedule_id=f"{tenant_id}/{package.id}/flow:{flow_id}",
            workflow="FlowRun",
            arg=params,
            workflow_id=f"{tenant_slug}/{package.id}/flow:{flow_id}/schedule",
            task_queue=task_queue,
            cron=cron,
            tenant_slug=tenant_slug,
            package_id=package.id,
            name=flow_id,
            kind="flow",
            paused=paused,
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
                run.schedule_id,
                schedule,
                search_attributes=run.attributes(),
                memo={OWNER_MEMO: run.task_queue},
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

    async def list_ids(self, *kinds: str, task_queue: str | None = None) -> list[str]:
        """The ids of the schedules MetaBuilder owns (MbKind cron or flow, or `kinds`); with
        `task_queue`, only those of the deployment working that queue."""
        wanted = kinds or KINDS
        ids: list[str] = []
        async for listed in await self.client.list_schedules():
            if listed.typed_search_attributes.get(search_attributes.KIND) not in wanted:
                continue
            if task_queue is None or (await listed.memo()).get(OWNER_MEMO) == task_queue:
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
        package = catalog.pick(row.package_id, row.version)
        if package is None:
            log.warning("%s is installed but not in the catalog", row.package_id)
            continue
        for cron in cron_schedules(row.tenant_id, package, paused=not row.enabled):
            wanted[cron.schedule_id] = ScheduledRun.for_cron(
                cron, tenant_slug=row.slug, task_queue=task_queue
            )
        for run in flow_schedules(
            row.tenant_id, row.slug, package, paused=not row.enabled, task_queue=task_queue
        ):
            wanted[run.schedule_id] = run
    return wanted


def _scheduled_flows(package: Package) -> list[tuple[str, str, int]]:
    """(flow id, cron, run-as level) of each flow of `package` with a schedule trigger."""
    found = []
    for flow_id, doc in package_flows(package).items():
        if doc.get("id") != flow_id:
            continue  # the short alias of a `workflow_` id
        flow, _ = parse_flow(doc)
        trigger = flow.trigger("schedule")
        if trigger is not None and trigger.schedule:
            found.append((flow.id, trigger.schedule, trigger.run_as_level))
    return found


def flow_schedules(
    tenant_id: str,
    tenant_slug: str,
    package: Package,
    *,
    task_queue: str,
    paused: bool = False,
) -> list[ScheduledRun]:
    """The schedules the schedule-triggered flows of `package` ask for (invalid flows are
    logged and left out: they would fail every tick). Definitions come from this version of
    the package, whatever else the catalog holds."""
    flows = FlowDispatcher(
        TemporalConnection("", ""), task_queue=task_queue, catalog=Catalog(packages=[package])
    )  # only `prepare` is used, which never connects
    runs = []
    for flow_id, cron, level in _scheduled_flows(package):
        try:
            runs.append(
                ScheduledRun.for_flow(
                    flows,
                    tenant_id=tenant_id,
                    tenant_slug=tenant_slug,
                    package=package,
                    flow_id=flow_id,
                    cron=cron,
                    run_as_level=level,
                    task_queue=task_queue,
                    paused=paused,
                )
            )
        except FlowError as exc:
            log.warning("flow %s/%s is not scheduled: %s", package.id, flow_id, exc)
    return runs


def schedule_names(package: Package | None) -> list[str]:
    """The names under which `package` may own schedules: its cron scripts and
    `flow:<id>` for its schedule-triggered flows (schedule id `{tenant}/{package}/{name}`)."""
    if package is None:
        return []
    crons = [s.name for s in package.scripts if s.kind == "cron"]
    return crons + [f"flow:{flow_id}" for flow_id, _, _ in _scheduled_flows(package)]


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
    """Make Temporal hold exactly the schedules of the installed packages (cron scripts and
    schedule-triggered flows): create the missing ones, bring the rest up to date (cron, time
    zone, policy, paused on disabled packages), and delete those of this deployment (its
    task queue) whose package is gone."""
    report = ReconcileReport()
    wanted = desired_schedules(db, catalog, task_queue=task_queue)
    existing = await schedules.list_ids(task_queue=task_queue)
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
    """Reconcile only `packages` of one tenant: each is (package id, the `schedule_names` it
    has or had), so schedules of scripts or flows an upgrade or uninstall removed go too."""
    report = ReconcileReport()
    wanted = desired_schedules(
        db,
        catalog,
        task_queue=task_queue,
        tenant_id=tenant_id,
        package_ids=[p for p, _ in packages],
    )
    candidates = [
        f"{tenant_id}/{package_id}/{name}" for package_id, names in packages for name in names
    ]
    await _apply(schedules, wanted, candidates, report)
    return report


async def upkeep_at_start(
    client: Client, db: Database, catalog: Catalog, *, task_queue: str
) -> ReconcileReport | None:
    """Start-up upkeep of the stack and the worker: `reconcile` the schedules and prune the
    effects ledger of rows older than `EFFECTS_RETENTION`. A Temporal or database hiccup is
    logged, not fatal (the next start, or the next install's sync, repairs it)."""
    try:
        report = await reconcile(TemporalSchedules(client), db, catalog, task_queue=task_queue)
        pruned = await asyncio.to_thread(EffectLedger(db).prune, EFFECTS_RETENTION)
    except Exception:  # start-up must not die on upkeep; logged with its context
        log.exception("start-up upkeep (schedules, effects ledger) failed")
        return None
    log.info("%s; %d effects ledger rows pruned", report.summary(), pruned)
    return report
