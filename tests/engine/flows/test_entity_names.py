"""Original flows name entities globally (`ForumPost` from a dashboard flow): a bare name the
flow's package lacks resolves to the one package installed *for this tenant* that has it."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from dbal.database import Database
from dbal.scope import Scope
from engine.config import builtin_packages_dir
from engine.flows.calls import FlowCall
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from worker.flows import FlowActivities
from worker.script_host import host_factory


def count_notes(tenant: str, package: str) -> FlowCall:
    return FlowCall(
        tenant_id=tenant,
        tenant_slug="t",
        package_id=package,
        workflow_id="w",
        node_id="n",
        key="k",
        op="database_count",
        params={"entity": "note"},
        user_id="u",
        user_level=1,
    )


async def test_a_bare_entity_resolves_only_in_the_tenants_installed_packages(
    database: Database,
) -> None:
    catalog = Catalog([builtin_packages_dir()])
    with_notes = database.tenants.create(Scope.system(), "acme", "Acme")["id"]
    without = database.tenants.create(Scope.system(), "globex", "Globex")["id"]
    PackageManager(database, catalog).install_many(with_notes, ["hello_world", "flow_demo"])
    PackageManager(database, catalog).install_many(without, ["hello_world"])
    acts = FlowActivities(host_for=host_factory(database), db=database)
    env = ActivityEnvironment()
    assert await env.run(acts.database, count_notes(with_notes, "hello_world")) == 0
    with pytest.raises(ApplicationError) as caught:
        await env.run(acts.database, count_notes(without, "hello_world"))
    assert caught.value.details[0]["code"] == "NOT_FOUND"
