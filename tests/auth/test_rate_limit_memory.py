"""The in-process rate-limit storage: counting is exact, hits never hop to threads, and
expired windows are freed by a paced sweep."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from limits import parse
from limits.aio.strategies import MovingWindowRateLimiter

from web.auth.ratelimit import PacedMemoryStorage


async def test_a_window_counts_exactly_per_key() -> None:
    limiter = MovingWindowRateLimiter(PacedMemoryStorage())
    item = parse("3/minute")
    assert [await limiter.hit(item, "login", "a") for _ in range(4)] == [True, True, True, False]
    assert await limiter.hit(item, "login", "b")


async def test_hits_from_many_clients_never_hand_work_to_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("a rate-limit hit went to a thread")

    monkeypatch.setattr(asyncio, "to_thread", refuse)
    storage = PacedMemoryStorage()
    storage.SWEEP_INTERVAL_S = 0.0  # sweep on every hit: the worst case
    limiter = MovingWindowRateLimiter(storage)
    item = parse("5/minute")
    for n in range(2000):
        assert await limiter.hit(item, "actions", f"ip:{n}")
    assert len(storage.events) == 2000


async def test_expired_windows_are_freed_by_the_next_sweep() -> None:
    storage = PacedMemoryStorage()
    storage.SWEEP_INTERVAL_S = 0.0
    limiter = MovingWindowRateLimiter(storage)
    item = parse("2/second")
    for n in range(50):
        await limiter.hit(item, "actions", f"ip:{n}")
    assert len(storage.events) == 50
    await asyncio.sleep(1.1)
    await limiter.hit(item, "actions", "ip:late")
    (only,) = storage.events
    assert "ip:late" in only
    assert len(storage.locks) <= 1


async def test_the_sweep_is_paced(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = PacedMemoryStorage()
    sweeps: list[float] = []
    original = storage.sweep
    monkeypatch.setattr(storage, "sweep", lambda: (sweeps.append(time.monotonic()), original()))
    limiter = MovingWindowRateLimiter(storage)
    item = parse("1000/minute")
    for n in range(200):
        await limiter.hit(item, "actions", f"ip:{n}")
    assert len(sweeps) == 1
