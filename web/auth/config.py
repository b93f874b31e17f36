"""What the web auth layer is configured with: the accounts policy, rate limits, cookies."""

from __future__ import annotations

from dataclasses import dataclass, field

from dbal.ids import utcnow
from engine.accounts.delivery import ResetDelivery
from engine.accounts.service import AuthPolicy, Clock


@dataclass(frozen=True)
class RateLimits:
    """`limits` strings per client IP (actions: per user when signed in)."""

    login: str = "10/minute"
    register: str = "5/minute"
    reset: str = "5/minute"
    actions: str = "120/minute"
    enabled: bool = True


@dataclass(frozen=True)
class AuthConfig:
    policy: AuthPolicy = field(default_factory=AuthPolicy)
    rate_limits: RateLimits = field(default_factory=RateLimits)
    redis_url: str | None = None  # rate limit counters shared through Redis when set
    secure_cookies: bool = False  # always mark cookies Secure (behind a TLS proxy)
    clock: Clock = utcnow  # a seam for expiry tests
    delivery: ResetDelivery | None = None  # None: reset tokens go to the log
