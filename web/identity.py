"""Who is asking: the identity every handler reads, whatever authenticated it.

The auth middleware (sessions, API tokens) puts an `Identity` in `scope["mb.identity"]`;
without one the caller is an anonymous visitor at level 0 (public).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

LEVEL_NAMES = ("Public", "User", "Moderator", "Admin", "God", "Supergod")
IDENTITY_KEY = "mb.identity"


@dataclass(frozen=True)
class Identity:
    user_id: str | None = None
    username: str | None = None
    level: int = 0
    tenant_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Identity()


def current_identity(conn: HTTPConnection) -> Identity:
    identity = conn.scope.get(IDENTITY_KEY)
    return identity if isinstance(identity, Identity) else ANONYMOUS


def level_name(level: int) -> str:
    return LEVEL_NAMES[level] if 0 <= level < len(LEVEL_NAMES) else str(level)
