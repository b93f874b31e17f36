"""Approvals (granted, rejected, refused for a low level or another tenant), durable waits
across a worker restart (dev server) and long timers (time-skipping server)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from engine.workflows.flow_run import ApprovalDecision, FlowRunResult
from scripts_runtime.sandbox import SandboxPool
from tests.engine.flows.defs import flow, node
from tests.engine.flows.harness import Stack, World, running_stack

pytestmark = pytest.mark.temporal

APPROVAL = flow(
    node("review", "approval", minLevel=3),
    node("yes", "transform", output="{{ 'approved by ' + $steps.review.output.by }}"),
    node("no", "transform", output="{{ 'rejected: ' + $steps.review.output.comment }}"),
    edges=["review:approved>yes", "review:rejected>no"],
)


async def until_waiting(handle: WorkflowHandle[Any, Any], node_id: str) -> dict[str, Any]:
    for _ in range(200):
        progress: dict[str, Any] = await handle.query("progress")
        if progress["nodes"].get(node_id, {}).get("status") == "waiting":
            return progress
        await asyncio.sleep(0.02)
    raise AssertionError(f"{node_id} never waited")


def decision(
    stack: Stack, approved: bool, *, level: int = 3, tenant: str = "acme", **extra: Any
) -> ApprovalDecision:
    return ApprovalDecision(
        approved=approved,
        tenant_id=stack.tenant(tenant)["id"],
        user_id="boss",
        user_level=level,
        **extra,
    )


async def test_an_approval_granted_continues_on_the_approved_output(stack: Stack) -> None:
    handle = await stack.start(APPROVAL)
    progress = await until_waiting(handle, "review")
    assert progress["status"] == "waiting"
    assert progress["approvals"] == [{"node": "review", "minLevel": 3}]
    answer = await handle.execute_update("decide", decision(stack, True))
    assert answer["approved"] is True and answer["node"] == "review"
    assert (await handle.result()).output == "approved by boss"


async def test_an_approval_rejected_continues_on_the_rejected_output(stack: Stack) -> None:
    handle = await stack.start(APPROVAL)
    await until_waiting(handle, "review")
    await handle.execute_update("decide", decision(stack, False, comment="too vague"))
    assert (await handle.result()).output == "rejected: too vague"


@pytest.mark.parametrize(
    ("level", "tenant", "code"),
    [(2, "acme", "FORBIDDEN"), (0, "acme", "FORBIDDEN"), (5, "globex", "NOT_FOUND")],
)
async def test_a_refused_decision_leaves_the_approval_waiting(
    stack: Stack, level: int, tenant: str, code: str
) -> None:
    handle = await stack.start(APPROVAL)
    await until_waiting(handle, "review")
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update("decide", decision(stack, True, level=level, tenant=tenant))
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError) and cause.details[0]["code"] == code
    assert (await handle.query("progress"))["nodes"]["review"]["status"] == "waiting"
    await handle.execute_update("decide", decision(stack, True))
    assert (await handle.result()).output == "approved by boss"


async def test_a_decision_with_nothing_waiting_is_a_conflict(stack: Stack) -> None:
    handle = await stack.start(
        flow(node("w", "wait", duration="2s"), node("review", "approval"), edges=["w>review"])
    )
    await until_waiting(handle, "w")
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update("decide", decision(stack, True))
    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.details[0]["code"] == "CONFLICT"
    await handle.terminate()


async def test_a_durable_wait_survives_a_worker_restart(
    world: World, temporal_client: Client, task_queue: str, sandbox_pool: SandboxPool
) -> None:
    """The new worker replays the history: the write before the wait is not made again."""
    title = f"restart-{uuid.uuid4().hex[:6]}"
    definition = flow(
        node(
            "create", "database", operation="database_create", entity="note", data={"title": title}
        ),
        node("w", "wait", seconds=2),
        node("after", "transform", output="{{ 'woke at ' + $context.flowId }}"),
        edges=["create>w", "w>after"],
        id="sleepy",
    )
    began = time.monotonic()
    async with running_stack(world, temporal_client, task_queue, sandbox_pool) as first:
        handle = await first.start(definition)
        await until_waiting(handle, "w")
    # the first worker is gone; the timer lives on the server
    await asyncio.sleep(0.5)
    async with running_stack(world, temporal_client, task_queue, sandbox_pool) as second:
        result: FlowRunResult = await asyncio.wait_for(handle.result(), timeout=20)
        assert [n["title"] for n in second.notes() if n["title"] == title] == [title]
    assert result.output == "woke at sleepy"
    assert time.monotonic() - began >= 2.0


async def test_long_timers_and_approval_timeouts_on_the_time_skipping_server(
    world: World, time_skipping_env: WorkflowEnvironment, sandbox_pool: SandboxPool
) -> None:
    queue = f"ts-{uuid.uuid4()}"
    client = time_skipping_env.client
    async with running_stack(world, client, queue, sandbox_pool, search_attributes=False) as stack:
        began = time.monotonic()
        slept = await stack.run(
            flow(
                node("w", "wait", duration="3d"),
                node("a", "transform", output="done"),
                edges=["w>a"],
            )
        )
        assert slept.output == "done" and time.monotonic() - began < 10
        timed_out = await stack.run(
            flow(
                node("review", "approval", timeoutMs=86_400_000),
                node("no", "transform", output="{{ $steps.review.output.reason }}"),
                edges=["review:rejected>no"],
            )
        )
        assert timed_out.output == "timeout"
