"""The real MetaBuilder worker in its own process, so a test can kill it with SIGKILL.

python -m tests.engine.worker_process TARGET TASK_QUEUE DATABASE_URL PACKAGES_DIR

It registers every worker component (`worker.main.COMPONENTS`), prints "ready" once it
polls the task queue, and runs until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from temporalio.client import Client

from dbal.database import Database
from engine.packages import Catalog
from worker.main import run_worker
from worker.script_host import host_factory


async def main(target: str, task_queue: str, database_url: str, packages: Path) -> None:
    client = await Client.connect(target)
    db = Database.connect(database_url)
    db.upgrade()
    await run_worker(
        client,
        task_queue=task_queue,
        catalog=Catalog([packages]),
        host_for=host_factory(db),
        stop=asyncio.Event(),
        db=db,
        pool_size=4,
        on_ready=lambda: print("ready", flush=True),
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
