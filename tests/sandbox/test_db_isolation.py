"""Acceptance 3: a script reaches only its own tenant's rows through ctx.db and ctx.kv.

The world is the DBAL test matrix's (tests/dbal/conftest.py: entities `post` and `comment`
of package `forum`, tenants alpha and beta), on SQLite and PostgreSQL; every script runs in
the real sandbox pool with the real `worker.script_host.ScriptHost`.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from dbal.database import Database
from dbal.scope import Scope
from scripts_runtime.sandbox import SandboxPool, ScriptResult
from tests.dbal.conftest import World, make_world
from tests.fixtures.databases import database, database_url  # noqa: F401
from tests.sandbox.conftest import run_script
from worker.script_host import ScriptHost


@pytest.fixture
def world(database: Database) -> World:  # noqa: F811
    world = make_world(database)
    beta = world.system(world.b)
    for title in ("beta secret plan", "beta payroll"):
        beta.create("post", {"title": title, "author": "u1", "body": "beta only"})
    world.system(world.a).create("post", {"title": "alpha notes", "author": "u1"})
    return world


async def run_as(
    pool: SandboxPool, world: World, tenant: str, body: str, **inputs: Any
) -> ScriptResult:
    host = ScriptHost(world.db, Scope.for_user(tenant, "u1", 1), package="forum")
    lines = textwrap.dedent(body).strip().splitlines()
    source = "def main(ctx):\n" + "".join(f"    {line}\n" for line in lines)
    return await run_script(pool, source, host, tenant=tenant, input=inputs or None)  # type: ignore[arg-type]


def beta_ids(world: World) -> list[str]:
    return [row["id"] for row in world.system(world.b).list("post")["items"]]


async def test_list_count_and_search_see_only_the_callers_tenant(
    pool: SandboxPool, world: World
) -> None:
    result = await run_as(
        pool,
        world,
        world.a,
        """
        rows = ctx.db.list("post")
        try:
            filtered = ctx.db.list("post", where={"tenant_id": ctx.input["other"]})
        except HostError as e:
            filtered = e.code
        return {
            "titles": sorted(r["title"] for r in rows),
            "count": ctx.db.count("post"),
            "search": ctx.db.search("post", "beta"),
            "filtered": filtered,
        }
        """,
        other=world.b,
    )
    assert result.ok, result.error
    assert result.value["titles"] == ["alpha notes"]
    assert result.value["count"] == 1
    assert result.value["search"] == []
    assert result.value["filtered"] in ([], "validation_error")


async def test_another_tenants_row_ids_lead_nowhere(pool: SandboxPool, world: World) -> None:
    target = beta_ids(world)[0]
    result = await run_as(
        pool,
        world,
        world.a,
        """
        target = ctx.input["id"]
        outcome = {"read": ctx.db.read("post", target), "delete": ctx.db.delete("post", target)}
        try:
            ctx.db.update("post", target, {"title": "pwned"})
            outcome["update"] = "updated"
        except HostError as e:
            outcome["update"] = e.code
        return outcome
        """,
        id=target,
    )
    assert result.value == {"read": None, "delete": False, "update": "not_found"}
    row = world.system(world.b).read("post", target)
    assert row["title"] in ("beta secret plan", "beta payroll")


async def test_create_cannot_plant_a_row_in_another_tenant(pool: SandboxPool, world: World) -> None:
    result = await run_as(
        pool,
        world,
        world.a,
        """
        try:
            data = {"title": "planted", "tenant_id": ctx.input["other"]}
            return ctx.db.create("post", data)["id"]
        except HostError as e:
            return e.code
        """,
        other=world.b,
    )
    assert result.ok, result.error
    beta_titles = [r["title"] for r in world.system(world.b).list("post")["items"]]
    assert "planted" not in beta_titles
    if result.value != "validation_error":
        assert world.system(world.a).read("post", result.value)["title"] == "planted"


async def test_kv_is_namespaced_by_tenant(pool: SandboxPool, world: World) -> None:
    wrote = await run_as(pool, world, world.a, 'ctx.kv.set("shared", "alpha value")\nreturn 1')
    assert wrote.ok
    read = await run_as(pool, world, world.b, 'return ctx.kv.get("shared", "absent")')
    assert read.value == "absent"
    own = await run_as(pool, world, world.a, 'return ctx.kv.get("shared")')
    assert own.value == "alpha value"


async def test_data_layer_refusals_reach_the_script_as_host_errors(
    pool: SandboxPool, world: World
) -> None:
    result = await run_as(pool, world, world.a, 'return ctx.db.list("no_such_entity")')
    assert result.error is not None
    assert result.error.code == "host_error"
    assert result.error.host_code in ("not_found", "validation_error", "schema_error")
