"""Flow writes happen once per node execution, however often the activity runs (SQLite and
PostgreSQL): the effects ledger answers a retried attempt with the first one's result."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from dbal.database import Database
from dbal.scope import Scope
from engine.config import builtin_packages_dir
from engine.flows.calls import FlowCall, idempotency_key
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from worker.flows import FlowActivities
from worker.script_host import host_factory


@pytest.fixture
def tenants(database: Database) -> dict[str, str]:
    catalog = Catalog([builtin_packages_dir()])
    ids = {}
    for slug in ("acme", "globex"):
        ids[slug] = database.tenants.create(Scope.system(), slug, slug)["id"]
        PackageManager(database, catalog).install(ids[slug], "flow_demo")
    return ids


def call(tenant: str, op: str, position: str, **params: Any) -> FlowCall:
    workflow_id = "acme/flow_demo/flow:x/1"
    return FlowCall(
        tenant_id=tenant,
        tenant_slug="acme",
        package_id="flow_demo",
        workflow_id=workflow_id,
        node_id=position,
        key=idempotency_key(workflow_id, position),
        op=op,
        params=params,
        user_id="u1",
        user_level=3,
    )


def notes(db: Database, tenant: str) -> list[dict[str, Any]]:
    scope = Scope.system(tenant)
    return list(db.entities(scope, package="flow_demo").list("note")["items"])


async def test_a_retried_create_writes_one_row(database: Database, tenants: dict[str, str]) -> None:
    acts = FlowActivities(host_for=host_factory(database), db=database)
    env = ActivityEnvironment()
    create = call(
        tenants["acme"],
        "database_create",
        "create",
        entity="note",
        data={"title": "once", "tenantId": "ignored"},
    )
    first = await env.run(acts.database, create)
    again = await env.run(acts.database, create)  # the same node execution, retried
    assert again == first and len(notes(database, tenants["acme"])) == 1
    other = await env.run(
        acts.database,
        call(
            tenants["acme"],
            "database_create",
            "loop[1]/create",
            entity="note",
            data={"title": "twice"},
        ),
    )
    assert other["id"] != first["id"] and len(notes(database, tenants["acme"])) == 2
    assert notes(database, tenants["globex"]) == []


async def test_retried_bulk_updates_and_counters_apply_once(
    database: Database, tenants: dict[str, str]
) -> None:
    acts = FlowActivities(host_for=host_factory(database), db=database)
    env = ActivityEnvironment()
    acme = tenants["acme"]
    await env.run(
        acts.database, call(acme, "database_create", "c", entity="note", data={"title": "n"})
    )
    bump = call(
        acme,
        "database_update_many",
        "bump",
        entity="note",
        filter={"title": "n"},
        data={"count": 7},
    )
    assert await env.run(acts.database, bump) == await env.run(acts.database, bump)
    limit = call(acme, "rate_limit", "rl", key="k", limit=5, window=60_000)
    first = await env.run(acts.rate_limit, limit)
    assert await env.run(acts.rate_limit, limit) == first and first["count"] == 1
    again = await env.run(
        acts.rate_limit, call(acme, "rate_limit", "rl2", key="k", limit=5, window=60_000)
    )
    assert again["count"] == 2
