"""PackageInstall: a package lifecycle change in a tenant as one durable run with compensation.

The steps of `engine.packages.lifecycle` become activities (worker/installs.py):

    plan       load and validate the package, resolve dependencies, check config
               (nothing changes yet; a bad package fails here)
    apply      migrate entities, write routes, seed, store flows, record the install: one
               database transaction, all or nothing, idempotent when retried
    schedules  make Temporal's cron schedules match the committed install (idempotent)
    init       the packages' init scripts, each a child ScriptRun of kind "init"

A crash anywhere is a retry, not a loss: Temporal re-runs the step that was in flight on
another worker, and every step is safe to run twice. When a step after `apply` fails for
good (an init script fails, schedules cannot be written), the run compensates in reverse:
a fresh install is uninstalled again (entity rows stay, as with any uninstall; the seed
skips a table that has rows on the next install), an upgrade is moved back to the version
it replaced, and schedules are synced to that state. The run then ends Failed with
`PackageInstallFailed` naming the step, so a failure is never reported as success.

`op` also covers enable, disable and uninstall: one transaction, then the schedule sync
(pausing, resuming or deleting the package's schedules); there is nothing to compensate.

Use `start_package_change` from a web endpoint or any process with a Temporal client; with
`exclusive=True` every change of one package in one tenant shares the workflow id
`change_workflow_id(...)`, so Temporal refuses a second one while one is open
(`WorkflowAlreadyStartedError`; web/api/packages.py answers 409). The CLI's `metabuilder
packages install` keeps the direct, offline path (no Temporal); the next start of the stack
or worker reconciles the schedules (engine.schedules.reconcile).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.common import RetryPolicy, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from engine import search_attributes
    from engine.workflows.script_run import ScriptRun, ScriptRunInput

PLAN_ACTIVITY = "package_plan"
APPLY_ACTIVITY = "package_apply"
SCHEDULES_ACTIVITY = "package_schedules"
ROLLBACK_ACTIVITY = "package_rollback"
PACKAGE_ERROR = "PackageError"  # a business failure of a step: not retried
INSTALL_FAILED = "PackageInstallFailed"
INIT_LEVEL = 3  # init scripts act in their tenant at admin level (dbal.scope.ADMIN)
CHANGE_LEVEL = 3  # changing a tenant's packages needs admin

Op = Literal["install", "upgrade", "enable", "disable", "uninstall"]
OPS = ("install", "upgrade", "enable", "disable", "uninstall")

STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=5,
    non_retryable_error_types=[PACKAGE_ERROR],
)


@dataclass
class PackageChange:
    """One dataclass in, so new fields never break running histories."""

    tenant_id: str
    tenant_slug: str
    package: str
    op: str = "install"
    version: str | None = None
    config: dict[str, Any] | None = None
    run_init: bool = True
    user_id: str | None = None
    user_level: int | None = None  # None: the system (CLI, bootstrap); else at least admin


@dataclass
class PlannedPackage:
    id: str
    version: str
    previous: str | None = None  # the version installed before (None: a fresh install)
    crons: list[str] = field(default_factory=list)  # its schedule names, now or before
    inits: list[str] = field(default_factory=list)


@dataclass
class InstallPlan:
    change: PackageChange
    packages: list[PlannedPackage] = field(default_factory=list)  # dependencies first


@dataclass
class PackageInstallResult:
    op: str
    changed: list[str] = field(default_factory=list)  # "id@version"
    schedules: list[str] = field(default_factory=list)
    init_runs: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    compensated: bool = False


@workflow.defn(name="PackageInstall")
class PackageInstall:
    def __init__(self) -> None:
        self._steps: list[str] = []

    @workflow.run
    async def run(self, change: PackageChange) -> PackageInstallResult:
        result = PackageInstallResult(change.op, steps=self._steps)
        plan: InstallPlan | None = None
        try:
            found = await self._step(PLAN_ACTIVITY, change, InstallPlan)
            result.changed = [f"{p.id}@{p.version}" for p in found.packages]
            await self._step(APPLY_ACTIVITY, found, type(None))
            plan = found  # committed: from here on a failure is compensated
            result.schedules = await self._step(SCHEDULES_ACTIVITY, plan, list)
            if change.op in ("install", "upgrade") and change.run_init:
                result.init_runs = await self._run_inits(plan)
        except (ActivityError, ChildWorkflowError) as failure:
            failed = self._steps[-1] if self._steps else "?"
            if plan is not None and change.op in ("install", "upgrade"):
                await self._step(ROLLBACK_ACTIVITY, plan, type(None))
                await self._step(SCHEDULES_ACTIVITY, plan, list)
                result.compensated = True
            raise ApplicationError(
                f"{change.op} of {change.package} failed at {failed}: {_cause(failure)}"
                + ("; rolled back" if result.compensated else ""),
                {"step": failed, "compensated": result.compensated, "steps": self._steps},
                type=INSTALL_FAILED,
                non_retryable=True,
            ) from failure
        return result

    @workflow.query
    def steps(self) -> list[str]:
        return list(self._steps)

    async def _step(self, name: str, arg: Any, result_type: type) -> Any:
        self._steps.append(name)
        return await workflow.execute_activity(
            name,
            arg,
            result_type=result_type,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=STEP_RETRY,
        )

    async def _run_inits(self, plan: InstallPlan) -> list[str]:
        change = plan.change
        started: list[str] = []
        for package in plan.packages:
            for script in package.inits:
                self._steps.append(f"init:{package.id}/{script}")
                run_id = f"{change.tenant_slug}/{package.id}/{script}/init-{workflow.uuid4()}"
                await workflow.execute_child_workflow(
                    ScriptRun.run,
                    ScriptRunInput(
                        tenant_id=change.tenant_id,
                        tenant_slug=change.tenant_slug,
                        package_id=package.id,
                        script=script,
                        input={"reason": "upgrade" if package.previous else "install"},
                        user_id=change.user_id,
                        user_level=INIT_LEVEL,
                        kind="init",
                        version=package.version,
                    ),
                    id=run_id,
                    search_attributes=search_attributes.run_attributes(
                        tenant=change.tenant_slug,
                        package=package.id,
                        action=script,
                        user=change.user_id,
                        kind="init",
                    ),
                )
                started.append(run_id)
        return started


def _cause(failure: BaseException) -> str:
    """The innermost message: the package error or the script's own error."""
    while failure.__cause__ is not None:
        failure = failure.__cause__
    return str(failure)


def change_workflow_id(tenant_slug: str, package: str) -> str:
    """The one workflow id of exclusive changes of `package` in a tenant (a run per change)."""
    return f"{tenant_slug}/{package}/package-change"


async def start_package_change(
    client: Client,
    change: PackageChange,
    *,
    task_queue: str,
    exclusive: bool = False,
    memo: Mapping[str, Any] | None = None,
) -> WorkflowHandle[Any, PackageInstallResult]:
    """Start a PackageInstall run (id `{tenant}/{package}/package-{op}/{uuid}`, or with
    `exclusive` `change_workflow_id(...)`: raises `WorkflowAlreadyStartedError` while another
    exclusive change of the package in the tenant is open; a closed one may run again)."""
    if change.op not in OPS:
        raise ValueError(f"unknown package operation {change.op!r}")
    workflow_id = (
        change_workflow_id(change.tenant_slug, change.package)
        if exclusive
        else f"{change.tenant_slug}/{change.package}/package-{change.op}/{uuid.uuid4()}"
    )
    return await client.start_workflow(
        PackageInstall.run,
        change,
        id=workflow_id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        memo=dict(memo) if memo else None,
        search_attributes=search_attributes.run_attributes(
            tenant=change.tenant_slug,
            package=change.package,
            action=f"package-{change.op}",
            user=change.user_id,
            kind="install",
        ),
    )
