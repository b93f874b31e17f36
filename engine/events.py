"""Entity change events: what happened to which record, for flows triggered by data.

Writers (the REST API, scripts) call the listeners on `WebServices.entity_listeners` after
their transaction commits; the flows layer registers one that starts the flows whose trigger
matches. A listener must not raise into the writer: it logs and carries on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

EntityOp = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class EntityChange:
    tenant_id: str
    tenant_slug: str
    package_id: str
    entity: str
    op: EntityOp
    record: dict[str, Any]
    user_id: str | None = None
    user_level: int = 0


EntityListener = Callable[[EntityChange], Awaitable[None]]
