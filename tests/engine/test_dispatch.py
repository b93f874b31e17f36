"""Dispatch on a real Temporal dev server: ids, search attributes, idempotency, failures.

The `run_script` activity is replaced by one registered under the real name (the sandbox has
its own suites); everything above it — dispatch, the ScriptRun workflow — is the real code.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from engine.dispatch import ActionRequest, Dispatcher, InputInvalid
from engine.errors import ActionDenied, ActionNotFound
from engine.temporal_client import TemporalConnection
from engine.workflows.script_run import (
    RUN_SCRIPT_ACTIVITY,
    SCRIPT_ERROR,
    ScriptRun,
    ScriptRunInput,
    ScriptRunResult,
)

pytestmark = pytest.mark.temporal

CALLS: list[ScriptRunInput] = []


@activity.defn(name=RUN_SCRIPT_ACTIVITY)
async def fake_run_script(params: ScriptRunInput) -> ScriptRunResult:
    CALLS.append(params)
    if params.script == "broken":
        raise ApplicationError(
            "boom", {"code": "SCRIPT_ERROR", "file": "x.py", "line": 3}, type=SCRIPT_ERROR,
            non_retryable=True,
        )  # fmt: skip
    return ScriptRunResult(value={"echo": params.input, "calls": len(CALLS)})


@dataclass
class Manifest:
    name: str
    kind: str = "action"
    min_level: int = 0
    input_schema: dict[str, Any] | None = None
    timeout_s: float = 5.0


SCRIPTS = {
    "echo": Manifest("echo", input_schema={"type": "object", "required": ["n"]}),
    "broken": Manifest("broken"),
    "admin_only": Manifest("admin_only", min_level=3),
    "nightly": Manifest("nightly", kind="cron"),
}


def lookup(package_id: str, script: str, version: str | None = None) -> Manifest | None:
    return SCRIPTS.get(script) if package_id == "demo" else None


@pytest_asyncio.fixture
async def dispatcher(temporal_client: Client, task_queue: str) -> AsyncIterator[Dispatcher]:
    conn = TemporalConnection("unused", "default", temporal_client)
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[ScriptRun],
        activities=[fake_run_script],
    ):
        yield Dispatcher(conn, task_queue=task_queue, lookup=lookup)


def request(action: str = "echo", **extra: Any) -> ActionRequest:
    fields: dict[str, Any] = {
        "tenant_id": "t-1",
        "tenant_slug": "acme",
        "package_id": "demo",
        "action": action,
        "input": {"n": 1},
        "user_id": "u-1",
        "user_level": 1,
    }
    fields.update(extra)
    return ActionRequest(**fields)


async def test_an_action_runs_with_a_readable_id_and_search_attributes(
    dispatcher: Dispatcher, temporal_client: Client
) -> None:
    outcome = await dispatcher.run_action(request())
    assert outcome.status == "completed"
    assert outcome.result["echo"] == {"n": 1}
    assert outcome.workflow_id.startswith("acme/demo/echo/")
    described = await temporal_client.get_workflow_handle(outcome.workflow_id).describe()
    attrs = {k.name: v for k, v in described.typed_search_attributes}
    assert attrs["MbTenant"] == "acme" and attrs["MbAction"] == "echo"
    assert attrs["MbKind"] == "action" and attrs["MbUser"] == "u-1"


async def test_the_same_idempotency_key_joins_the_first_run_even_after_it_finished(
    dispatcher: Dispatcher,
) -> None:
    key = str(uuid.uuid4())
    first = await dispatcher.run_action(request(idempotency_key=key))
    again = await dispatcher.run_action(request(idempotency_key=key))
    assert first.status == again.status == "completed"
    assert first.workflow_id == again.workflow_id
    assert first.result == again.result


async def test_async_dispatch_answers_running_at_once(dispatcher: Dispatcher) -> None:
    outcome = await dispatcher.run_action(request(), wait=False)
    assert outcome.status == "running" and outcome.run_id


async def test_a_script_error_fails_the_run_with_its_file_and_line(dispatcher: Dispatcher) -> None:
    outcome = await dispatcher.run_action(request("broken"))
    assert outcome.status == "failed"
    assert outcome.error == {"code": "SCRIPT_ERROR", "message": "boom", "file": "x.py", "line": 3}


@pytest.mark.parametrize(
    ("req", "error"),
    [
        (request("missing"), ActionNotFound),
        (request("nightly"), ActionNotFound),  # cron scripts are not actions
        (request(package_id="other"), ActionNotFound),
        (request("admin_only", user_level=2), ActionDenied),
        (request(input={"m": 1}), InputInvalid),
    ],
)
async def test_refusals_happen_before_anything_durable(
    dispatcher: Dispatcher, req: ActionRequest, error: type[Exception]
) -> None:
    before = len(CALLS)
    with pytest.raises(error):
        await dispatcher.run_action(req)
    assert len(CALLS) == before
