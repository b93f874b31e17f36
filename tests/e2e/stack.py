"""`metabuilder up` as a real subprocess on free ports, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fixtures.ports import free_port

METABUILDER = str(Path(sys.executable).parent / "metabuilder")


@dataclass
class Ports:
    web: int = field(default_factory=free_port)
    temporal: int = field(default_factory=free_port)
    ui: int = field(default_factory=free_port)


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (read from /proc, children of children included)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


class EmbeddedStack:
    def __init__(self, data_dir: Path, *, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.ports = Ports()
        self.process: subprocess.Popen[str] | None = None
        self.log = data_dir.parent / f"{data_dir.name}-up.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.ports.temporal}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("METABUILDER_")}
        env["METABUILDER_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["METABUILDER_DATABASE_URL"] = self.database_url
        return env

    def command(self) -> list[str]:
        return [
            METABUILDER,
            "up",
            "--port", str(self.ports.web),
            "--temporal-port", str(self.ports.temporal),
            "--temporal-ui-port", str(self.ports.ui),
        ]  # fmt: skip

    def start(self, timeout_s: float = 60.0) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.env(), stdout=log, stderr=subprocess.STDOUT, text=True
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"metabuilder up exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"not ready within {timeout_s}s:\n{self.log.read_text()}")

    def stop(self, timeout_s: float = 10.0) -> tuple[int, set[int]]:
        """SIGTERM; returns the exit code and the processes still alive after `timeout_s`."""
        assert self.process is not None
        tree = descendants(self.process.pid)
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            code = -1
        deadline = time.monotonic() + max(0.5, timeout_s)
        while time.monotonic() < deadline and any(alive(p) for p in tree):
            time.sleep(0.1)
        return code, {p for p in tree if alive(p)}

    def kill(self) -> None:
        if self.process is None:
            return
        for pid in descendants(self.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.kill()
        self.process.wait()
