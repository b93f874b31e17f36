"""Benchmark of the action path against one embedded stack: HTTP round trips, the raw
Temporal SDK floor, and a 40-step flow.

    .venv/bin/python bench/actions.py [--requests 160] [--database-url URL]

The stack is the real `metabuilder up` code (engine.cli.stack.run_embedded_stack: Temporal
dev server, worker with its sandbox pool, web app over uvicorn) in a child process on free
ports, with a bench package installed in the `default` tenant. This process only generates
load:

    (a) http     POST /api/v1/default/bench_actions/actions/add (a script that inserts one
                 row) at concurrency 1, 8 and 32: p50/p95 latency and requests per second;
    (b) raw      the same ScriptRun (start workflow + one run_script activity, same script,
                 same database, eager start) through the temporalio SDK with a worker in
                 this process: the floor without HTTP, dispatch and the web app;
    (c) flow40   a FlowRun of 40 sequential script nodes of ~10 ms CPU each, end to end.

Goals: `http_over_raw_p50` <= 1.5 and `flow40_s` <= 2.0. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from dbal.database import Database  # noqa: E402
from dbal.scope import Scope  # noqa: E402
from engine.cli.stack import run_embedded_stack  # noqa: E402
from engine.config import builtin_packages_dir, load_settings, prepare_data_dir  # noqa: E402
from engine.packages import Catalog  # noqa: E402
from engine.packages.lifecycle import PackageManager  # noqa: E402
from engine.workflows.flow_run import FlowRunInput  # noqa: E402
from engine.workflows.script_run import ScriptRun, ScriptRunInput  # noqa: E402
from scripts_runtime.sandbox import SandboxPool  # noqa: E402
from worker.activities import ScriptActivities  # noqa: E402
from worker.script_host import host_factory  # noqa: E402

PACKAGE = "bench_actions"
TENANT = "default"
FLOW_STEPS = 40
ADD = "def main(ctx):\n    return ctx.db.create('hit', {'n': ctx.input.get('n', 0)})['id']\n"
# ~10 ms of CPU in the sandbox on an idle core
WORK = (
    "def main(ctx):\n"
    "    x = 0\n"
    "    for i in range(400000):\n"
    "        x += i\n"
    "    data = ctx.input if isinstance(ctx.input, dict) else {}\n"
    "    return {'step': data.get('step', 0) + 1}\n"
)
HIT = {
    "type": "object",
    "x-entity": "hit",
    "x-acl": {"create": 0, "read": 0},
    "properties": {"n": {"type": "integer"}},
}


def write_bench_package(root: Path) -> Path:
    path = root / PACKAGE
    files = {
        "package.json": {
            "id": PACKAGE,
            "name": "Bench actions",
            "version": "1.0.0",
            "description": "bench/actions.py: one row per action, a CPU step for flows",
            "minLevel": 0,
            "primary": False,
            "dependencies": {},
        },
        "entities/hit.json": HIT,
        "scripts/add.json": {"name": "add", "kind": "action", "timeout": 5},
        "scripts/work.json": {"name": "work", "kind": "action", "timeout": 5},
    }
    for rel, doc in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(json.dumps(doc))
    (path / "scripts/add.py").write_text(ADD)
    (path / "scripts/work.py").write_text(WORK)
    return path


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < 65000:  # the dev server also takes port + 10 and + 11
            return port


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def load(
    call: Callable[[int], Awaitable[None]], total: int, concurrency: int, offset: int = 0
) -> tuple[list[float], float]:
    """Run `call(n)` `total` times on `concurrency` lanes; per-call ms and calls per second."""
    latencies: list[float] = []
    counter = iter(range(offset + 1, offset + 1 + total))

    async def lane() -> None:
        for n in counter:
            started = time.perf_counter()
            await call(n)
            latencies.append((time.perf_counter() - started) * 1000.0)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return latencies, total / (time.perf_counter() - started)


# -- the stack (child process) ---------------------------------------------------------------


def serve(config: dict[str, Any]) -> None:
    settings = load_settings(data_dir=Path(config["data_dir"]))
    settings = replace(
        settings,
        database_url=config["database_url"],
        web_port=config["web_port"],
        temporal_port=config["temporal_port"],
        temporal_ui_port=config["ui_port"],
        packages_dirs=(builtin_packages_dir(), Path(config["packages"])),
    )
    asyncio.run(run_embedded_stack(prepare_data_dir(settings)))


def read(log: Path) -> str:
    return log.read_text()


async def start_stack(config: dict[str, Any], log: Path) -> asyncio.subprocess.Process:
    with log.open("w") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--serve", json.dumps(config),
            stdout=out, stderr=out, cwd=ROOT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{config['web_port']}/readyz"
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if proc.returncode is not None:
                raise SystemExit(f"the stack exited:\n{read(log)}")
            try:
                if (await client.get(url, timeout=1.0)).status_code == 200:
                    return proc
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"the stack did not become ready:\n{read(log)}")


# -- measurements ----------------------------------------------------------------------------


async def measure_http(base: str, requests: int) -> dict[int, tuple[list[float], float]]:
    url = f"{base}/api/v1/{TENANT}/{PACKAGE}/actions/add"
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    # an API client (a script, not a browser): it keeps no cookies, so CSRF does not apply
    no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(limits=limits, timeout=30.0, cookies=no_cookies) as client:

        async def call(n: int) -> None:
            # many clients, as in production: each request from its own address, so the
            # per-client action rate limit (120/minute) counts but never stops the bench
            client_ip = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            response = await client.post(
                url, json={"input": {"n": n}}, headers={"X-Forwarded-For": client_ip}
            )
            body = response.json()
            if response.status_code != 200 or body.get("status") != "completed":
                raise SystemExit(f"action failed: {response.status_code} {body}")

        await load(call, 30, 4, offset=200 << 16)  # warm-up: connections, sandbox children
        results: dict[int, tuple[list[float], float]] = {}
        for c in (1, 8, 32):
            results[c] = await load(call, requests * max(1, c // 4), c, offset=len(results) << 16)
        return results


async def measure_raw(
    client: Client, db: Database, catalog: Catalog, tenant_id: str, requests: int
) -> dict[int, tuple[list[float], float]]:
    task_queue = f"bench-raw-{uuid.uuid4()}"
    async with SandboxPool(size=2) as pool:
        activities = ScriptActivities(pool=pool, catalog=catalog, host_for=host_factory(db))
        async with Worker(
            client, task_queue=task_queue, workflows=[ScriptRun], activities=[activities.run_script]
        ):

            async def call(n: int) -> None:
                params = ScriptRunInput(
                    tenant_id=tenant_id, tenant_slug=TENANT, package_id=PACKAGE,
                    script="add", input={"n": n}, timeout_s=5,
                )  # fmt: skip
                await client.execute_workflow(
                    ScriptRun.run,
                    params,
                    id=f"{TENANT}/{PACKAGE}/add/{uuid.uuid4()}",
                    task_queue=task_queue,
                    request_eager_start=True,
                )

            await load(call, 30, 4)
            return {c: await load(call, requests * max(1, c // 4), c) for c in (1, 8)}


def flow40() -> dict[str, Any]:
    nodes = [
        {"id": f"s{i}", "type": "metabuilder.script", "parameters": {"script": "work"}}
        for i in range(FLOW_STEPS)
    ]
    connections = {
        f"s{i}": {"main": [[{"node": f"s{i + 1}", "type": "main", "index": 0}]]}
        for i in range(FLOW_STEPS - 1)
    }
    return {"id": "flow40", "nodes": nodes, "connections": connections}


async def measure_flow(client: Client, tenant_id: str, task_queue: str, rounds: int) -> list[float]:
    seconds = []
    for _ in range(rounds + 1):  # the first round warms the worker
        params = FlowRunInput(
            tenant_id=tenant_id, tenant_slug=TENANT, package_id=PACKAGE, flow_id="flow40",
            definition=flow40(), input={"step": 0},
        )  # fmt: skip
        started = time.perf_counter()
        result = await client.execute_workflow(
            "FlowRun", params, id=f"{TENANT}/{PACKAGE}/flow40/{uuid.uuid4()}", task_queue=task_queue
        )
        seconds.append(time.perf_counter() - started)
        if (result.get("output") or {}).get("step") != FLOW_STEPS:
            raise SystemExit(f"flow40 ended with {result}")
    return seconds[1:]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=160, help="requests per lane group")
    parser.add_argument("--flow-rounds", type=int, default=3)
    parser.add_argument("--database-url", help="default: SQLite in a temporary data dir")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mb-bench-actions-") as scratch:
        work = Path(scratch)
        packages = work / "packages"
        write_bench_package(packages)
        database_url = options.database_url or f"sqlite:///{work / 'metabuilder.db'}"
        catalog = Catalog([builtin_packages_dir(), packages])
        db = Database.connect(database_url)
        db.upgrade()
        found = db.tenants.get_by_slug(TENANT)
        tenant_id = (found or db.tenants.create(Scope.system(), TENANT, "Default"))["id"]
        if PACKAGE not in PackageManager(db, catalog).installed(tenant_id):
            PackageManager(db, catalog).install(tenant_id, PACKAGE)
        config = {
            "data_dir": str(work / "var"),
            "database_url": database_url,
            "web_port": free_port(),
            "temporal_port": free_port(),
            "ui_port": free_port(),
            "packages": str(packages),
        }
        stack = await start_stack(config, work / "stack.log")
        try:
            client = await Client.connect(f"127.0.0.1:{config['temporal_port']}")
            http = await measure_http(f"http://127.0.0.1:{config['web_port']}", options.requests)
            raw = await measure_raw(client, db, catalog, tenant_id, options.requests)
            flows = await measure_flow(client, tenant_id, "metabuilder", options.flow_rounds)
        finally:
            stack.terminate()
            await stack.wait()
            db.close()

    http_p50 = statistics.median(http[1][0])
    raw_p50 = statistics.median(raw[1][0])
    figures: dict[str, Any] = {
        "bench": "actions",
        "http_p50_ms": round(http_p50, 2),
        "http_p95_ms": round(percentile(http[1][0], 0.95), 2),
        "http_rps_c1": round(http[1][1], 1),
        "http_rps_c8": round(http[8][1], 1),
        "http_rps_c32": round(http[32][1], 1),
        "raw_p50_ms": round(raw_p50, 2),
        "raw_wfps_c8": round(raw[8][1], 1),
        "http_over_raw_p50": round(http_p50 / raw_p50, 3),
        "flow40_s": round(statistics.median(flows), 3),
    }
    rows = [
        ("cpus / load average (1 min)", f"{os.cpu_count()} / {os.getloadavg()[0]:.2f}"),
        ("database", database_url.split(":", 1)[0]),
    ]
    for c in (1, 8, 32):
        lat, rps = http[c]
        rows.append((f"http c={c} p50 / p95", f"{statistics.median(lat):.2f} / "
                     f"{percentile(lat, 0.95):.2f} ms, {rps:.1f} req/s"))  # fmt: skip
    for c in (1, 8):
        lat, rps = raw[c]
        rows.append((f"raw SDK c={c} p50 / p95", f"{statistics.median(lat):.2f} / "
                     f"{percentile(lat, 0.95):.2f} ms, {rps:.1f} wf/s"))  # fmt: skip
    rows.append(("http p50 / raw p50 (goal <= 1.5)", f"{figures['http_over_raw_p50']:.3f}"))
    rows.append((f"flow of {FLOW_STEPS} script steps (goal <= 2.0 s)",
                 " / ".join(f"{s:.3f}" for s in flows) + " s"))  # fmt: skip
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(json.loads(sys.argv[2]))
    else:
        asyncio.run(main())
