"""Acceptance: kill -9 the worker while 50 actions and 10 flows are in flight, start a new
worker, and every run completes exactly once: one row per script run, no duplicates from
re-executed scripts. Half of the actions run their script as a local activity (a short
timeout; so do the script nodes of flows): the new worker runs them again when it picks up
the workflow task the dead worker held. The other half (a long timeout) run it as an
activity, which Temporal retries once its heartbeats stop.

The worker is a separate OS process (tests/engine/worker_process.py) in its own session,
so SIGKILL takes its sandbox children with it. Each script writes its row first and then
waits for a slow server, so at the moment of the kill some runs have committed their write
but not completed; the new worker runs those scripts again (the slow server counts the
second call) and the effects ledger answers their writes with the recorded rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta
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
from engine.workflows.flow_run import FlowRunInput
from engine.workflows.script_run import (
    LOCAL_MAX_S,
    ScriptRun,
    ScriptRunInput,
    ScriptRunResult,
)
from tests.engine.processes import Slow, WorkerProcess, until
from tests.packages.builders import write_package

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

RUNS = 50
FLOWS = 10
FLOW_N = 1000  # flow rows: n = FLOW_N + i (first node) and FLOW_N + 100 + i (second node)
ITEM = {
    "type": "object",
    "x-entity": "item",
    "x-acl": {"create": 1, "read": 0},
    "properties": {"n": {"type": "integer"}},
    "required": ["n"],
}
# write first, then wait ~0.1 s for a slow server: most of a run's life is "written, not
# completed" (and waiting costs no CPU on a loaded machine)
ADD = (
    "def main(ctx):\n"
    "    row = ctx.db.create('item', {'n': ctx.input['n']})\n"
    "    ctx.http.get(ctx.input['slow'] + str(ctx.input['n']))\n"
    "    return {'id': row['id'], 'n': ctx.input['n'], 'slow': ctx.input['slow']}\n"
)
AGAIN = (
    "def main(ctx):\n"
    "    n = ctx.input['n'] + 100\n"
    "    row = ctx.db.create('item', {'n': n})\n"
    "    ctx.http.get(ctx.input['slow'] + str(n))\n"
    "    return {'id': row['id'], 'n': n, 'slow': ctx.input['slow']}\n"
)
FLOW = {
    "id": "twice",
    "nodes": [
        {"id": "first", "type": "metabuilder.script", "parameters": {"script": "add"}},
        {"id": "second", "type": "metabuilder.script", "parameters": {"script": "again"}},
    ],
    "connections": {"first": {"main": [[{"node": "second", "type": "main", "index": 0}]]}},
}
TASK_TIMEOUT = timedelta(seconds=2)


async def test_kill_9_mid_flight_every_action_completes_exactly_once(
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    database_url: str,
    tmp_path: Path,
    task_queue: str,
    workers: list[WorkerProcess],
    slow_url: str,
) -> None:
    packages = tmp_path / "packages"
    write_package(
        packages,
        "killpkg",
        entities={"item": ITEM},
        scripts={
            "add": ({"name": "add", "kind": "action", "timeout": 2}, ADD),
            "again": ({"name": "again", "kind": "action", "timeout": 2}, AGAIN),
        },
    )
    db = Database.connect(database_url)
    db.upgrade()
    settings = {"scripts": {"httpAllowHosts": ["127.0.0.1"]}}
    tenant = db.tenants.create(Scope.system(), "kill", "Kill", settings)["id"]
    PackageManager(db, Catalog([packages])).install(tenant, "killpkg")
    table = db.schema.get("item", "killpkg").table

    def rows() -> list[Any]:
        with db.engine.connect() as conn:
            return list(conn.execute(select(table.c.id, table.c.n)).all())

    args = (temporal_server.target, task_queue, database_url, str(packages))
    workers.append(await WorkerProcess.start(*args))
    # A short workflow task timeout keeps the test quick: tasks the dead worker held come
    # back after it (production keeps Temporal's default of 10 s, which only delays them).
    started = await asyncio.gather(
        *(
            temporal_client.start_workflow(
                ScriptRun.run,
                ScriptRunInput(
                    tenant_id=tenant,
                    tenant_slug="kill",
                    package_id="killpkg",
                    script="add",
                    input={"n": n, "slow": slow_url},
                    user_id="u1",
                    user_level=1,
                    timeout_s=2 if n % 2 else 2 * LOCAL_MAX_S,  # local or remote activity
                ),
                id=f"kill/killpkg/add/{n}-{uuid.uuid4()}",
                task_queue=task_queue,
                task_timeout=TASK_TIMEOUT,
            )
            for n in range(RUNS)
        ),
        *(
            temporal_client.start_workflow(
                "FlowRun",
                FlowRunInput(
                    tenant_id=tenant,
                    tenant_slug="kill",
                    package_id="killpkg",
                    flow_id="twice",
                    definition=FLOW,
                    input={"n": FLOW_N + i, "slow": slow_url},
                    user_id="u1",
                    user_level=1,
                ),
                id=f"kill/killpkg/twice/{i}-{uuid.uuid4()}",
                task_queue=task_queue,
                task_timeout=TASK_TIMEOUT,
            )
            for i in range(FLOWS)
        ),
    )
    handles: list[WorkflowHandle[Any, ScriptRunResult]] = list(started[:RUNS])
    flows: list[WorkflowHandle[Any, Any]] = list(started[RUNS:])
    await until(lambda: sum(row.n < RUNS for row in rows()) >= 8, 60)
    await workers[0].kill()

    with Slow.lock:
        hits, answered = Counter(Slow.hits), Counter(Slow.answered)
    written = {row.n for row in rows()}
    # written but never answered: the kill hit these scripts between their write and their end
    interrupted = sorted(n for n in written if not answered[n])
    assert interrupted, f"the kill hit no script between its write and its end: {sorted(written)}"
    assert len(written) < RUNS + 2 * FLOWS

    workers.append(await WorkerProcess.start(*args))
    results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 90)
    outputs = await asyncio.wait_for(asyncio.gather(*(f.result() for f in flows)), 90)

    final = rows()
    expected = [
        *range(RUNS),
        *range(FLOW_N, FLOW_N + FLOWS),
        *range(FLOW_N + 100, FLOW_N + 100 + FLOWS),
    ]
    assert len(final) == RUNS + 2 * FLOWS  # exactly one row per script run, none lost
    assert sorted(row.n for row in final) == expected
    assert [o["output"]["n"] for o in outputs] == list(range(FLOW_N + 100, FLOW_N + 100 + FLOWS))
    by_n = {row.n: row.id for row in final}
    assert all(by_n[r.value["n"]] == r.value["id"] for r in results)  # the recorded rows
    # those scripts really ran again (another call to the slow server), yet wrote once
    assert all(Slow.hits[n] > hits[n] for n in interrupted), (hits, Slow.hits, interrupted)
    db.close()
