"""Workflow runs as the runtime records them (one row per Temporal run), for run browsers.

Writes come from the engine and worker (any scope that may act in the run's tenant; normally
`Scope.system(tenant_id)`). Reads are scoped: admins (level 3+) see every run of their
tenant, other signed-in users only the runs they started, anonymous visitors none. Listing
is newest first with a keyset cursor on (started_at, workflow_id, run_id).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update

from dbal import jsoncodec, tables
from dbal.engine import read_tx, upsert_insert, write_tx
from dbal.errors import ForbiddenError, NotFoundError, ValidationError
from dbal.ids import utcnow
from dbal.scope import ADMIN, USER, Scope
from dbal.types import Row

runs = tables.runs
KINDS = ("script", "flow", "install", "media", "cron", "other")
STATUSES = ("running", "completed", "failed", "cancelled", "terminated", "timed_out")
MAX_LIMIT = 200


class Runs:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(
        self,
        scope: Scope,
        *,
        workflow_id: str,
        run_id: str,
        kind: str,
        tenant_id: str | None,
        package_id: str | None = None,
        name: str | None = None,
        user_id: str | None = None,
        input_ref: Any = None,
        started_at: datetime | None = None,
    ) -> Row:
        if tenant_id is not None:
            scope.require_tenant(tenant_id, ADMIN, "recording runs")
        elif not scope.is_system:
            raise ForbiddenError("only the system scope records tenantless runs")
        if kind not in KINDS:
            raise ValidationError.for_field("kind", f"one of {', '.join(KINDS)}")
        row = {
            "workflow_id": workflow_id,
            "run_id": run_id,
            "kind": kind,
            "status": "running",
            "tenant_id": tenant_id,
            "package_id": package_id,
            "name": name,
            "user_id": user_id,
            "input_ref": input_ref,
            "started_at": started_at or utcnow(),
        }
        stmt = upsert_insert(self._engine, runs).values(**row)
        stmt = stmt.on_conflict_do_nothing(index_elements=[runs.c.workflow_id, runs.c.run_id])
        with write_tx(self._engine, "record run") as conn:
            conn.execute(stmt)
        return row

    def finish(
        self,
        scope: Scope,
        workflow_id: str,
        run_id: str,
        *,
        status: str,
        result: Any = None,
        error: Any = None,
    ) -> None:
        if status not in STATUSES or status == "running":
            raise ValidationError.for_field("status", f"one of {', '.join(STATUSES[1:])}")
        key = and_(runs.c.workflow_id == workflow_id, runs.c.run_id == run_id)
        with write_tx(self._engine, "finish run") as conn:
            tenant = conn.execute(select(runs.c.tenant_id).where(key)).first()
            if tenant is None:
                raise NotFoundError(f"run {workflow_id!r}/{run_id!r} not found")
            if tenant[0] is not None:
                scope.require_tenant(tenant[0], ADMIN, "recording runs")
            elif not scope.is_system:
                raise ForbiddenError("only the system scope records tenantless runs")
            conn.execute(
                update(runs)
                .where(key)
                .values(status=status, result=result, error=error, finished_at=utcnow())
            )

    def get(self, scope: Scope, workflow_id: str, run_id: str | None = None) -> Row:
        """The newest run of `workflow_id` (or that exact run) visible to the scope."""
        query = select(runs).where(*self._visible(scope), runs.c.workflow_id == workflow_id)
        if run_id is not None:
            query = query.where(runs.c.run_id == run_id)
        query = query.order_by(runs.c.started_at.desc()).limit(1)
        with read_tx(self._engine, "read run") as conn:
            found = conn.execute(query).mappings().first()
        if found is None:
            raise NotFoundError(f"run {workflow_id!r} not found")
        return dict(found)

    def list(
        self,
        scope: Scope,
        *,
        status: str | None = None,
        kind: str | None = None,
        package_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError.for_field("limit", f"an integer 1..{MAX_LIMIT}")
        query = select(runs).where(*self._visible(scope))
        for column, value in (("status", status), ("kind", kind), ("package_id", package_id)):
            if value is not None:
                if not isinstance(value, str):
                    raise ValidationError.for_field(column, "must be a string")
                query = query.where(runs.c[column] == value)
        if cursor is not None:
            started, wid, rid = _decode(cursor)
            query = query.where(
                or_(
                    runs.c.started_at < started,
                    and_(
                        runs.c.started_at == started,
                        or_(
                            runs.c.workflow_id > wid,
                            and_(runs.c.workflow_id == wid, runs.c.run_id > rid),
                        ),
                    ),
                )
            )
        order = (runs.c.started_at.desc(), runs.c.workflow_id, runs.c.run_id)
        query = query.order_by(*order).limit(limit + 1)
        with read_tx(self._engine, "list runs") as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        next_cursor = _encode(rows[limit - 1]) if len(rows) > limit else None
        return {"items": rows[:limit], "next_cursor": next_cursor}

    @staticmethod
    def _visible(scope: Scope) -> Sequence[Any]:
        if scope.is_system:
            return [] if scope.tenant_id is None else [runs.c.tenant_id == scope.tenant_id]
        conditions: list[Any] = [runs.c.tenant_id == scope.tenant_id]
        if scope.level >= ADMIN:
            return conditions
        if scope.level < USER or scope.user_id is None:
            raise ForbiddenError("sign in to see runs")
        return [*conditions, runs.c.user_id == scope.user_id]


def _encode(row: Row) -> str:
    raw = jsoncodec.dumps([row["started_at"].isoformat(), row["workflow_id"], row["run_id"]])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: Any) -> tuple[datetime, str, str]:
    bad = ValidationError.for_field("cursor", "invalid cursor")
    if not isinstance(cursor, str) or len(cursor) > 2048:
        raise bad
    try:
        started, wid, rid = jsoncodec.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        return datetime.fromisoformat(started), str(wid), str(rid)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad from None
