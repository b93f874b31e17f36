"""Who an authenticated request is, relative to the tenant it addresses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

AuthMethod = Literal["session", "token"]


@dataclass(frozen=True)
class Principal:
    user_id: str
    username: str
    tenant_id: str  # the tenant `level` is for
    level: int  # 0 when the user may not act in that tenant
    member: bool  # False: authenticated, but no role in (and no god+ reach into) the tenant
    method: AuthMethod
    session_id: str | None = None
    session_expires_at: datetime | None = None
    token_id: str | None = None
    new_session_token: str | None = None  # this request rotated the session token
