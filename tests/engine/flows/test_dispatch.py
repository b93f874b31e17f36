"""FlowDispatcher on the real dev server: readable ids, search attributes, idempotency, the
pinned definition, checks before anything durable, and a Temporal Schedule starting a flow."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import pytest
from temporalio.client import Schedule, ScheduleSpec

from engine.flows.dispatch import FlowRequest
from engine.flows.errors import FlowDenied, FlowInvalid, FlowNotFound
from engine.workflows.flow_run import FlowRunResult
from tests.engine.flows.defs import flow, node
from tests.engine.flows.harness import Stack

pytestmark = pytest.mark.temporal


def request(stack: Stack, flow_id: str = "create_note", **extra: Any) -> FlowRequest:
    fields: dict[str, Any] = {
        "tenant_id": stack.tenant()["id"],
        "tenant_slug": "acme",
        "package_id": "flow_demo",
        "flow_id": flow_id,
        "input": {"title": f"d-{uuid.uuid4().hex[:6]}"},
        "user_id": "u-9",
        "user_level": 1,
    }
    fields.update(extra)
    return FlowRequest(**fields)


async def test_a_run_has_a_readable_id_and_search_attributes(stack: Stack) -> None:
    outcome = await stack.dispatcher.run(request(stack))
    assert outcome.status == "completed"
    assert outcome.workflow_id.startswith("acme/flow_demo/flow:create_note/")
    described = await stack.client.get_workflow_handle(outcome.workflow_id).describe()
    attrs = {k.name: v for k, v in described.typed_search_attributes if k.name.startswith("Mb")}
    assert attrs == {
        "MbTenant": "acme",
        "MbPackage": "flow_demo",
        "MbAction": "create_note",
        "MbUser": "u-9",
        "MbKind": "flow",
    }


async def test_the_same_idempotency_key_joins_the_first_run(stack: Stack) -> None:
    key = str(uuid.uuid4())
    first = await stack.dispatcher.run(request(stack, idempotency_key=key))
    again = await stack.dispatcher.run(request(stack, idempotency_key=key))
    assert first.workflow_id == again.workflow_id and first.result == again.result


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"flow_id": "missing"}, FlowNotFound),
        ({"package_id": "nope"}, FlowNotFound),
        ({"user_level": 0}, FlowDenied),
        ({"flow_id": "on_note_created"}, FlowDenied),  # an entity-triggered flow, not by hand
    ],
)
async def test_refusals_happen_before_anything_durable(
    stack: Stack, extra: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        await stack.dispatcher.start(request(stack, **extra))


async def test_an_invalid_definition_is_refused_with_its_issues(stack: Stack) -> None:
    package = stack.world.catalog.get("flow_demo")
    broken = flow(node("x", "nosuch"), id="broken")
    package.workflows.append(broken)
    try:
        with pytest.raises(FlowInvalid) as caught:
            await stack.dispatcher.start(request(stack, "broken"))
    finally:
        package.workflows.remove(broken)
    assert caught.value.issues[0].node == "x"


async def test_a_run_keeps_its_pinned_definition_when_the_package_changes(stack: Stack) -> None:
    package = stack.world.catalog.get("flow_demo")
    definition = flow(
        node("w", "wait", duration="1s"),
        node("v", "transform", output="v1"),
        edges=["w>v"],
        id="versioned",
    )
    package.workflows.append(definition)
    try:
        handle = await stack.dispatcher.start(request(stack, "versioned"))
        definition["nodes"][1]["parameters"]["output"] = "v2"  # edited while the run waits
        assert (await handle.result()).output == "v1"
    finally:
        package.workflows.remove(definition)


async def test_env_exposes_only_the_tenants_allowed_variables(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node(
                "e",
                "transform",
                output={
                    "app": "{{ $env.APP_URL }}",
                    "path": "{{ $env.PATH }}",
                    "keys": "{{ Object.keys($env) }}",
                },
            )
        )
    )
    assert result.output == {"app": "https://app.example", "path": None, "keys": ["APP_URL"]}


async def test_a_temporal_schedule_starts_a_flow_with_a_plain_input(stack: Stack) -> None:
    prepared = stack.dispatcher.prepare(request(stack, trigger="schedule"), check_level=False)
    params = copy.copy(prepared.params)
    schedule_id = f"acme/flow_demo/flow:create_note/schedule-{uuid.uuid4().hex[:6]}"
    handle = await stack.client.create_schedule(
        schedule_id,
        Schedule(
            action=stack.dispatcher.schedule_action(params, id_prefix=schedule_id),
            spec=ScheduleSpec(),
        ),
    )
    try:
        await handle.trigger()
        for _ in range(100):
            recent = (await handle.describe()).info.recent_actions
            if recent:
                break
            await asyncio.sleep(0.05)
        started = recent[0].action
        run = stack.client.get_workflow_handle(started.workflow_id, result_type=FlowRunResult)
        result = await asyncio.wait_for(run.result(), timeout=20)
        assert result.response is not None and result.response["status"] == 201
        described = await run.describe()
        attrs = {k.name: v for k, v in described.typed_search_attributes}
        assert attrs["MbKind"] == "flow" and attrs["MbAction"] == "create_note"
    finally:
        await handle.delete()
