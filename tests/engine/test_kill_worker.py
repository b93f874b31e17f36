"""Acceptance: kill -9 the worker while 50 actions are in flight, start a new worker, and
every run completes exactly once: one row per run, no duplicates from retried activities.

The worker is a separate OS process (tests/engine/worker_process.py) in its own session,
so SIGKILL takes its sandbox children with it. Each action writes its row first and then
computes for a while, so at the moment of the kill some runs have committed their write
but not completed their activity; Temporal retries those activities on the new worker,
the scripts run again, and the effects ledger answers their writes with the recorded rows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import Client, WorkflowHandle

from dbal.database import Database
from dbal.scope import Scope
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.temporal_server import TemporalDevServer
from engine.workflows.script_run import ScriptRun, ScriptRunInput, ScriptRunResult
from tests.packages.builders import write_package

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

RUNS = 50
ITEM = {
    "type": "object",
    "x-entity": "item",
    "x-acl": {"create": 1, "read": 0},
    "properties": {"n": {"type": "integer"}},
    "required": ["n"],
}
# write first, then ~50 ms of CPU (more on a loaded machine): most of a run's life is
# "written, not completed"
ADD = (
    "def main(ctx):\n"
    "    row = ctx.db.create('item', {'n': ctx.input['n']})\n"
    "    x = 0\n"
    "    for i in range(1500000):\n"
    "        x += i\n"
    "    return {'id': row['id'], 'n': ctx.input['n']}\n"
)
ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, *args: str) -> WorkerProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.engine.worker_process",
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: the sandbox children die with it
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.strip() == b"ready", line
        return cls(proc)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()


@pytest.fixture
async def workers() -> AsyncIterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        await worker.kill()


async def until(check: Callable[[], bool], timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_kill_9_mid_flight_every_action_completes_exactly_once(
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    database_url: str,
    tmp_path: Path,
    task_queue: str,
    workers: list[WorkerProcess],
) -> None:
    packages = tmp_path / "packages"
    write_package(
        packages,
        "killpkg",
        entities={"item": ITEM},
        scripts={"add": ({"name": "add", "kind": "action", "timeout": 2}, ADD)},
    )
    db = Database.connect(database_url)
    db.upgrade()
    tenant = db.tenants.create(Scope.system(), "kill", "Kill")["id"]
    PackageManager(db, Catalog([packages])).install(tenant, "killpkg")
    table = db.schema.get("item", "killpkg").table

    def rows() -> list[Any]:
        with db.engine.connect() as conn:
            return list(conn.execute(select(table.c.id, table.c.n)).all())

    args = (temporal_server.target, task_queue, database_url, str(packages))
    workers.append(await WorkerProcess.start(*args))
    handles: list[WorkflowHandle[Any, ScriptRunResult]] = []
    for n in range(RUNS):
        params = ScriptRunInput(
            tenant_id=tenant,
            tenant_slug="kill",
            package_id="killpkg",
            script="add",
            input={"n": n},
            user_id="u1",
            user_level=1,
            timeout_s=2,
        )
        handles.append(
            await temporal_client.start_workflow(
                ScriptRun.run,
                params,
                id=f"kill/killpkg/add/{n}-{uuid.uuid4()}",
                task_queue=task_queue,
            )
        )
    await until(lambda: len(rows()) >= 8, 60)
    await workers[0].kill()

    written = {row.n for row in rows()}
    interrupted = []  # the write committed, the activity never reported back
    for n in sorted(written):
        history = await handles[n].fetch_history()
        if not any(e.HasField("activity_task_completed_event_attributes") for e in history.events):
            interrupted.append(n)
    assert interrupted, "the kill hit no run between its write and its completion"
    assert len(written) < RUNS

    workers.append(await WorkerProcess.start(*args))
    results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 90)

    final = rows()
    assert len(final) == RUNS  # exactly one row per run: no duplicates, none lost
    assert sorted(row.n for row in final) == list(range(RUNS))
    by_n = {row.n: row.id for row in final}
    assert all(by_n[r.value["n"]] == r.value["id"] for r in results)  # the recorded rows
    retried = []
    for n in interrupted:
        history = await handles[n].fetch_history()
        attempts = [
            e.activity_task_started_event_attributes.attempt
            for e in history.events
            if e.HasField("activity_task_started_event_attributes")
        ]
        retried.append(max(attempts))
    assert all(a >= 2 for a in retried), retried  # those activities really ran again
    db.close()
