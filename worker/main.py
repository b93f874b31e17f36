"""The worker process: registers workflows and activities on the task queue and runs them.

Only this module registers things with Temporal. It runs until `stop` is set, then lets running
activities finish within the graceful-shutdown window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from engine.packages import Catalog
from engine.workflows.script_run import ScriptRun
from scripts_runtime.sandbox import SandboxPool
from worker.activities import HostFactory, ScriptActivities

GRACEFUL_SHUTDOWN = timedelta(seconds=5)


async def run_worker(
    client: Client,
    *,
    task_queue: str,
    catalog: Catalog,
    host_for: HostFactory,
    stop: asyncio.Event,
    pool_size: int = 2,
    on_ready: Callable[[], None] | None = None,
) -> None:
    async with SandboxPool(size=pool_size) as pool:
        script_activities = ScriptActivities(pool=pool, catalog=catalog, host_for=host_for)
        worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[ScriptRun],
            activities=[script_activities.run_script],
            graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        )
        async with worker:
            if on_ready is not None:
                on_ready()
            await stop.wait()
