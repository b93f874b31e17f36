"""Running MediaJob in tests: a worker with the real workflow and activities on a fresh queue."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from engine.workflows.media_job import MediaJob, MediaJobInput, MediaJobResult
from worker.media_activities import MediaActivities
from worker.media_store import MemoryAssetStore

# Cancellation reaches an activity with its next heartbeat; the worker must flush them often.
HEARTBEAT_THROTTLE = timedelta(milliseconds=300)


@contextlib.asynccontextmanager
async def media_worker(
    client: Client, task_queue: str, media_root: Path, store: MemoryAssetStore
) -> AsyncIterator[Worker]:
    activities = MediaActivities(media_root=media_root, store=store, heartbeat_every_s=0.2)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[MediaJob],
        activities=activities.all(),
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        # After a worker dies, its sticky queue holds the next workflow task this long.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=2),
    )
    async with worker:
        yield worker


def job_input(tenant: str, source: str, **overrides: object) -> MediaJobInput:
    asset_id = f"a{uuid.uuid4().hex[:8]}"
    fields: dict[str, object] = {
        "tenant_id": tenant,
        "asset_id": asset_id,
        "job_id": f"j{uuid.uuid4().hex[:8]}",
        "source": source,
        "heights": [240, 144],
        "audio": ["aac"],
        **overrides,
    }
    return MediaJobInput(**fields)  # type: ignore[arg-type]


async def start_job(
    client: Client, task_queue: str, job: MediaJobInput
) -> WorkflowHandle[MediaJob, MediaJobResult]:
    return await client.start_workflow(
        MediaJob.run,
        job,
        id=f"{job.tenant_id}/media_center/MediaJob/{job.job_id}",
        task_queue=task_queue,
        execution_timeout=timedelta(minutes=5),
    )
