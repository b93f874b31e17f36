"""The accounts service: login, logout, registration, passwords, levels, sessions, API tokens.

One `Accounts` per process, built from the database and an `AuthPolicy`; the web layer calls
it from a thread pool. Every rule of issue 6 that is not HTTP lives here, and every outcome
that matters (login success and failure, logout, level changes, tokens) is audited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dbal.accounts import AccountStore
from dbal.database import Database
from dbal.errors import ConflictError
from dbal.ids import new_id, utcnow
from dbal.tenants import Tenants
from dbal.types import Row
from engine.accounts.delivery import LogDelivery, ResetDelivery
from engine.accounts.errors import (
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    NotFound,
    PermissionDenied,
    RegistrationClosed,
    UsernameTaken,
)
from engine.accounts.levels import (
    PUBLIC,
    USER,
    check_level_change,
    effective_level,
    role_level,
    role_name,
)
from engine.accounts.lockout import Lockout, LockoutPolicy, login_key
from engine.accounts.password_policy import PasswordPolicy
from engine.accounts.passwords import HashingParams, Passwords
from engine.accounts.principal import Principal
from engine.accounts.sessions import IssuedSession, SessionManager, SessionPolicy
from engine.accounts.tokens import API_TOKEN_PREFIX, RESET_PREFIX, new_token, token_hash

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
SELF_REGISTRATION = "allowSelfRegistration"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class AuthPolicy:
    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)
    hashing: HashingParams = field(default_factory=HashingParams)
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    reset_ttl_s: float = 3600.0


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    session: IssuedSession
    upgraded_legacy_hash: bool = False


class Accounts:
    def __init__(
        self,
        store: AccountStore,
        tenants: Tenants,
        policy: AuthPolicy | None = None,
        *,
        clock: Clock = utcnow,
        delivery: ResetDelivery | None = None,
    ) -> None:
        self.store = store
        self.tenants = tenants
        self.policy = policy or AuthPolicy()
        self.clock = clock
        self.delivery: ResetDelivery = delivery or LogDelivery()
        self.passwords = Passwords(self.policy.hashing)
        self.sessions = SessionManager(store.sessions, self.policy.sessions)
        self.lockout = Lockout(store.throttle, self.policy.lockout)

    @classmethod
    def for_database(
        cls,
        db: Database,
        policy: AuthPolicy | None = None,
        *,
        clock: Clock = utcnow,
        delivery: ResetDelivery | None = None,
    ) -> Accounts:
        return cls(AccountStore.on(db.engine), db.tenants, policy, clock=clock, delivery=delivery)

    # -- authentication ---------------------------------------------------------------------

    def login(
        self,
        tenant_slug: str,
        username: str,
        password: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        replacing_token: str | None = None,
    ) -> LoginResult:
        now = self.clock()
        key = login_key(tenant_slug, username)
        self.lockout.check(key, now)
        tenant = self.tenants.get_by_slug(tenant_slug) if tenant_slug else None
        user = self.store.users.get_by_username(username) if tenant and username else None
        stored = self.store.users.password_hash(user["id"]) if user and user["is_active"] else None
        verdict = self.passwords.verify(stored, password or "")
        level: int | None = None
        if verdict.ok and user is not None and tenant is not None:
            level = effective_level(self.store.memberships.list_for_user(user["id"]), tenant["id"])
        if not verdict.ok or level is None or user is None or tenant is None:
            wait_s = self.lockout.failure(key, now)
            self.store.audit.record(
                "login_failed",
                tenant_id=tenant["id"] if tenant else None,
                user_id=user["id"] if user else None,
                subject=username,
                details={"ip": ip, "tenant": tenant_slug, "wait_s": wait_s},
            )
            raise InvalidCredentials()
        self.lockout.success(key)
        upgraded = False
        if verdict.needs_rehash and stored is not None:
            upgraded = self.store.users.replace_password_hash(
                user["id"], stored, self.passwords.hash(password)
            )
        if replacing_token:
            # whatever session the client held before, it ends here: no fixation
            old = self.store.sessions.find(token_hash(replacing_token))
            if old is not None:
                self.sessions.revoke(old["id"])
        issued = self.sessions.issue(user["id"], tenant["id"], now, ip=ip, user_agent=user_agent)
        self.store.audit.record(
            "login",
            tenant_id=tenant["id"],
            user_id=user["id"],
            level=level,
            subject=user["username"],
            details={"ip": ip, "legacyHashUpgraded": upgraded} if upgraded else {"ip": ip},
        )
        principal = Principal(
            user_id=user["id"],
            username=user["username"],
            tenant_id=tenant["id"],
            level=level,
            member=True,
            method="session",
            session_id=issued.id,
            session_expires_at=issued.expires_at,
        )
        return LoginResult(principal, issued, upgraded)

    def logout(self, principal: Principal) -> None:
        if principal.session_id is None:
            return
        self.sessions.revoke(principal.session_id)
        self.store.audit.record(
            "logout",
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            level=principal.level,
            subject=principal.username,
        )

    def authenticate_session(self, token: str, tenant_id: str | None) -> Principal | None:
        """The session's user as seen by `tenant_id` (None: the tenant it was issued for)."""
        active = self.sessions.resolve(token, self.clock())
        if active is None:
            return None
        target = tenant_id or active.tenant_id
        level = effective_level(self.store.memberships.list_for_user(active.user_id), target)
        return Principal(
            user_id=active.user_id,
            username=active.username,
            tenant_id=target,
            level=level if level is not None else PUBLIC,
            member=level is not None,
            method="session",
            session_id=active.id,
            session_expires_at=active.expires_at,
            new_session_token=active.new_token,
        )

    def authenticate_token(self, token: str, tenant_id: str | None) -> Principal | None:
        """An API token acts only in its own tenant, at most at its `max_level`."""
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        row = self.store.api_tokens.find(token_hash(token))
        now = self.clock()
        if row is None or row["revoked_at"] is not None or not row["is_active"]:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= now:
            return None
        target = tenant_id or row["tenant_id"]
        level: int | None = None
        if target == row["tenant_id"]:
            level = effective_level(self.store.memberships.list_for_user(row["user_id"]), target)
            if level is not None and row["max_level"] is not None:
                level = min(level, int(row["max_level"]))
        last = row["last_used_at"]
        if last is None or (now - last).total_seconds() >= self.policy.sessions.touch_every_s:
            self.store.api_tokens.touch(row["id"], now)
        return Principal(
            user_id=row["user_id"],
            username=row["username"],
            tenant_id=target,
            level=level if level is not None else PUBLIC,
            member=level is not None,
            method="token",
            token_id=row["id"],
        )

    # -- registration and passwords ---------------------------------------------------------

    def register(
        self,
        tenant_slug: str,
        username: str,
        password: str,
        *,
        email: str | None = None,
        display_name: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> LoginResult:
        tenant = self.tenants.get_by_slug(tenant_slug) if tenant_slug else None
        if tenant is None or (tenant.get("settings") or {}).get(SELF_REGISTRATION) is not True:
            raise RegistrationClosed()
        user = self._new_user(username, password, email=email, display_name=display_name)
        self.store.memberships.put(user["id"], tenant["id"], role_name(USER), USER)
        self.store.audit.record(
            "register",
            tenant_id=tenant["id"],
            user_id=user["id"],
            level=USER,
            subject=user["username"],
            details={"ip": ip},
        )
        return self.login(tenant_slug, username, password, ip=ip, user_agent=user_agent)

    def create_user(
        self,
        tenant_slug: str,
        username: str,
        password: str,
        role: str | int,
        *,
        actor: Principal | None = None,
        email: str | None = None,
        display_name: str | None = None,
    ) -> Row:
        """Create a user with a role in a tenant; `actor=None` is the operator (CLI)."""
        tenant = self._tenant(tenant_slug)
        level = role_level(role)
        if actor is not None:
            check_level_change(
                actor_id=actor.user_id,
                actor_level=self._actor_level(actor, tenant["id"]),
                target_id="",
                current_level=None,
                new_level=level,
            )
        user = self._new_user(username, password, email=email, display_name=display_name)
        self.store.memberships.put(user["id"], tenant["id"], role_name(level), level)
        self.store.audit.record(
            "level_change",
            tenant_id=tenant["id"],
            user_id=actor.user_id if actor else None,
            level=actor.level if actor else None,
            subject=user["id"],
            details={"username": user["username"], "from": None, "to": level, "created": True},
        )
        return {**user, "tenant": tenant["slug"], "role": role_name(level), "level": level}

    def set_level(
        self, tenant_slug: str, username: str, role: str | int, *, actor: Principal | None
    ) -> Row:
        tenant = self._tenant(tenant_slug)
        user = self.store.users.get_by_username(username)
        if user is None:
            raise NotFound(f"No user {username!r}.")
        level = role_level(role)
        current = self.store.memberships.get(user["id"], tenant["id"])
        current_level = int(current["level"]) if current else None
        if actor is not None:
            check_level_change(
                actor_id=actor.user_id,
                actor_level=self._actor_level(actor, tenant["id"]),
                target_id=user["id"],
                current_level=current_level,
                new_level=level,
            )
        self.store.memberships.put(user["id"], tenant["id"], role_name(level), level)
        if current_level != level:
            self.sessions.request_rotation(user["id"], self.clock())
        self.store.audit.record(
            "level_change",
            tenant_id=tenant["id"],
            user_id=actor.user_id if actor else None,
            level=actor.level if actor else None,
            subject=user["id"],
            details={"username": user["username"], "from": current_level, "to": level},
        )
        return {"username": user["username"], "tenant": tenant["slug"], "level": level}

    def change_password(
        self,
        principal: Principal,
        current: str,
        new: str,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> IssuedSession:
        """Check the current password, store the new one, end every session, open a fresh one."""
        stored = self.store.users.password_hash(principal.user_id)
        if not self.passwords.verify(stored, current or "").ok:
            raise InvalidCredentials("The current password is wrong.")
        self.policy.passwords.check(new, username=principal.username)
        self.store.users.set_password_hash(principal.user_id, self.passwords.hash(new))
        self.sessions.revoke_all(principal.user_id)
        self.store.audit.record(
            "password_change",
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            level=principal.level,
            subject=principal.username,
            details={"ip": ip},
        )
        return self.sessions.issue(
            principal.user_id, principal.tenant_id, self.clock(), ip=ip, user_agent=user_agent
        )

    def request_reset(self, tenant_slug: str, login: str) -> None:
        """Send a reset token if such a member exists; the caller learns nothing either way."""
        tenant = self.tenants.get_by_slug(tenant_slug) if tenant_slug else None
        if tenant is None or not login:
            return
        user = (
            self.store.users.get_by_email(login)
            if "@" in login
            else self.store.users.get_by_username(login)
        )
        if user is None or not user["is_active"]:
            return
        memberships = self.store.memberships.list_for_user(user["id"])
        if effective_level(memberships, tenant["id"]) is None:
            return
        now = self.clock()
        token = new_token(RESET_PREFIX)
        expires_at = now + timedelta(seconds=self.policy.reset_ttl_s)
        self.store.resets.create(
            {
                "token_hash": token_hash(token),
                "user_id": user["id"],
                "tenant_id": tenant["id"],
                "created_at": now,
                "expires_at": expires_at,
            }
        )
        self.delivery.send(user=user, tenant=tenant, token=token, expires_at=expires_at)

    def confirm_reset(self, token: str, new: str) -> None:
        if not token or not token.startswith(RESET_PREFIX):
            raise InvalidToken()
        hashed = token_hash(token)
        now = self.clock()
        row = self.store.resets.consume(hashed, now)
        if row is None:
            raise InvalidToken()
        user = self.store.users.get(row["user_id"])
        if user is None:
            raise InvalidToken()
        self.policy.passwords.check(new, username=user["username"])
        self.store.users.set_password_hash(user["id"], self.passwords.hash(new))
        self.sessions.revoke_all(user["id"])
        self.lockout.success(login_key(self._slug(row["tenant_id"]), user["username"]))
        self.store.audit.record(
            "password_reset", tenant_id=row["tenant_id"], user_id=user["id"], subject=user["id"]
        )

    # -- own sessions and API tokens --------------------------------------------------------

    def list_sessions(self, principal: Principal) -> list[Row]:
        rows = self.sessions.list(principal.user_id, self.clock())
        return [{**r, "current": r["id"] == principal.session_id} for r in rows]

    def revoke_session(self, principal: Principal, session_id: str) -> None:
        if not self.sessions.revoke(session_id, user_id=principal.user_id):
            raise NotFound("No such session.")

    def create_api_token(
        self,
        principal: Principal,
        name: str,
        *,
        max_level: int | None = None,
        expires_in_days: int | None = None,
    ) -> tuple[str, Row]:
        if principal.method != "session":
            raise PermissionDenied("API tokens are created from a signed-in browser session.")
        if not principal.member or principal.level < USER:
            raise PermissionDenied("You are not a member of this tenant.")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise InvalidInput("name", "a name of 1..100 characters")
        if max_level is not None:
            if isinstance(max_level, bool) or not isinstance(max_level, int):
                raise InvalidInput("maxLevel", "a level 0..5")
            if not PUBLIC <= max_level <= principal.level:
                raise InvalidInput("maxLevel", f"a level 0..{principal.level} (at most your own)")
        if expires_in_days is not None and (
            isinstance(expires_in_days, bool)
            or not isinstance(expires_in_days, int)
            or not 1 <= expires_in_days <= 3650
        ):
            raise InvalidInput("expiresInDays", "a number of days 1..3650")
        now = self.clock()
        token = new_token(API_TOKEN_PREFIX)
        row: Row = {
            "id": new_id(),
            "token_hash": token_hash(token),
            "user_id": principal.user_id,
            "tenant_id": principal.tenant_id,
            "name": name.strip(),
            "max_level": max_level,
            "created_at": now,
            "expires_at": now + timedelta(days=expires_in_days) if expires_in_days else None,
            "last_used_at": None,
            "revoked_at": None,
        }
        self.store.api_tokens.create(row)
        self.store.audit.record(
            "token_create",
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            level=principal.level,
            subject=row["id"],
            details={"name": row["name"], "maxLevel": max_level},
        )
        del row["token_hash"]
        return token, row

    def list_api_tokens(self, principal: Principal) -> list[Row]:
        return self.store.api_tokens.list_for_user(principal.user_id)

    def revoke_api_token(self, principal: Principal, token_id: str) -> None:
        if not self.store.api_tokens.revoke(token_id, principal.user_id, self.clock()):
            raise NotFound("No such active API token.")
        self.store.audit.record(
            "token_revoke",
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            level=principal.level,
            subject=token_id,
        )

    def me(self, principal: Principal) -> dict[str, Any]:
        user = self.store.users.get(principal.user_id) or {}
        memberships = self.store.memberships.list_for_user(principal.user_id)
        return {
            "id": principal.user_id,
            "username": principal.username,
            "email": user.get("email"),
            "displayName": user.get("display_name"),
            "tenant": self._slug(principal.tenant_id),
            "level": principal.level,
            "role": role_name(principal.level) if principal.member else None,
            "member": principal.member,
            "authMethod": principal.method,
            "memberships": [
                {"tenant": m["slug"], "role": m["role"], "level": m["level"]} for m in memberships
            ],
        }

    def sweep(self) -> dict[str, int]:
        """Delete what can never be used again: dead sessions, stale throttle keys, spent
        reset tokens. Cheap and idempotent; run it periodically (any process may)."""
        now = self.clock()
        return {
            "sessions": self.sessions.purge(now),
            "throttle": self.lockout.purge(now),
            "resets": self.store.resets.purge(now),
        }

    # -- helpers ------------------------------------------------------------------------------

    def tenant_id_for(self, slug: str) -> str | None:
        row = self.tenants.get_by_slug(slug)
        return str(row["id"]) if row else None

    def _tenant(self, slug: str) -> Row:
        tenant = self.tenants.get_by_slug(slug)
        if tenant is None:
            raise NotFound(f"No tenant {slug!r}.")
        return tenant

    def _slug(self, tenant_id: str) -> str:
        row = self.tenants.get(tenant_id)
        return str(row["slug"]) if row else ""

    def _actor_level(self, actor: Principal, tenant_id: str) -> int:
        if actor.tenant_id == tenant_id and actor.member:
            return actor.level
        level = effective_level(self.store.memberships.list_for_user(actor.user_id), tenant_id)
        return level if level is not None else PUBLIC

    def _new_user(
        self, username: str, password: str, *, email: str | None, display_name: str | None
    ) -> Row:
        if not isinstance(username, str) or not USERNAME.match(username):
            raise InvalidInput(
                "username", "3..64 letters, digits, '.', '_' or '-', starting with a letter/digit"
            )
        if email is not None and (not isinstance(email, str) or not EMAIL.match(email)):
            raise InvalidInput("email", "an email address like name@example.org")
        if display_name is not None and (
            not isinstance(display_name, str) or len(display_name) > 200
        ):
            raise InvalidInput("displayName", "at most 200 characters")
        self.policy.passwords.check(password, username=username)
        if self.store.users.get_by_username(username) is not None:
            raise UsernameTaken()
        try:
            return self.store.users.create(
                username,
                password_hash=self.passwords.hash(password),
                email=email,
                display_name=display_name,
            )
        except ConflictError as exc:
            raise UsernameTaken() from exc
