"""The operator commands the deployments run: `metabuilder worker --health-port` (the probes
of a worker) and `metabuilder temporal setup` (the setup Job), against a real Temporal server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from engine import search_attributes
from engine.cli.worker_health import WorkerHealth
from engine.temporal_server import TemporalDevServer
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.temporal

METABUILDER = str(Path(sys.executable).parent / "metabuilder")


def cli_env(tmp_path: Path, temporal: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("METABUILDER_")}
    env["METABUILDER_DATA_DIR"] = str(tmp_path / "var")
    if temporal is not None:
        env["METABUILDER_TEMPORAL_ADDRESS"] = temporal
    return env


# ---- worker readiness -------------------------------------------------------------------


@workflow.defn(name="OpsNoop")
class Noop:
    @workflow.run
    async def run(self) -> None:
        return None


@pytest.mark.parametrize(
    ("state", "checks", "status"),
    [
        ("polling", {"worker": "polling", "temporal": "ok"}, 200),
        ("not-started", {"worker": "starting"}, 503),
        ("stopping", {"worker": "stopping"}, 503),
        ("not-polling", {"worker": "not polling", "temporal": "ok"}, 503),
        ("temporal-down", {"worker": "started", "temporal": "unavailable"}, 503),
    ],
)
async def test_a_worker_is_ready_only_while_temporal_lists_it_polling(
    temporal_client: Client, task_queue: str, state: str, checks: dict[str, str], status: int
) -> None:
    client = temporal_client
    if state == "temporal-down":
        client = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    stop = asyncio.Event()
    health = WorkerHealth(client, task_queue, stop)
    if state != "not-started":
        health.mark_started()
    if state == "stopping":
        stop.set()
    async with contextlib.AsyncExitStack() as stack:
        if state == "polling":
            await stack.enter_async_context(
                Worker(temporal_client, task_queue=task_queue, workflows=[Noop],
                       workflow_runner=UnsandboxedWorkflowRunner())
            )  # fmt: skip
        transport = httpx.ASGITransport(app=health.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://worker") as http:
            ready = await until_settled(http, status)
            alive = await http.get("/healthz")
    assert alive.status_code == 200, "liveness holds whatever readiness says"
    assert (ready.status_code, ready.json()["checks"]) == (status, checks)
    assert ready.json()["taskQueue"] == task_queue


async def until_settled(http: httpx.AsyncClient, status: int) -> httpx.Response:
    """/readyz, asked again for a few seconds while it differs from `status` (a worker's
    first poll reaches Temporal a moment after the worker starts)."""
    deadline = time.monotonic() + 10
    while True:
        answer = await http.get("/readyz")
        if answer.status_code == status or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.2)


async def test_a_worker_process_serves_its_probes_and_stops_cleanly(
    temporal_server: TemporalDevServer, temporal_client: Client, tmp_path: Path
) -> None:
    port, queue = free_port(), f"ops-{secrets.token_hex(4)}"
    process = await asyncio.create_subprocess_exec(
        METABUILDER, "worker", "--health-port", str(port), "--task-queue", queue,
        env=cli_env(tmp_path, temporal_server.target),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        ready = await wait_ready(process, f"http://127.0.0.1:{port}/readyz")
        assert ready["taskQueue"] == queue
        # Ready means polling: Temporal lists this process on the queue it was given.
        described = await temporal_client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace="default",
                task_queue=TaskQueue(name=queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        assert any(p.identity.startswith(f"{process.pid}@") for p in described.pollers)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, output.decode(errors="replace")


async def wait_ready(process: asyncio.subprocess.Process, url: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=5) as http:
        while time.monotonic() < deadline:
            assert process.returncode is None, "the worker exited"
            try:
                answer = await http.get(url)
                if answer.status_code == 200:
                    body: dict[str, object] = answer.json()
                    return body
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} never answered 200")


def test_a_health_port_that_is_taken_stops_the_worker_in_one_line(tmp_path: Path) -> None:
    with socket_on_loopback() as port:
        done = subprocess.run(
            [METABUILDER, "worker", "--health-port", str(port)],
            env=cli_env(tmp_path, f"127.0.0.1:{free_port()}"),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2
    assert "worker health" in done.stderr and len(done.stderr.strip().splitlines()) == 1


@contextlib.contextmanager
def socket_on_loopback() -> Iterator[int]:
    """A listening socket on a free loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


# ---- temporal setup ----------------------------------------------------------------------


def setup(tmp_path: Path, temporal: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [METABUILDER, "temporal", "setup", *args],
        env=cli_env(tmp_path, temporal),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def test_temporal_setup_registers_a_missing_namespace_and_the_search_attributes(
    temporal_server: TemporalDevServer, tmp_path: Path
) -> None:
    namespace = f"mb-setup-{secrets.token_hex(4)}"
    args = ("--namespace", namespace, "--wait", "60")
    first = await asyncio.to_thread(setup, tmp_path, temporal_server.target, *args)
    second = await asyncio.to_thread(setup, tmp_path, temporal_server.target, *args)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert f"namespace '{namespace}' registered" in first.stdout
    assert f"namespace '{namespace}' found" in second.stdout, "a second run changes nothing"
    client = await Client.connect(temporal_server.target, namespace=namespace)
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    assert {key.name for key in search_attributes.ALL_KEYS} <= set(listed.custom_attributes)


@pytest.mark.parametrize(
    ("temporal", "args", "message"),
    [
        (None, (), "METABUILDER_TEMPORAL_ADDRESS is not set"),
        ("closed", ("--wait", "0"), "unreachable"),
    ],
    ids=["no-address", "unreachable"],
)
def test_temporal_setup_failures_are_one_line(
    tmp_path: Path, temporal: str | None, args: tuple[str, ...], message: str
) -> None:
    address = f"127.0.0.1:{free_port()}" if temporal == "closed" else None
    done = setup(tmp_path, address, *args)
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
