"""GET /api/v1/{tenant}/runs/{workflowId}: what a run shows, and who may see it.

A run belongs to the tenant in its MbTenant search attribute: an id that names tenant a but
was started for tenant b is not a's, and another tenant's id is a 404, as is another user's
run for a viewer below admin.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, unquote, urlsplit

import pytest
from temporalio.client import WorkflowExecutionStatus

from engine import search_attributes
from engine.workflows.script_run import ScriptRun, ScriptRunInput
from tests.web.runs.world import PACKAGE, World, eventually

pytestmark = pytest.mark.temporal


def path(world: World, key: str, workflow_id: str) -> str:
    return f"/api/v1/{world.tenants[key]}/runs/{workflow_id}"


async def test_a_completed_run_shows_its_input_result_and_logs(world: World) -> None:
    done = await world.action("alice", "echo", {"n": 7, "text": "hi"})
    http = await world.session("alice")
    answer = await http.get(path(world, "a", done.workflow_id))
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["workflowId"] == done.workflow_id and run["runId"] == done.run_id
    assert run["status"] == "completed" and run["type"] == "ScriptRun"
    assert (run["tenant"], run["package"], run["action"], run["kind"]) == (
        world.tenants["a"], PACKAGE, "echo", "action",
    )  # fmt: skip
    assert run["user"] == world.users["alice"]
    assert run["input"] == {"n": 7, "text": "hi"}
    assert run["result"] == {"echo": {"n": 7, "text": "hi"}}
    assert run["logs"] == ["ran echo"]
    assert "error" not in run and run["nodes"] is None
    assert run["allowed"] == {"cancel": False, "retry": True, "approve": False}


async def test_a_failed_run_shows_the_script_error_and_no_stack(world: World) -> None:
    failed = await world.action("ada", "broken", {})
    http = await world.session("ada")
    run = (await http.get(path(world, "a", failed.workflow_id))).json()
    assert run["status"] == "failed"
    assert run["error"]["code"] == "SCRIPT_ERROR"
    assert run["error"]["message"] == "Division by zero"
    assert run["error"]["line"] == 2
    assert "Traceback" not in str(run) and "stack" not in str(run).lower()


async def test_the_temporal_ui_link_points_at_the_run(world: World) -> None:
    done = await world.action("alice", "echo", {})
    http = await world.session("alice")
    run = (await http.get(path(world, "a", done.workflow_id))).json()
    settings = world.services.settings
    expected = (
        f"{settings.temporal_ui_url}/namespaces/{settings.temporal_namespace}/workflows/"
        f"{quote(done.workflow_id, safe='')}/{done.run_id}/history"
    )
    assert run["temporalUrl"] == expected
    # Read back like Temporal UI does: the segments name exactly this run of this tenant.
    parts = urlsplit(run["temporalUrl"]).path.split("/")
    assert parts[1:3] == ["namespaces", "default"] and parts[-1] == "history"
    workflow_id, run_id = unquote(parts[4]), unquote(parts[5])
    described = await world.client.get_workflow_handle(workflow_id, run_id=run_id).describe()
    assert described.run_id == done.run_id
    assert described.typed_search_attributes.get(search_attributes.TENANT) == world.tenants["a"]
    # The listing links the same run (visibility is eventually consistent, and other tests'
    # echo runs are listed too: find this one).
    listing = f"/api/v1/{world.tenants['a']}/runs?action=echo&limit=100"
    found: list[dict[str, object]] = []

    async def listed() -> bool:
        items = (await http.get(listing)).json()["items"]
        found[:] = [item for item in items if item["workflowId"] == done.workflow_id]
        return bool(found)

    await eventually(listed)
    assert found[0]["temporalUrl"] == expected


async def test_another_tenants_run_is_404(world: World) -> None:
    theirs = await world.action("carol", "echo", {"secret": "b"})
    admin_a = await world.session("ada")
    for target in (theirs.workflow_id, f"{theirs.workflow_id}/events"):
        answer = await admin_a.get(path(world, "a", target))
        assert answer.status_code == 404
        assert "secret" not in answer.text
    assert (await admin_a.get(path(world, "a", theirs.workflow_id) + "/events")).status_code == 404
    assert (await admin_a.post(path(world, "a", theirs.workflow_id) + "/cancel")).status_code == 404
    assert (await admin_a.post(path(world, "a", theirs.workflow_id) + "/retry")).status_code == 404


async def test_an_id_crafted_with_this_tenants_prefix_is_not_enough(world: World) -> None:
    """It denies a run whose id starts with tenant a but whose MbTenant is b."""
    crafted = f"{world.tenants['a']}/{PACKAGE}/echo/{uuid.uuid4()}"
    tenant_b = world.harness.tenants[world.tenants["b"]]
    await world.client.execute_workflow(
        ScriptRun.run,
        ScriptRunInput(tenant_b["id"], tenant_b["slug"], PACKAGE, "echo", {"of": "b"}),
        id=crafted,
        task_queue=world.task_queue,
        search_attributes=search_attributes.run_attributes(
            tenant=world.tenants["b"], package=PACKAGE, action="echo", user=None, kind="action"
        ),
    )
    admin_a = await world.session("ada")
    assert (await admin_a.get(path(world, "a", crafted))).status_code == 404
    admin_b = await world.session("cyd")
    assert (await admin_b.get(path(world, "b", crafted))).status_code == 200


async def test_a_run_without_a_tenant_attribute_is_nobodys(world: World) -> None:
    bare = f"{world.tenants['a']}/{PACKAGE}/echo/{uuid.uuid4()}"
    tenant_a = world.harness.tenants[world.tenants["a"]]
    await world.client.execute_workflow(
        ScriptRun.run,
        ScriptRunInput(tenant_a["id"], tenant_a["slug"], PACKAGE, "echo", {}),
        id=bare,
        task_queue=world.task_queue,
    )
    assert (await (await world.session("ada")).get(path(world, "a", bare))).status_code == 404


@pytest.mark.parametrize(
    ("viewer", "owner", "status"),
    [
        ("alice", "alice", 200),  # user: own run
        ("alice", "bob", 404),  # user: another user's run
        ("mona", "alice", 404),  # moderator: still only own runs
        ("ada", "alice", 200),  # admin: every run of the tenant
        ("carol", "alice", 403),  # no role in tenant a
    ],
)
async def test_who_sees_a_run(world: World, viewer: str, owner: str, status: int) -> None:
    run = await world.action(owner, "echo", {})
    http = await world.session(viewer)
    assert (await http.get(path(world, "a", run.workflow_id))).status_code == status


async def test_anonymous_visitors_see_no_run(world: World) -> None:
    run = await world.action("alice", "echo", {})
    async with world.anonymous() as anonymous:
        assert (await anonymous.get(path(world, "a", run.workflow_id))).status_code == 401


async def test_a_run_id_picks_one_run_of_the_workflow(world: World) -> None:
    done = await world.action("alice", "echo", {"n": 1})
    http = await world.session("alice")
    base = path(world, "a", done.workflow_id)
    assert (await http.get(f"{base}?runId={done.run_id}")).json()["runId"] == done.run_id
    assert (await http.get(f"{base}?runId={uuid.uuid4()}")).status_code == 404
    assert (await http.get(f"{base}?runId=x'%20OR%201=1")).status_code == 404


async def test_a_flow_shows_its_nodes_and_who_may_approve(world: World) -> None:
    handle = await world.flow("alice", [("ask", 1), ("sign_off", 3)])
    alice, ada = await world.session("alice"), await world.session("ada")
    run = (await alice.get(path(world, "a", handle.id))).json()
    assert run["type"] == "FlowRun" and run["status"] == "running" and run["kind"] == "flow"
    assert run["input"] == {"asked": "by alice"}  # not the pinned definition around it
    assert run["nodes"]["ask"]["status"] == "waiting"
    assert run["nodes"]["sign_off"]["status"] == "pending"
    assert run["approvals"] == [{"node": "ask", "minLevel": 1}]
    assert run["allowed"] == {"cancel": True, "retry": False, "approve": True}
    assert (await world.decide("alice", handle.id)).status_code == 200

    async def second_step_waits() -> bool:
        body = (await alice.get(path(world, "a", handle.id))).json()
        return bool(body["approvals"]) and body["approvals"][0]["node"] == "sign_off"

    await eventually(second_step_waits)
    run = (await alice.get(path(world, "a", handle.id))).json()
    assert run["nodes"]["ask"]["status"] == "done"
    assert run["allowed"]["approve"] is False  # sign_off needs level 3; alice has 1
    assert (await ada.get(path(world, "a", handle.id))).json()["allowed"]["approve"] is True
    assert (await world.decide("alice", handle.id)).status_code == 403  # the flow says no
    assert (await world.decide("ada", handle.id)).status_code == 200
    await handle.result()
    run = (await alice.get(path(world, "a", handle.id))).json()
    assert run["status"] == "completed"
    assert {n["status"] for n in run["nodes"].values()} == {"done"}
    assert run["allowed"] == {"cancel": False, "retry": True, "approve": False}
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_a_failed_flow_names_the_failing_node(world: World) -> None:
    definition = {
        "id": "breaks",
        "nodes": [
            {"id": "shape", "type": "metabuilder.transform",
             "parameters": {"output": "{{ $json.nothing.deeper }}"}},
        ],
        "connections": {},
    }  # fmt: skip
    handle = await world.flow("alice", [], definition=definition)
    with pytest.raises(Exception):  # noqa: B017 - WorkflowFailureError
        await handle.result()
    http = await world.session("alice")
    run = (await http.get(path(world, "a", handle.id))).json()
    assert run["status"] == "failed"
    assert run["error"]["node"] == "shape"
    assert run["error"]["code"] == "EXPRESSION_ERROR"
    assert "shape" in run["error"]["message"]
    assert run["nodes"]["shape"]["status"] == "failed"


@pytest.mark.parametrize(
    "crafted",
    [
        "*",
        "..%2F..%2Fetc%2Fpasswd",
        "x' OR MbTenant != 'x",
        "%00",
        "a" * 1200,
        "{tenant_b}/runs_demo/echo/" + "0" * 36,
    ],
)
async def test_crafted_ids_are_404(world: World, crafted: str) -> None:
    http = await world.session("ada")
    target = crafted.format(tenant_b=world.tenants["b"])
    for suffix in ("", "/events"):
        assert (await http.get(path(world, "a", target) + suffix)).status_code == 404
