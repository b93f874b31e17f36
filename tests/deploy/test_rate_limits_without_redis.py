"""Rate limits through a Redis outage: still enforced (counted in the process), never a 500,
and shared through Redis again once it is back. A real redis-server, stopped and restarted.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.auth.harness import Harness, build, close, login
from tests.fixtures.ports import free_port
from web.auth.config import RateLimits

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server missing"),
]


class RedisServer:
    """A private redis-server on a fixed loopback port that can be stopped and started."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis(port=self.port).ping():
                    return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    instance = RedisServer(free_port(), tmp_path)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def harness(server: RedisServer, tmp_path: Path) -> Iterator[Harness]:
    url = f"sqlite:///{tmp_path / 'mb.db'}"
    limits = RateLimits(login="3/minute")
    redis_url = f"redis://127.0.0.1:{server.port}/0"
    for h in build(url, tmp_path / "data", rate_limits=limits, redis_url=redis_url):
        h.tenant("acme")
        yield h


async def test_the_login_limit_holds_through_a_redis_outage(
    harness: Harness, server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with harness.client(ip="10.9.8.7") as client:

        async def attempts(n: int) -> list[int]:
            return [(await login(client, "acme", "nobody")).status_code for _ in range(n)]

        shared = await attempts(1)
        server.stop()
        during = await attempts(4)
        server.start()  # a fresh Redis: the shared count starts again
        after = await attempts(2)
    await close(harness)
    assert shared == [401]
    assert during == [401, 401, 401, 429], "counted in the process while Redis is away"
    assert after == [401, 401], "shared again, in the new Redis"
    warnings = [r.getMessage() for r in caplog.records if r.name == "metabuilder.auth"]
    assert [w.split(":")[0] for w in warnings] == [
        "rate limits counted in this process",
        "rate limits shared through Redis again",
    ]
