"""Retries with backoff, error outputs and `onError` on the real Temporal dev server."""

from __future__ import annotations

import time
import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from engine.flows.model import Retry
from tests.engine.flows.defs import flow, node
from tests.engine.flows.harness import Stack

pytestmark = pytest.mark.temporal


@pytest.mark.parametrize(
    ("retry", "delays"),
    [
        (Retry(5, "fixed", 100), [100, 100, 100, 100]),
        (Retry(5, "linear", 100), [100, 200, 300, 400]),
        (Retry(5, "exponential", 100), [100, 200, 400, 800]),
        (Retry(6, "fibonacci", 100), [100, 100, 200, 300, 500]),
        (Retry(5, "exponential", 100, max_ms=250), [100, 200, 250, 250]),
    ],
)
def test_backoff_policies_space_attempts(retry: Retry, delays: list[int]) -> None:
    assert [retry.delay_ms(a) for a in range(1, retry.max_attempts)] == delays


async def test_a_flaky_script_succeeds_on_its_third_attempt_after_backoff(stack: Stack) -> None:
    key = uuid.uuid4().hex
    definition = flow(
        node(
            "flaky",
            "script",
            script="flaky",
            input={"key": key, "failures": 2},
            retry={"maxAttempts": 3, "backoff": "linear", "initialIntervalMs": 150},
        ),
    )
    began = time.monotonic()
    handle = await stack.start(definition)
    result = await handle.result()
    assert result.output == {"calls": 3}
    assert time.monotonic() - began >= 0.45  # 150 ms + 300 ms of durable timers
    assert (await handle.query("progress"))["nodes"]["flaky"]["attempts"] == 3


async def test_retries_stop_at_max_attempts(stack: Stack) -> None:
    key = uuid.uuid4().hex
    definition = flow(
        node(
            "flaky",
            "script",
            script="flaky",
            input={"key": key, "failures": 5},
            retry={"maxAttempts": 2, "backoff": "fixed", "initialIntervalMs": 10},
        ),
    )
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(definition)
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "FlowFailed"
    assert cause.details[0]["code"] == "SCRIPT_ERROR" and cause.details[0]["node"] == "flaky"
    assert "flaky failure 2" in cause.message


async def test_http_503_is_retried_per_the_node_policy(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.world.http_port}/fail/2/{uuid.uuid4().hex}"
    result = await stack.run(
        flow(
            node(
                "get",
                "httpRequest",
                url=url,
                retry={"maxAttempts": 3, "backoff": "exponential", "initialIntervalMs": 50},
            )
        )
    )
    assert result.output["status"] == 200


async def test_an_error_output_routes_the_failure(stack: Stack) -> None:
    handle = await stack.start(
        flow(
            node(
                "get",
                "httpRequest",
                url="http://forbidden.example/x",
                onError="continueErrorOutput",
            ),
            node("ok", "transform", output="not reached"),
            node("handled", "transform", output="{{ 'handled ' + $steps.get.output.error.code }}"),
            edges=["get>ok", "get:error>handled"],
        )
    )
    result = await handle.result()
    assert result.output == "handled NOT_ALLOWED"
    nodes = (await handle.query("progress"))["nodes"]
    assert nodes["get"]["status"] == "failed" and nodes["get"]["error"]["code"] == "NOT_ALLOWED"
    assert nodes["ok"]["status"] == "skipped"


async def test_continue_fires_the_regular_output_with_the_error(stack: Stack) -> None:
    result = await stack.run(
        flow(
            node("bad", "transform", output="{{ $json.missing.deeper }}", onError="continue"),
            node("next", "transform", output="{{ $steps.bad.output.error.code }}"),
            edges=["bad>next"],
        ),
        input={},
    )
    assert result.output == "EXPRESSION_ERROR"


async def test_stop_fails_the_run_naming_the_node(stack: Stack) -> None:
    handle = await stack.start(
        flow(
            node("bad", "transform", output="{{ $json.missing.deeper }}"),
            node("next", "transform", output="never"),
            edges=["bad>next"],
        ),
        input={},
    )
    with pytest.raises(WorkflowFailureError) as caught:
        await handle.result()
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.details[0]["node"] == "bad" and cause.details[0]["code"] == "EXPRESSION_ERROR"
    progress = await handle.query("progress")
    assert progress["status"] == "failed"
    assert progress["nodes"]["bad"]["status"] == "failed"
    assert progress["nodes"]["next"]["status"] == "pending"


async def test_expressions_are_deterministic_inside_the_workflow(stack: Stack) -> None:
    """Date.now() reads workflow time; Math.random() is refused rather than replayed wrong."""
    before = time.time() * 1000
    result = await stack.run(flow(node("t", "transform", output="{{ Date.now() }}")))
    assert before - 5000 <= result.output <= time.time() * 1000 + 5000
    with pytest.raises(WorkflowFailureError):
        await stack.run(flow(node("r", "transform", output="{{ Math.random() }}")))


async def test_a_failing_sibling_fails_the_run_promptly(stack: Stack) -> None:
    """One task succeeds and two fail in the same activation: the run fails at once (every
    sibling is awaited first, so no local activity is left in flight)."""
    began = time.monotonic()
    with pytest.raises(WorkflowFailureError) as caught:
        await stack.run(
            flow(
                node(
                    "p",
                    "operation",
                    operation="parallel",
                    tasks=[
                        {"id": "ok", "op": "database_count", "entity": "note", "params": {}},
                        {"id": "bad1", "op": "database_count", "entity": "nosuch", "params": {}},
                        {"id": "bad2", "op": "database_count", "entity": "nosuch2", "params": {}},
                    ],
                )
            )
        )
    assert time.monotonic() - began < 5
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError) and cause.details[0]["node"] == "p"
