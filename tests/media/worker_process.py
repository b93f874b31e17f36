"""A MediaJob worker in its own process, so a test can kill it with SIGKILL mid-job.

python -m tests.media.worker_process TARGET TASK_QUEUE MEDIA_ROOT
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from temporalio.client import Client

from tests.media.jobs import media_worker
from worker.media_store import MemoryAssetStore


async def main(target: str, task_queue: str, media_root: Path) -> None:
    client = await Client.connect(target)
    async with media_worker(client, task_queue, media_root, MemoryAssetStore()):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
