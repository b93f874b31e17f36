"""One node execution's view of the running flow: activities, scripts, timers, approvals,
sub-flows, published events and the run's outputs (the `NodeHost` that
`engine.flows.nodes` handlers use).

Its `position` (node id plus loop path) makes the idempotency keys of the activities, child
workflows, ledger entries and event-started runs it starts, so a replay or a retry
addresses the same effects.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

from engine import search_attributes
from engine.flows.calls import (
    DATABASE_ACTIVITY,
    INFRA_RETRY,
    LOCAL_TIMEOUT,
    RATE_LIMIT_ACTIVITY,
    REMOTE_TIMEOUT,
    SCRIPT_RETRY,
    FlowCall,
    idempotency_key,
)
from engine.flows.events import EventBatch, batch_events, delivery_logs, publish
from engine.flows.model import Node
from engine.flows.nodes import MAX_EVENTS, MAX_LOGS, NodeFailure
from engine.flows.payloads import MAX_DEPTH, FlowRunInput, FlowRunResult
from engine.workflows.script_run import (
    ACTIVITY_GRACE_S,
    RUN_SCRIPT_ACTIVITY,
    SCRIPT_ERROR,
    ScriptRunInput,
    ScriptRunResult,
)

if TYPE_CHECKING:
    from engine.flows.interpreter import Interpreter

LOCAL_ACTIVITIES = frozenset({DATABASE_ACTIVITY, RATE_LIMIT_ACTIVITY})
SCRIPT_TIMEOUT_S = 60.0
TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass
class PendingApproval:
    node_id: str
    min_level: int
    decision: dict[str, Any] | None = None


class NodeExecution:
    """The interpreter as one node execution sees it (its position gives idempotency keys)."""

    def __init__(self, run: Interpreter, position: str, node_id: str) -> None:
        self._run = run
        self._position = position
        self._node_id = node_id
        self.evaluator = run.evaluator
        self.events = run.events
        self.logs = run.logs

    def _call(self, node: Node, op: str, params: dict[str, Any]) -> FlowCall:
        spec = self._run.spec
        return FlowCall(
            tenant_id=spec.tenant_id,
            tenant_slug=spec.tenant_slug,
            package_id=spec.package_id,
            workflow_id=self._run.workflow_id,
            node_id=node.id,
            key=idempotency_key(self._run.workflow_id, f"{self._position}|{node.id}"),
            op=op,
            params=params,
            user_id=spec.user_id,
            user_level=spec.user_level,
        )

    async def call(self, activity: str, node: Node, op: str, params: dict[str, Any]) -> Any:
        payload = self._call(node, op, params)
        try:
            if activity in LOCAL_ACTIVITIES:
                return await workflow.execute_local_activity(
                    activity,
                    payload,
                    start_to_close_timeout=LOCAL_TIMEOUT,
                    retry_policy=INFRA_RETRY,
                )
            return await workflow.execute_activity(
                activity, payload, start_to_close_timeout=REMOTE_TIMEOUT, retry_policy=INFRA_RETRY
            )
        except (ActivityError, ApplicationError) as exc:
            raise _failure(exc) from None

    async def run_script(self, node: Node, script: str, data: Any) -> Any:
        spec = self._run.spec
        params = ScriptRunInput(
            tenant_id=spec.tenant_id,
            tenant_slug=spec.tenant_slug,
            package_id=spec.package_id,
            script=script,
            input=data,
            user_id=spec.user_id,
            user_level=spec.user_level,
            kind="flow",
        )
        try:
            result = await workflow.execute_local_activity(
                RUN_SCRIPT_ACTIVITY,
                params,
                result_type=ScriptRunResult,
                start_to_close_timeout=timedelta(seconds=SCRIPT_TIMEOUT_S + ACTIVITY_GRACE_S),
                retry_policy=SCRIPT_RETRY,
            )
        except (ActivityError, ApplicationError) as exc:
            raise _failure(exc) from None
        room = max(MAX_LOGS - len(self.logs), 0)
        entries = [{"node": node.id, **e} for e in result.logs if isinstance(e, dict)]
        self.logs.extend(entries[:room])
        events = [e for e in result.events if isinstance(e, dict)]
        await self.publish(node, events[: max(MAX_EVENTS - len(self.events), 0)])
        return result.value

    async def publish(self, node: Node, events: list[dict[str, Any]]) -> None:
        """Record the node's events in the run and start the flows listening to them. If
        starting fails (after the activity's retries) the events are taken back out, so a
        retried node records them once; their keys are the same, so nothing starts twice."""
        if not events:
            return
        spec = self._run.spec
        self.events.extend(events)
        batch = EventBatch(
            tenant_id=spec.tenant_id,
            tenant_slug=spec.tenant_slug,
            source={
                "workflowId": self._run.workflow_id,
                "package": spec.package_id,
                "flow": spec.flow_id,
            },
            events=batch_events(self._run.workflow_id, self._position, events),
            user_id=spec.user_id,
            user_level=spec.user_level,
            depth=spec.event_depth,
        )
        try:
            delivery = await publish(batch)
        except (ActivityError, ApplicationError) as exc:
            self.events[:] = [e for e in self.events if not any(e is x for x in events)]
            raise _failure(exc) from None
        self._run.triggered.extend(delivery.started)
        room = max(MAX_LOGS - len(self.logs), 0)
        self.logs.extend([{"node": node.id, **e} for e in delivery_logs(delivery)][:room])

    async def sleep_ms(self, ms: int) -> None:
        entry = self._run.progress[self._node_id]
        entry["status"] = "waiting"
        await workflow.sleep(timedelta(milliseconds=ms))
        entry["status"] = "running"

    async def approval(self, node: Node, min_level: int, timeout_ms: int | None) -> dict[str, Any]:
        pending = PendingApproval(node.id, min_level)
        self._run.approvals[node.id] = pending
        entry = self._run.progress[node.id]
        entry["status"] = "waiting"
        entry["approval"] = {"minLevel": min_level}
        timeout = timedelta(milliseconds=timeout_ms) if timeout_ms else None
        try:
            await workflow.wait_condition(lambda: pending.decision is not None, timeout=timeout)
        except TimeoutError:
            pending.decision = {"approved": False, "reason": "timeout"}
        finally:
            self._run.approvals.pop(node.id, None)
        entry["status"] = "running"
        assert pending.decision is not None
        return pending.decision

    async def subflow(self, node: Node, flow_id: str, data: Any) -> Any:
        spec = self._run.spec
        definition = spec.subflows.get(flow_id)
        if flow_id == spec.flow_id:
            definition = spec.definition
        if definition is None:
            raise NodeFailure("FLOW_NOT_FOUND", f"no flow {flow_id!r} pinned for this run")
        if spec.depth + 1 >= MAX_DEPTH:
            raise NodeFailure("LIMIT", f"sub-flows nest at most {MAX_DEPTH} deep")
        child = FlowRunInput(
            tenant_id=spec.tenant_id,
            tenant_slug=spec.tenant_slug,
            package_id=spec.package_id,
            flow_id=flow_id,
            definition=definition,
            input=data,
            user_id=spec.user_id,
            user_level=spec.user_level,
            trigger="subflow",
            env=spec.env,
            subflows=spec.subflows,
            depth=spec.depth + 1,
            event_depth=spec.event_depth,
        )
        suffix = idempotency_key(self._run.workflow_id, f"{self._position}|subflow")
        try:
            result: FlowRunResult = await workflow.execute_child_workflow(
                "FlowRun",
                child,
                id=f"{spec.tenant_slug}/{spec.package_id}/flow:{flow_id}/{suffix}",
                result_type=FlowRunResult,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=search_attributes.run_attributes(
                    tenant=spec.tenant_slug,
                    package=spec.package_id,
                    action=flow_id,
                    user=spec.user_id,
                    kind="flow",
                ),
            )
        except ChildWorkflowError as exc:
            cause = exc.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(exc)
            raise NodeFailure("SUBFLOW_FAILED", message) from None
        self.events.extend(result.events)
        return result.response["body"] if result.response else result.output

    def respond(self, status: int, body: Any, headers: dict[str, str]) -> None:
        self._run.response = {"status": status, "body": body, "headers": headers}

    def random_token(self, length: int) -> str:
        rng = workflow.random()
        return "".join(rng.choice(TOKEN_ALPHABET) for _ in range(length))


def _failure(exc: ActivityError | ApplicationError) -> NodeFailure:
    """A failed activity as a node failure (local activities fail with the bare cause)."""
    cause = exc if isinstance(exc, ApplicationError) else exc.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        if cause.type == SCRIPT_ERROR:  # the script's own code, file and line stay as details
            return NodeFailure("SCRIPT_ERROR", cause.message, retryable=True, details=details)
        return NodeFailure(
            str(details.get("code") or "ERROR"),
            cause.message,
            retryable=bool(details.get("retryable", True)),
            details=details.get("details"),
        )
    return NodeFailure(
        "ACTIVITY_FAILED", f"{type(cause).__name__ if cause else 'activity'} failed", retryable=True
    )
