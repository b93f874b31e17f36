"""POST .../cancel and .../retry: who may, and what happens in Temporal."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowExecutionStatus

from dbal.scope import Scope
from engine import search_attributes
from tests.web.runs.world import PACKAGE, World, eventually, gate

pytestmark = pytest.mark.temporal


def path(world: World, workflow_id: str, verb: str, key: str = "a") -> str:
    return f"/api/v1/{world.tenants[key]}/runs/{workflow_id}/{verb}"


async def test_a_user_cancels_their_running_action(world: World) -> None:
    started = await world.action("alice", "gated", {"gate": str(uuid.uuid4())}, wait=False)
    http = await world.session("alice")
    detail = (await http.get(f"/api/v1/{world.tenants['a']}/runs/{started.workflow_id}")).json()
    assert detail["allowed"]["cancel"] is True and detail["allowed"]["retry"] is False
    answer = await http.post(path(world, started.workflow_id, "cancel"))
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "cancelling"
    handle = world.client.get_workflow_handle(started.workflow_id)
    with pytest.raises(Exception):  # noqa: B017 - WorkflowFailureError(cause=CancelledError)
        await handle.result()
    assert (await handle.describe()).status == WorkflowExecutionStatus.CANCELED
    detail = (await http.get(f"/api/v1/{world.tenants['a']}/runs/{started.workflow_id}")).json()
    assert detail["status"] == "cancelled" and detail["error"]["code"] == "CANCELLED"
    again = await http.post(path(world, started.workflow_id, "cancel"))
    assert again.status_code == 409


@pytest.mark.parametrize(("actor", "status"), [("bob", 404), ("carol", 403), ("ada", 202)])
async def test_who_may_cancel_alices_run(world: World, actor: str, status: int) -> None:
    name = str(uuid.uuid4())
    started = await world.action("alice", "gated", {"gate": name}, wait=False)
    http = await world.session(actor)
    answer = await http.post(path(world, started.workflow_id, "cancel"))
    assert answer.status_code == status
    described = await world.client.get_workflow_handle(started.workflow_id).describe()
    if status != 202:
        assert described.status == WorkflowExecutionStatus.RUNNING
    gate(name).set()


async def test_cancel_needs_the_csrf_token_from_a_browser(world: World) -> None:
    started = await world.action("alice", "gated", {"gate": str(uuid.uuid4())}, wait=False)
    http = await world.session("alice")
    answer = await http.post(
        path(world, started.workflow_id, "cancel"), headers={"x-csrf-token": "wrong"}
    )
    assert answer.status_code == 403
    assert (await world.client.get_workflow_handle(started.workflow_id).describe()).status == (
        WorkflowExecutionStatus.RUNNING
    )
    await http.post(path(world, started.workflow_id, "cancel"))


async def test_retry_starts_the_same_action_again_as_the_caller(world: World) -> None:
    failed = await world.action("alice", "echo", {"n": 5})
    http = await world.session("alice")
    answer = await http.post(path(world, failed.workflow_id, "retry"))
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["retryOf"] == failed.workflow_id and body["workflowId"] != failed.workflow_id
    assert body["workflowId"].startswith(f"{world.tenants['a']}/{PACKAGE}/echo/")
    handle = world.client.get_workflow_handle(body["workflowId"])
    assert (await handle.result())["value"] == {"echo": {"n": 5}}
    described = await handle.describe()
    attrs = described.typed_search_attributes
    assert attrs.get(search_attributes.USER) == world.users["alice"]
    assert attrs.get(search_attributes.TENANT) == world.tenants["a"]


async def test_an_admin_retries_a_users_run_as_themselves(world: World) -> None:
    done = await world.action("bob", "echo", {"n": 1})
    http = await world.session("ada")
    body = (await http.post(path(world, done.workflow_id, "retry"))).json()
    described = await world.client.get_workflow_handle(body["workflowId"]).describe()
    assert described.typed_search_attributes.get(search_attributes.USER) == world.users["ada"]


async def test_retry_rechecks_the_actions_level(world: World) -> None:
    """An admin who ran an admin-only action and was then demoted still sees their own run,
    but retrying it is refused: the dispatcher checks the action's level again."""
    slug = world.tenants["a"]
    world.users["dora"] = world.harness.user(slug, "dora", "admin")
    world.home["dora"], world.levels["dora"] = "a", 3
    done = await world.action("dora", "admin_only", {})
    http = await world.session("dora")
    world.harness.accounts.set_level(slug, "dora", "user", actor=None)
    answer = await http.post(path(world, done.workflow_id, "retry"))
    assert answer.status_code == 403, answer.text
    assert "level 3" in answer.json()["message"]
    mona = await world.session("mona")  # a moderator does not even see an admin's run
    assert (await mona.post(path(world, done.workflow_id, "retry"))).status_code == 404


async def test_running_runs_are_not_retried_nor_flows_the_package_lacks(world: World) -> None:
    name = str(uuid.uuid4())
    started = await world.action("alice", "gated", {"gate": name}, wait=False)
    http = await world.session("alice")
    assert (await http.post(path(world, started.workflow_id, "retry"))).status_code == 409
    gate(name).set()
    flow = await world.flow("alice", [("only", 1)])
    assert (await http.post(path(world, flow.id, "retry"))).status_code == 409
    assert (await world.decide("alice", flow.id)).status_code == 200
    await flow.result()
    missing = await http.post(path(world, flow.id, "retry"))  # an inline flow: none installed
    assert missing.status_code == 404 and "no flow 'steps'" in missing.json()["message"]


async def test_retry_of_a_package_no_longer_installed_is_404(world: World) -> None:
    done = await world.action("carol", "echo", {})
    tenant = world.harness.tenants[world.tenants["b"]]
    world.harness.db.installed_packages.remove(Scope.system(), tenant["id"], PACKAGE)
    try:
        http = await world.session("carol")
        assert (await http.post(path(world, done.workflow_id, "retry", "b"))).status_code == 404
    finally:
        world.harness.db.installed_packages.upsert(Scope.system(), tenant["id"], PACKAGE, "1.0.0")


async def test_retry_starts_a_flow_again_with_its_input(world: World) -> None:
    slug = world.tenants["a"]
    http = await world.session("alice")
    answer = await http.post(f"/api/v1/{slug}/{PACKAGE}/flows/review?async=1", json={"doc": 1})
    assert answer.status_code == 202, answer.text
    first = answer.json()["workflowId"]

    async def approved() -> bool:
        return (await world.decide("alice", first)).status_code == 200

    await eventually(approved)
    await world.client.get_workflow_handle(first).result()
    detail = (await http.get(f"/api/v1/{slug}/runs/{first}")).json()
    assert detail["allowed"]["retry"] is True and detail["result"] == {"reviewed": True}
    again = await http.post(path(world, first, "retry"))
    assert again.status_code == 202, again.text
    body = again.json()
    assert body["retryOf"] == first and body["workflowId"].startswith(
        f"{slug}/{PACKAGE}/flow:review/"
    )
    run = (await http.get(f"/api/v1/{slug}/runs/{body['workflowId']}")).json()
    assert run["input"] == {"doc": 1} and run["user"] == world.users["alice"]
    assert run["kind"] == "flow" and run["status"] == "running"
    await world.client.get_workflow_handle(body["workflowId"]).cancel()
