"""Brute force: repeated wrong passwords are slowed, then locked, as the policy says; the
answers are the same whether or not the account exists; the per-IP rate limit also bites."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.accounts.lockout import LockoutPolicy
from tests.auth.harness import PASSWORD, Harness, build, close, install, login, policy
from web.auth.config import RateLimits

CONFIGURED = LockoutPolicy(
    free_failures=3, base_delay_s=1, max_delay_s=60, lock_after=8, lock_s=600
)
# What an attacker who obeys every Retry-After sees over 20 wrong passwords: three free
# tries, then doubling waits (1, 2, 4, 8 s), then at the 8th failure a 600 s lock.
EXPECTED = [
    (401, None), (401, None), (401, None),
    (401, None), (429, "1"),
    (401, None), (429, "2"),
    (401, None), (429, "4"),
    (401, None), (429, "8"),
    (401, None), (429, "600"),
    (401, None), (429, "600"),
    (401, None), (429, "600"),
    (401, None), (429, "600"),
    (401, None),
]  # fmt: skip


@pytest.fixture
def guarded(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    for h in build(database_url, tmp_path / "data", auth_policy=policy(lockout=CONFIGURED)):
        h.tenant("acme")
        h.user("acme", "alice", "user")
        yield h


async def attack(h: Harness, username: str) -> list[tuple[int, str | None, dict[str, object]]]:
    transcript = []
    async with h.client() as client:
        for _ in range(20):
            response = await login(client, "acme", username, "wrong password!")
            retry = response.headers.get("retry-after")
            transcript.append((response.status_code, retry, response.json()))
            if retry:
                h.clock.advance(seconds=int(retry))
    return transcript


async def test_twenty_wrong_passwords_are_slowed_then_locked_as_configured(
    guarded: Harness,
) -> None:
    transcript = await attack(guarded, "alice")
    assert [(status, retry) for status, retry, _ in transcript] == EXPECTED
    async with guarded.client() as client:
        locked = await login(client, "acme", "alice")  # the right password, during the lock
        assert locked.status_code == 429
        assert locked.json()["error"] == "ACCOUNT_LOCKED"
        guarded.clock.advance(seconds=601)
        assert (await login(client, "acme", "alice")).status_code == 200


async def test_the_lockout_does_not_reveal_whether_the_account_exists(guarded: Harness) -> None:
    real = await attack(guarded, "alice")
    ghost = await attack(guarded, "nobody-by-this-name")
    assert ghost == real  # statuses, Retry-After and bodies alike


async def test_back_to_back_attempts_are_refused_without_a_password_check(
    guarded: Harness,
) -> None:
    async with guarded.client() as client:
        statuses = [
            (await login(client, "acme", "alice", "wrong password!")).status_code for _ in range(20)
        ]
    assert statuses == [401] * 4 + [429] * 16
    failures = guarded.accounts.store.audit.recent(100)
    assert sum(1 for row in failures if row["operation"] == "login_failed") == 4


async def test_a_success_clears_the_failure_count(guarded: Harness) -> None:
    async with guarded.client() as client:
        for _ in range(3):
            await login(client, "acme", "alice", "wrong password!")
        assert (await login(client, "acme", "alice")).status_code == 200
        for _ in range(3):
            assert (await login(client, "acme", "alice", "wrong password!")).status_code == 401


@pytest.fixture
def rate_limited(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    limits = RateLimits(login="5/minute", register="2/minute", reset="2/minute")
    for h in build(database_url, tmp_path / "data", rate_limits=limits):
        h.tenant("acme", allowSelfRegistration=True)
        h.user("acme", "alice", "user")
        yield h


async def test_login_is_rate_limited_per_client_ip(rate_limited: Harness) -> None:
    async with rate_limited.client(ip="10.1.1.1") as one, rate_limited.client(ip="10.2.2.2") as two:
        for _ in range(5):
            await login(one, "acme", "alice", "wrong password!")
        limited = await login(one, "acme", "alice", PASSWORD)
        assert limited.status_code == 429
        assert limited.json()["error"] == "RATE_LIMIT_EXCEEDED"
        assert int(limited.headers["retry-after"]) > 0
        assert (await login(two, "acme", "alice", PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/register", {"tenant": "acme", "username": "x", "password": "y"}),
        ("/api/v1/auth/password-reset/request", {"tenant": "acme", "login": "alice"}),
    ],
)
async def test_register_and_reset_are_rate_limited(
    rate_limited: Harness, path: str, body: dict[str, str]
) -> None:
    async with rate_limited.client() as client:
        statuses = [(await client.post(path, json=body)).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


@pytest.mark.redis
async def test_rate_limits_can_live_in_redis(database_url: str, tmp_path: Path) -> None:
    limits = RateLimits(login="3/minute")
    url = "redis://127.0.0.1:6379/0"
    for h in build(database_url, tmp_path / "data", rate_limits=limits, redis_url=url):
        h.tenant("acme")
        ip = "10." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])  # fresh key in Redis
        async with h.client(ip=ip) as client:
            statuses = [(await login(client, "acme", "alice")).status_code for _ in range(4)]
        await close(h)
        assert statuses == [401, 401, 401, 429]


@pytest.fixture
def action_limited(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    limits = RateLimits(actions="2/minute")
    for h in build(database_url, tmp_path / "data", rate_limits=limits):
        tenant = h.tenant("acme")
        install(h, tenant["id"], h.app.state.services.catalog.find("hello_world"))
        h.user("acme", "alice", "user")
        h.user("acme", "bob", "user")
        yield h


async def test_actions_are_rate_limited_per_user(action_limited: Harness) -> None:
    url = "/api/v1/acme/hello_world/actions/no_such_action"  # refused before Temporal
    async with action_limited.client() as alice, action_limited.client() as bob:
        await login(alice, "acme", "alice")
        await login(bob, "acme", "bob")
        statuses = [(await alice.post(url, json={})).status_code for _ in range(3)]
        assert statuses == [404, 404, 429]
        assert (await bob.post(url, json={})).status_code == 404  # same IP, another user


# Every endpoint that starts a durable run draws on the same per-caller budget; the answers
# before the limit vary (no such action, flow, run or package: refused before Temporal).
RUN_STARTS = [
    "/api/v1/acme/hello_world/actions/no_such_action",
    "/api/v1/acme/hello_world/flows/no_such_flow",
    "/api/v1/acme/hooks/no_such_flow",
    "/api/v1/acme/runs/acme/hello_world/increment/0000/retry",
    "/api/v1/acme/packages/no_such_package/install",
    "/api/v1/acme/hello_world/counter/0000/no_such_action",
]


@pytest.mark.parametrize("url", RUN_STARTS)
async def test_every_endpoint_that_starts_a_run_is_rate_limited(
    action_limited: Harness, url: str
) -> None:
    async with action_limited.client(ip=f"10.9.{uuid.uuid4().bytes[0]}.1") as alice:
        await login(alice, "acme", "alice")
        statuses = [(await alice.post(url, json={})).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429, statuses


async def test_run_starts_share_one_budget_and_reads_are_not_counted(
    action_limited: Harness,
) -> None:
    async with action_limited.client() as bob:
        await login(bob, "acme", "bob")
        for _ in range(5):
            assert (await bob.get("/api/v1/acme/runs")).status_code != 429
        assert (await bob.post(RUN_STARTS[0], json={})).status_code == 404
        assert (await bob.post(RUN_STARTS[2], json={})).status_code != 429
        assert (await bob.post(RUN_STARTS[1], json={})).status_code == 429
