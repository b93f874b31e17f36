"""How install hands work to the engine: cron schedules and init scripts.

The lifecycle calls these inside the install transaction, last, and undoes what it handed
over if the transaction then fails, so the engine never runs a schedule for a package that
is not installed. `MemorySchedules` is the in-process implementation (tests, benchmarks).
With Temporal the sinks stay unset: a network call inside the transaction would hold its
write lock, so Temporal is synced after the commit instead (engine.schedules, run by the
PackageInstall workflow, and reconciled at every start); init scripts are that workflow's
child runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from engine.packages.model import Package

__all__ = [
    "CronSchedule",
    "InitRequest",
    "InitScriptSink",
    "MemorySchedules",
    "ScheduleSink",
    "cron_schedules",
]


@dataclass(frozen=True)
class CronSchedule:
    tenant_id: str
    package_id: str
    version: str
    script: str
    cron: str
    timeout_s: float = 10.0
    paused: bool = False
    time_zone: str = "UTC"
    overlap: str = "skip"
    catchup_window_s: float = 60.0

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tenant_id, self.package_id, self.script)

    @property
    def schedule_id(self) -> str:
        return f"{self.tenant_id}/{self.package_id}/{self.script}"


def cron_schedules(tenant_id: str, package: Package, *, paused: bool = False) -> list[CronSchedule]:
    """The schedules the cron scripts of `package` ask for in a tenant."""
    return [
        CronSchedule(
            tenant_id,
            package.id,
            package.version,
            script.name,
            script.schedule,
            script.timeout_s,
            paused=paused,
            time_zone=script.time_zone,
            overlap=script.overlap,
            catchup_window_s=script.catchup_window_s,
        )
        for script in package.scripts
        if script.kind == "cron" and script.schedule
    ]


@dataclass(frozen=True)
class InitRequest:
    tenant_id: str
    package_id: str
    version: str
    script: str
    reason: Literal["install", "upgrade", "enable"] = "install"


class ScheduleSink(Protocol):
    def get(self, tenant_id: str, package_id: str, script: str) -> CronSchedule | None: ...

    def upsert(self, schedule: CronSchedule) -> None: ...

    def delete(self, tenant_id: str, package_id: str, script: str) -> None: ...

    def set_paused(self, tenant_id: str, package_id: str, script: str, paused: bool) -> None: ...


class InitScriptSink(Protocol):
    def submit(self, request: InitRequest) -> None: ...

    def withdraw(self, request: InitRequest) -> None: ...


@dataclass
class MemorySchedules:
    """Both sinks, in memory: the schedules by key and the queue of init requests."""

    schedules: dict[tuple[str, str, str], CronSchedule] = field(default_factory=dict)
    init_queue: list[InitRequest] = field(default_factory=list)

    def get(self, tenant_id: str, package_id: str, script: str) -> CronSchedule | None:
        return self.schedules.get((tenant_id, package_id, script))

    def upsert(self, schedule: CronSchedule) -> None:
        self.schedules[schedule.key] = schedule

    def delete(self, tenant_id: str, package_id: str, script: str) -> None:
        self.schedules.pop((tenant_id, package_id, script), None)

    def set_paused(self, tenant_id: str, package_id: str, script: str, paused: bool) -> None:
        key = (tenant_id, package_id, script)
        if key in self.schedules:
            self.schedules[key] = replace(self.schedules[key], paused=paused)

    def submit(self, request: InitRequest) -> None:
        self.init_queue.append(request)

    def withdraw(self, request: InitRequest) -> None:
        if request in self.init_queue:
            self.init_queue.remove(request)

    def for_tenant(self, tenant_id: str) -> list[CronSchedule]:
        return sorted(
            (s for s in self.schedules.values() if s.tenant_id == tenant_id), key=lambda s: s.key
        )
