"""Browser sessions: issue, resolve with idle and absolute expiry, rotate, revoke.

The client holds a random token; the server keeps only its SHA-256. A session expires
`idle_s` after its last use and `absolute_s` after creation, whichever comes first. Login
always issues a fresh token (a token planted before login is never promoted: no fixation);
a level change marks the user's sessions, which then get a new token on their next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dbal.accounts.sessions import Sessions
from dbal.ids import new_id
from dbal.types import Row
from engine.accounts.tokens import SESSION_PREFIX, new_token, token_hash


@dataclass(frozen=True)
class SessionPolicy:
    idle_s: float = 8 * 3600.0
    absolute_s: float = 7 * 86400.0
    touch_every_s: float = 60.0  # last-seen writes at most this often


@dataclass(frozen=True)
class IssuedSession:
    id: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class ActiveSession:
    id: str
    user_id: str
    username: str
    tenant_id: str
    expires_at: datetime
    new_token: str | None = None  # set when this request rotated the token


class SessionManager:
    def __init__(self, store: Sessions, policy: SessionPolicy) -> None:
        self._store = store
        self.policy = policy

    def issue(
        self, user_id: str, tenant_id: str, now: datetime, *, ip: str | None, user_agent: str | None
    ) -> IssuedSession:
        self.purge(now, user_id=user_id)  # the user's dead sessions go when a new one starts
        token = new_token(SESSION_PREFIX)
        expires_at = now + timedelta(seconds=self.policy.absolute_s)
        session_id = new_id()
        self._store.create(
            {
                "id": session_id,
                "token_hash": token_hash(token),
                "user_id": user_id,
                "tenant_id": tenant_id,
                "created_at": now,
                "expires_at": expires_at,
                "last_seen_at": now,
                "ip_address": (ip or None) and ip[:64],
                "user_agent": (user_agent or None) and user_agent[:512],
            }
        )
        return IssuedSession(session_id, token, expires_at)

    def resolve(self, token: str, now: datetime) -> ActiveSession | None:
        hashed = token_hash(token)
        row = self._store.find(hashed)
        if row is None:
            return None
        if self._expired(row, now) or not row["is_active"]:
            self._store.delete(row["id"])
            return None
        rotated: str | None = None
        if row["rotation_requested_at"] is not None:
            rotated = new_token(SESSION_PREFIX)
            if not self._store.rotate(row["id"], hashed, token_hash(rotated), now):
                return None  # a concurrent request rotated it first; this token is stale
        elif (now - row["last_seen_at"]).total_seconds() >= self.policy.touch_every_s:
            self._store.touch(row["id"], now)
        return ActiveSession(
            id=row["id"],
            user_id=row["user_id"],
            username=row["username"],
            tenant_id=row["tenant_id"],
            expires_at=row["expires_at"],
            new_token=rotated,
        )

    def _expired(self, row: Row, now: datetime) -> bool:
        if now >= row["expires_at"]:
            return True
        idle: float = (now - row["last_seen_at"]).total_seconds()
        return idle >= self.policy.idle_s

    def revoke(self, session_id: str, *, user_id: str | None = None) -> bool:
        return self._store.delete(session_id, user_id)

    def revoke_all(self, user_id: str, *, keep: str | None = None) -> int:
        return self._store.delete_for_user(user_id, keep=keep)

    def request_rotation(self, user_id: str, now: datetime) -> int:
        return self._store.request_rotation(user_id, now)

    def purge(self, now: datetime, *, user_id: str | None = None) -> int:
        """Delete expired sessions (all users unless `user_id`); for a periodic sweep too."""
        idle_before = now - timedelta(seconds=self.policy.idle_s)
        return self._store.purge_expired(now, idle_before=idle_before, user_id=user_id)

    def list(self, user_id: str, now: datetime) -> list[Row]:
        return [r for r in self._store.list_for_user(user_id) if not self._expired(r, now)]
