"""Run records: written by the runtime, read by admins (all) and users (their own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dbal.database import Database
from dbal.errors import ForbiddenError, NotFoundError, ValidationError
from dbal.scope import Scope


def test_runs_are_recorded_and_scoped(database: Database) -> None:
    a = database.tenants.create(Scope.system(), "a", "A")["id"]
    b = database.tenants.create(Scope.system(), "b", "B")["id"]
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    for i, (tenant, user) in enumerate([(a, "u1"), (a, "u2"), (a, "u1"), (b, "u1")]):
        database.runs.start(
            Scope.system(tenant), workflow_id=f"{tenant}/pkg/act/{i}", run_id=f"r{i}",
            kind="script", tenant_id=tenant, package_id="pkg", user_id=user,
            started_at=t0 + timedelta(seconds=i),
        )  # fmt: skip
    database.runs.finish(
        Scope.system(a), f"{a}/pkg/act/0", "r0", status="completed", result={"ok": 1}
    )
    admin = database.runs.list(Scope.for_user(a, "adm", 3))
    assert [r["run_id"] for r in admin["items"]] == ["r2", "r1", "r0"]
    mine = database.runs.list(Scope.for_user(a, "u1", 1))
    assert [r["run_id"] for r in mine["items"]] == ["r2", "r0"]
    assert database.runs.get(Scope.for_user(a, "u1", 1), f"{a}/pkg/act/0")["result"] == {"ok": 1}
    with pytest.raises(NotFoundError):
        database.runs.get(Scope.for_user(a, "u1", 5), f"{b}/pkg/act/3")
    with pytest.raises(ForbiddenError):
        database.runs.list(Scope.public(a))
    first = database.runs.list(Scope.for_user(a, "adm", 3), limit=2)
    rest = database.runs.list(Scope.for_user(a, "adm", 3), limit=2, cursor=first["next_cursor"])
    assert [r["run_id"] for r in first["items"] + rest["items"]] == ["r2", "r1", "r0"]
    with pytest.raises(ForbiddenError):
        database.runs.start(
            Scope.for_user(b, "x", 3), workflow_id="w", run_id="r", kind="flow", tenant_id=a
        )
    with pytest.raises(ValidationError):
        database.runs.list(Scope.for_user(a, "adm", 3), cursor="garbage!")
    with pytest.raises(ValidationError):
        database.runs.finish(Scope.system(a), f"{a}/pkg/act/1", "r1", status="running")
