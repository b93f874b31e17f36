"""Account lockout with backoff, keyed by (tenant, username) whether or not the account exists.

After `free_failures` failures in a row each further failure imposes a wait that doubles
(`base_delay_s`, 2x, 4x... capped at `max_delay_s`); at `lock_after` failures the key is locked
for `lock_s`. While a wait or lock runs, attempts are refused without checking the password
(and do not count). A success clears the key; failures older than `forget_after_s` are
forgotten. Because the key is derived from what the client typed, an unknown username is
slowed and locked exactly like a real one: the answers never reveal whether it exists.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from dbal.accounts.throttle import LoginThrottle
from engine.accounts.errors import AccountLocked


@dataclass(frozen=True)
class LockoutPolicy:
    free_failures: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0
    lock_after: int = 10
    lock_s: float = 900.0
    forget_after_s: float = 86400.0


def login_key(tenant: str, username: str) -> str:
    raw = f"{tenant.strip().lower()}\x00{username.strip().lower()}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class Lockout:
    def __init__(self, store: LoginThrottle, policy: LockoutPolicy) -> None:
        self._store = store
        self.policy = policy

    def check(self, key: str, now: datetime) -> None:
        row = self._store.get(key)
        if row is None or row["locked_until"] is None:
            return
        remaining = (row["locked_until"] - now).total_seconds()
        if remaining > 0:
            raise AccountLocked(max(1, math.ceil(remaining)))

    def failure(self, key: str, now: datetime) -> int:
        """Count a failure; returns the seconds until the next attempt is allowed (0 = now)."""
        p = self.policy
        row = self._store.get(key)
        failures = 1
        if row is not None and (now - row["last_failure_at"]).total_seconds() < p.forget_after_s:
            failures = int(row["failures"]) + 1
        wait = 0.0
        if failures >= p.lock_after:
            wait = p.lock_s
        elif failures > p.free_failures:
            wait = min(p.base_delay_s * 2 ** (failures - p.free_failures - 1), p.max_delay_s)
        until = now + timedelta(seconds=wait) if wait else None
        self._store.put(key, failures, now, until)
        return math.ceil(wait)

    def purge(self, now: datetime) -> int:
        forget_before = now - timedelta(seconds=self.policy.forget_after_s)
        return self._store.purge(forget_before, now)

    def success(self, key: str) -> None:
        self._store.clear(key)
