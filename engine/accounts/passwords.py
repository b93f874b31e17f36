"""Password hashing: argon2id (argon2-cffi), plus the original project's legacy hashes.

The original stored unsalted SHA-512 hex digests. `verify` accepts one once and reports
`needs_rehash`, so the caller replaces it with an argon2id hash on that successful login.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

LEGACY_SHA512 = re.compile(r"^[0-9a-fA-F]{128}$")


@dataclass(frozen=True)
class HashingParams:
    """argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False
    legacy: bool = False


class Passwords:
    def __init__(self, params: HashingParams | None = None) -> None:
        p = params or HashingParams()
        self._hasher = PasswordHasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_cost_kib,
            parallelism=p.parallelism,
            type=Type.ID,
        )
        self._decoy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> Verification:
        if stored is None:
            self._burn(password)
            return Verification(ok=False)
        if stored.startswith("$argon2"):
            try:
                self._hasher.verify(stored, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return Verification(ok=False)
            return Verification(ok=True, needs_rehash=self._hasher.check_needs_rehash(stored))
        if LEGACY_SHA512.match(stored):
            digest = hashlib.sha512(password.encode("utf-8")).hexdigest()
            self._burn(password)  # as slow as a real verification
            ok = hmac.compare_digest(digest, stored.lower())
            return Verification(ok=ok, needs_rehash=ok, legacy=True)
        self._burn(password)
        return Verification(ok=False)

    def _burn(self, password: str) -> None:
        """Spend one verification's time, so that timing does not tell a missing user apart."""
        if self._decoy is None:
            self._decoy = self._hasher.hash("metabuilder-decoy-password")
        with contextlib.suppress(VerificationError):
            self._hasher.verify(self._decoy, password)


def is_argon2id(stored: str) -> bool:
    return stored.startswith("$argon2id$")


def legacy_sha512(password: str) -> str:
    """The original project's hash format (for import tools and tests)."""
    return hashlib.sha512(password.encode("utf-8")).hexdigest()
