"""Rate limits on login, register, password reset and the endpoints that start runs (the
`limits` library).

Counters live in Redis when a URL is configured (shared by every web replica), in process
otherwise. Keys: client IP for the auth endpoints; the user (or IP when anonymous) for the
endpoints that start durable runs, which share one budget (`RateLimits.actions`): actions,
entity actions, flow starts, webhooks, run retries and package changes (`RUN_STARTS`).
Over the limit the answer is 429 `RATE_LIMIT_EXCEEDED` with `Retry-After`.

When Redis cannot be reached the limits still hold, counted in this process until Redis
answers again (a warning is logged when that starts and when it ends): an outage of a cache
must neither open the login to guessing nor turn every login and action into a 500.
"""

from __future__ import annotations

import bisect
import logging
import math
import re
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from web.auth.config import RateLimits
from web.errors import error_response
from web.identity import IDENTITY_KEY, Identity

_SEGMENT = r"[^/]+"
RUN_STARTS = re.compile(
    "|".join(
        rf"(?:^/api/v1/{_SEGMENT}/{tail}/?$)"
        for tail in (
            rf"{_SEGMENT}/actions/{_SEGMENT}",  # POST .../{package}/actions/{action}
            rf"{_SEGMENT}/flows/{_SEGMENT}",  # POST .../{package}/flows/{flow}
            rf"hooks/{_SEGMENT}",  # POST .../hooks/{flow} (anonymous callers)
            r"runs/.+/retry",  # POST .../runs/{workflowId}/retry
            rf"packages/{_SEGMENT}/(?:install|enable|disable|uninstall)",
            rf"{_SEGMENT}/{_SEGMENT}/{_SEGMENT}/{_SEGMENT}",  # .../{pkg}/{entity}/{id}/{action}
        )
    )
)
log = logging.getLogger("metabuilder.auth")


class PacedMemoryStorage(MemoryStorage):
    """`limits`' in-process storage with a cheaper expiry sweep.

    The library sweeps every key after each hit and hands each key's search to a thread:
    with one key per client address that is O(keys) thread hand-offs per request, which
    took a quarter of the event loop under load. Counting never depends on the sweep (a hit
    checks its own window); the sweep only frees memory. So here it runs at most once per
    `SWEEP_INTERVAL_S`, in place on the loop (no await, so no hit interleaves with it).
    """

    SWEEP_INTERVAL_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the private hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL_S
            self.sweep()

    def sweep(self) -> None:
        now = time.time()
        for key, events in list(self.events.items()):
            live = bisect.bisect_left(events, -now, key=lambda event: -event.expiry)
            if live:
                del events[live:]
            else:
                self.events.pop(key, None)
                self.locks.pop(key, None)
        for key, expires in list(self.expirations.items()):
            if expires <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


class LimitStore:
    """The counters' storage, owned here so that its Redis connections can be closed."""

    def __init__(self, redis_url: str | None) -> None:
        self._pool: ConnectionPool | None = None
        if redis_url:
            self._pool = ConnectionPool.from_url(redis_url)
            self.storage: Storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix="mb-rl",
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        else:
            self.storage = PacedMemoryStorage()

    @property
    def shared(self) -> bool:
        return self._pool is not None

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: RateLimits, store: LimitStore) -> None:
        self.app = app
        self.enabled = limits.enabled
        self.exact: dict[str, tuple[str, RateLimitItem]] = {
            "/api/v1/auth/login": ("login", parse(limits.login)),
            "/api/v1/auth/register": ("register", parse(limits.register)),
            "/api/v1/auth/password-reset/request": ("reset", parse(limits.reset)),
            "/api/v1/auth/password-reset/confirm": ("reset", parse(limits.reset)),
        }
        self.actions = parse(limits.actions)
        self.limiter = MovingWindowRateLimiter(store.storage)
        # Used only while the shared store is unreachable.
        self.local = MovingWindowRateLimiter(PacedMemoryStorage()) if store.shared else None
        self.degraded = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        rule = self.exact.get(path.rstrip("/") or "/")
        if rule is not None:
            name, item = rule
            who = client_ip(scope)
        elif RUN_STARTS.match(path):
            name, item = "actions", self.actions
            identity = scope.get(IDENTITY_KEY)
            user = identity.user_id if isinstance(identity, Identity) else None
            who = f"user:{user}" if user else f"ip:{client_ip(scope)}"
        else:
            await self.app(scope, receive, send)
            return
        limiter = await self.counting(item, name, who)
        if limiter is not None:
            stats = await limiter.get_window_stats(item, name, who)
            retry = max(1, math.ceil(stats.reset_time - time.time()))
            response = error_response(
                429,
                f"Too many requests; try again in {retry} seconds.",
                details={"retryAfter": retry},
            )
            response.headers["retry-after"] = str(retry)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def counting(
        self, item: RateLimitItem, name: str, who: str
    ) -> MovingWindowRateLimiter | None:
        """Count one hit; the limiter that refused it, or None when it is allowed."""
        limiter = self.limiter
        try:
            allowed = await limiter.hit(item, name, who)
        except (RedisError, OSError) as exc:
            if self.local is None:
                raise
            if not self.degraded:
                log.warning("rate limits counted in this process: Redis unreachable (%s)", exc)
                self.degraded = True
            limiter = self.local
            allowed = await limiter.hit(item, name, who)
        else:
            if self.degraded:
                log.warning("rate limits shared through Redis again")
                self.degraded = False
        return None if allowed else limiter
