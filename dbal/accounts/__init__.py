"""Repositories of the auth subsystem: users, credentials, memberships, sessions, API tokens,
login throttling, password resets and the auth audit trail.

These are the trusted path of authentication (which runs before any caller has a scope); the
rules -- who may grant which level, expiry, lockout -- live in `engine.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from dbal.accounts.api_tokens import ApiTokens
from dbal.accounts.audit import AuthAudit
from dbal.accounts.memberships import Memberships
from dbal.accounts.resets import PasswordResets
from dbal.accounts.sessions import Sessions
from dbal.accounts.throttle import LoginThrottle
from dbal.accounts.users import Users


@dataclass(frozen=True)
class AccountStore:
    users: Users
    memberships: Memberships
    sessions: Sessions
    api_tokens: ApiTokens
    throttle: LoginThrottle
    resets: PasswordResets
    audit: AuthAudit

    @classmethod
    def on(cls, engine: Engine) -> AccountStore:
        return cls(
            users=Users(engine),
            memberships=Memberships(engine),
            sessions=Sessions(engine),
            api_tokens=ApiTokens(engine),
            throttle=LoginThrottle(engine),
            resets=PasswordResets(engine),
            audit=AuthAudit(engine),
        )


__all__ = ["AccountStore"]
