"""The worker process: registers workflows and activities on the task queue and runs them.

Only this module registers things with Temporal. Each domain (scripts, flows, installs,
media, ...) contributes one *component*: a function that takes the `WorkerContext` and returns
the workflows and activities it needs. `COMPONENTS` lists them in one place. The worker runs
until `stop` is set, then lets running activities finish within the graceful-shutdown window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
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
from worker.component import Component, Registration, WorkerContext
from worker.entity_import import entity_import_component
from worker.flows import flows_component
from worker.installs import installs_component
from worker.media import media_component

GRACEFUL_SHUTDOWN = timedelta(seconds=5)
# A cancel reaches an activity with its next heartbeat flush, which the SDK otherwise delays
# up to 0.8 x the heartbeat timeout: FFmpeg must be gone within 2 s of a cancel.
HEARTBEAT_THROTTLE = timedelta(milliseconds=500)


def scripts_component(ctx: WorkerContext) -> Registration:
    activities = ScriptActivities(pool=ctx.pool, catalog=ctx.catalog, host_for=ctx.host_for)
    return Registration(workflows=[ScriptRun], activities=[activities.run_script])


COMPONENTS: Sequence[Component] = (
    scripts_component,
    media_component,
    flows_component,
    installs_component,
    entity_import_component,
)


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
            max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
            default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        )
        async with worker:
            if on_ready is not None:
                on_ready()
            await stop.wait()
