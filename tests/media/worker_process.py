"""The real worker (`worker.main.run_worker`, every registered component) in its own process,
so a test can kill it with SIGKILL mid-job.

python -m tests.media.worker_process TARGET TASK_QUEUE DATABASE_URL DATA_DIR
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from temporalio.client import Client

from dbal.database import Database
from engine.cli.services import build_catalog
from engine.config import load_settings
from worker.main import run_worker
from worker.script_host import host_factory


async def main(target: str, task_queue: str, database_url: str, data_dir: Path) -> None:
    client = await Client.connect(target)
    db = Database.connect(database_url)
    catalog = build_catalog(load_settings({}, data_dir=data_dir))
    await run_worker(
        client,
        task_queue=task_queue,
        catalog=catalog,
        host_for=host_factory(db),
        stop=asyncio.Event(),
        db=db,
        data_dir=data_dir,
        pool_size=1,
        on_ready=lambda: print("ready", flush=True),
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
