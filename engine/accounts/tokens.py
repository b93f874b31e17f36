"""Random bearer secrets (session, API and reset tokens) and the hash they are stored under.

Tokens carry 256 bits from `secrets`, so one SHA-256 is enough to store them: there is nothing
to brute-force, and lookups stay a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets

SESSION_PREFIX = "mbs_"
API_TOKEN_PREFIX = "mbt_"  # noqa: S105 (a prefix, not a secret)
RESET_PREFIX = "mbr_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
