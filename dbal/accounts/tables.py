"""The account tables the auth subsystem adds to the core schema (same `MetaData`).

Core `users`, `credentials`, `sessions` and `memberships` live in `dbal.tables`; these hold what
only authentication needs: API tokens, login throttling state, password-reset tokens and the
pending session rotations a level change requests. Every secret is stored as a SHA-256 hash.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from dbal.tables import ID, metadata
from dbal.types import UTCDateTime

HASH = 64  # SHA-256 hex

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("token_hash", String(HASH), nullable=False, unique=True),
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column(
        "tenant_id",
        String(ID),
        ForeignKey("tenants.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(100), nullable=False),
    Column("max_level", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index("ix_api_tokens_user_id", "user_id"),
)

# One row per throttled login key (a hash of tenant + normalised username, whether or not
# such an account exists, so that lockout reveals nothing).
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(HASH), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("token_hash", String(HASH), primary_key=True),
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("tenant_id", String(ID), ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index("ix_password_resets_user_id", "user_id"),
)

# A session listed here gets a new token on its next request (its level changed).
session_rotations = Table(
    "session_rotations",
    metadata,
    Column(
        "session_id",
        String(ID),
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("requested_at", UTCDateTime, nullable=False),
)
