"""ScriptRun: one package script (an action, an init or a cron tick) as one durable run.

The workflow calls the `run_script` activity, which runs the script in the sandbox pool on the
worker. A script error is a business failure: the activity raises a non-retryable
`ApplicationError` of type `ScriptError`, so the run ends Failed in Temporal UI with the
script's own message, file and line in the failure details.

Events the script emitted (`ctx.emit(event, data)`) start the flows whose `event` trigger
listens to them (engine.flows.events): the run acts as the emitting user, at event depth 0,
and its result lists the started runs in `triggered` (listeners not started are logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from engine.flows.events import EventBatch, batch_events, delivery_logs, publish

RUN_SCRIPT_ACTIVITY = "run_script"
SCRIPT_ERROR = "ScriptError"
# Time the activity may take beyond the script's own timeout (pool hand-off, host calls).
ACTIVITY_GRACE_S = 10.0
# The activity heartbeats while its script runs, so a killed worker's activity is retried
# after this long instead of after the whole start-to-close timeout.
HEARTBEAT_TIMEOUT_S = 3.0
# Scripts with a timeout up to this run as local activities (see ScriptRun.run); runs that
# started before the change keep their recorded activity (the patch marker).
LOCAL_MAX_S = 10.0
LOCAL_PATCH = "script-as-local-activity"
SCRIPT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_attempts=3,
    non_retryable_error_types=[SCRIPT_ERROR],
)


@dataclass
class ScriptRunInput:
    """One dataclass in, so new fields never break running histories."""

    tenant_id: str
    tenant_slug: str
    package_id: str
    script: str
    input: Any = None
    user_id: str | None = None
    user_level: int = 0
    kind: str = "action"
    timeout_s: float = 5.0
    version: str | None = None  # the package version to run (None: the newest in the catalog)


@dataclass
class ScriptRunResult:
    value: Any = None
    logs: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    duration_ms: float = 0.0
    triggered: list[Any] = field(default_factory=list)
    """The flows the script's events started: `{event, package, flow, workflowId}`."""


# The workflow code is this one call and touches nothing non-deterministic, so it runs
# without the sandbox (which re-imports the module for every run: ~half of a short
# action's latency in bench/actions.py).
@workflow.defn(name="ScriptRun", sandboxed=False)
class ScriptRun:
    @workflow.run
    async def run(self, params: ScriptRunInput) -> ScriptRunResult:
        result = await self._script(params)
        if result.events:
            await self._publish(params, result)
        return result

    @staticmethod
    async def _publish(params: ScriptRunInput, result: ScriptRunResult) -> None:
        workflow_id = workflow.info().workflow_id
        delivery = await publish(
            EventBatch(
                tenant_id=params.tenant_id,
                tenant_slug=params.tenant_slug,
                source={
                    "workflowId": workflow_id,
                    "package": params.package_id,
                    "script": params.script,
                },
                events=batch_events(workflow_id, "script", result.events),
                user_id=params.user_id,
                user_level=params.user_level,
            )
        )
        result.triggered = list(delivery.started)
        result.logs.extend(delivery_logs(delivery))

    async def _script(self, params: ScriptRunInput) -> ScriptRunResult:
        timeout = timedelta(seconds=params.timeout_s + ACTIVITY_GRACE_S)
        if params.timeout_s <= LOCAL_MAX_S and workflow.patched(LOCAL_PATCH):
            # A short script runs as a local activity, inside the workflow task that eager
            # start hands to this worker: no activity task round trips through the server.
            # A worker that dies mid-script loses the task; the next worker runs the script
            # again, and the effects ledger keeps its writes exactly-once.
            local: ScriptRunResult = await workflow.execute_local_activity(
                RUN_SCRIPT_ACTIVITY,
                params,
                result_type=ScriptRunResult,
                start_to_close_timeout=timeout,
                retry_policy=SCRIPT_RETRY,
            )
            return local
        result: ScriptRunResult = await workflow.execute_activity(
            RUN_SCRIPT_ACTIVITY,
            params,
            result_type=ScriptRunResult,
            start_to_close_timeout=timeout,
            heartbeat_timeout=timedelta(seconds=HEARTBEAT_TIMEOUT_S),
            retry_policy=SCRIPT_RETRY,
        )
        return result
