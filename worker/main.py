"""The worker process: registers workflows and activities on the task queue and runs them.

Only this module registers things with Temporal. Each domain (scripts, flows, installs,
media, ...) contributes one *component*: a function that takes the `WorkerContext` and returns
the workflows and activities it needs. `COMPONENTS` lists them in one place. The worker runs
until `stop` is set, then lets running activities finish within the graceful-shutdown window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from dbal.database import Database
from engine.packages import Catalog
from engine.workflows.script_run import ScriptRun
from scripts_runtime.sandbox import SandboxPool
from worker.activities import HostFactory, ScriptActivities

GRACEFUL_SHUTDOWN = timedelta(seconds=5)


@dataclass
class WorkerContext:
    """What a component may use to build its activities."""

    client: Client
    task_queue: str
    catalog: Catalog
    host_for: HostFactory
    pool: SandboxPool
    db: Database | None = None
    data_dir: Path | None = None


@dataclass
class Registration:
    workflows: list[type] = field(default_factory=list)
    activities: list[Callable[..., Any]] = field(default_factory=list)


Component = Callable[[WorkerContext], Registration]


def scripts_component(ctx: WorkerContext) -> Registration:
    activities = ScriptActivities(pool=ctx.pool, catalog=ctx.catalog, host_for=ctx.host_for)
    return Registration(workflows=[ScriptRun], activities=[activities.run_script])


COMPONENTS: Sequence[Component] = (scripts_component,)


async def run_worker(
    client: Client,
    *,
    task_queue: str,
    catalog: Catalog,
    host_for: HostFactory,
    stop: asyncio.Event,
    db: Database | None = None,
    data_dir: Path | None = None,
    pool_size: int = 2,
    on_ready: Callable[[], None] | None = None,
) -> None:
    async with SandboxPool(size=pool_size) as pool:
        ctx = WorkerContext(
            client=client,
            task_queue=task_queue,
            catalog=catalog,
            host_for=host_for,
            pool=pool,
            db=db,
            data_dir=data_dir,
        )
        workflows: list[type] = []
        activities: list[Callable[..., Any]] = []
        for component in COMPONENTS:
            registration = component(ctx)
            workflows.extend(registration.workflows)
            activities.extend(registration.activities)
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=workflows,
            activities=activities,
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        )
        async with worker:
            if on_ready is not None:
                on_ready()
            await stop.wait()
