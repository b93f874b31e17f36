"""Worker processes a test can SIGKILL, and a slow HTTP server that counts script calls.

    from tests.engine.processes import Slow, WorkerProcess, until
    # the fixtures `slow_url` and `workers` come through tests/engine/conftest.py

`WorkerProcess.start(target, task_queue, database_url, packages_dir)` runs
tests/engine/worker_process.py (the real worker, every component) in its own session;
`kill()` sends SIGKILL to the whole group, sandbox children included. Scripts can call
`slow_url + str(n)` (allow-list 127.0.0.1 in the tenant's settings) to wait 0.1 s; `Slow`
counts calls and answers per `n`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Slow(BaseHTTPRequestHandler):
    """Answers after 0.1 s; counts the calls and the answers per `?n=` (one call per
    execution of a script)."""

    hits: Counter[int] = Counter()
    answered: Counter[int] = Counter()
    lock = threading.Lock()

    def do_GET(self) -> None:
        n = int(self.path.rpartition("=")[2])
        with Slow.lock:
            Slow.hits[n] += 1
        time.sleep(0.1)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")
        with Slow.lock:
            Slow.answered[n] += 1

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def slow_url() -> Iterator[str]:
    Slow.hits.clear()
    Slow.answered.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/wait?n="
    server.shutdown()
    server.server_close()


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
