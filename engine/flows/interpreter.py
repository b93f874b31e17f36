"""The flow interpreter: walks the node graph inside the FlowRun workflow.

Semantics (a dead-path-eliminating DAG walk, like BPMN or Airflow's "one success"):
- a node runs once all its incoming edges are resolved and at least one of them fired; when
  none fired it is `skipped` and its outgoing edges are dead too (so a falsy original
  `condition` simply stops its path, and a merge waits for every branch that can reach it);
- independent branches run concurrently (asyncio tasks on Temporal's deterministic loop);
- a loop node runs its body (the nodes reachable from its `item` output) once per item,
  sequentially; edges back into the loop node end an iteration; then it fires `done` with
  the outputs of the iterations;
- a failing node is retried per its `retry` policy (durable timers in between), then its
  `onError` decides: `stop` fails the run, `continue` fires its regular output with
  `{error}`, `error` fires its `error` output.

All time comes from the workflow clock and all randomness from `workflow.random()`; side
effects go through activities, with idempotency keys from `calls.idempotency_key`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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
from engine.flows.expressions import Evaluator
from engine.flows.model import ERROR_OUTPUT, MAIN, Edge, Flow, Node
from engine.flows.nodes import HANDLERS, NodeFailure, NodeResult, settle
from engine.flows.nodetypes import outputs_of
from engine.flows.payloads import FLOW_FAILED, MAX_DEPTH, FlowRunInput, FlowRunResult
from engine.workflows.script_run import (
    ACTIVITY_GRACE_S,
    RUN_SCRIPT_ACTIVITY,
    SCRIPT_ERROR,
    ScriptRunInput,
    ScriptRunResult,
)
from scripts_runtime.expr import ExpressionError

LOOP = "metabuilder.loop"
LOCAL_ACTIVITIES = frozenset({DATABASE_ACTIVITY, RATE_LIMIT_ACTIVITY})
MAX_LOOP_ITEMS = 1000
SCRIPT_TIMEOUT_S = 60.0
TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass
class PendingApproval:
    node_id: str
    min_level: int
    decision: dict[str, Any] | None = None


@dataclass
class _Region:
    """One walk over a set of nodes (the whole flow, or one loop iteration's body)."""

    nodes: frozenset[str]
    extra: dict[str, Any]
    path: str
    pending: dict[str, int] = field(default_factory=dict)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    last: Any = None


class Interpreter:
    def __init__(self, flow: Flow, spec: FlowRunInput) -> None:
        self.flow = flow
        self.spec = spec
        info = workflow.info()
        self.workflow_id = info.workflow_id
        self.evaluator = Evaluator(lambda: workflow.now().timestamp() * 1000.0)
        self.events: list[dict[str, Any]] = []
        self.logs: list[dict[str, Any]] = []
        self.response: dict[str, Any] | None = None
        self.steps: dict[str, dict[str, Any]] = {}
        self.progress: dict[str, dict[str, Any]] = {
            n: {"status": "pending", "startedAt": None, "endedAt": None} for n in flow.nodes
        }
        self.approvals: dict[str, PendingApproval] = {}
        self.context = {
            "tenantId": spec.tenant_id,
            "tenantSlug": spec.tenant_slug,
            "packageId": spec.package_id,
            "flowId": spec.flow_id,
            "runId": self.workflow_id,
            "trigger": spec.trigger,
            "user": {"id": spec.user_id, "level": spec.user_level},
        }
        self._bodies = {n.id: self._body(n.id) for n in flow.nodes.values() if n.kind == LOOP}
        self._out: dict[str, list[Edge]] = {n: [] for n in flow.nodes}
        for edge in flow.edges:
            self._out[edge.source].append(edge)

    # -- the walk ---------------------------------------------------------------------------

    async def run(self) -> FlowRunResult:
        nested = set().union(*self._bodies.values()) if self._bodies else set()
        region = self._region(frozenset(set(self.flow.nodes) - nested), {}, "")
        await self._walk(region)
        return FlowRunResult(region.last, self.response, self.events, self.logs)

    def _body(self, loop_id: str) -> frozenset[str]:
        seen: set[str] = set()
        todo = [e.target for e in self.flow.outgoing(loop_id, "item")]
        while todo:
            node = todo.pop()
            if node == loop_id or node in seen:
                continue
            seen.add(node)
            todo.extend(e.target for e in self.flow.outgoing(node))
        return frozenset(seen)

    def _counts(self, edge: Edge, region: _Region) -> bool:
        if edge.source not in region.nodes or edge.target not in region.nodes:
            return False
        body = self._bodies.get(edge.target)
        return body is None or edge.source not in body  # a back edge ends an iteration

    def _region(self, nodes: frozenset[str], extra: dict[str, Any], path: str) -> _Region:
        region = _Region(nodes, extra, path)
        region.pending = dict.fromkeys(nodes, 0)
        region.inputs = {n: {} for n in nodes}
        for edge in self.flow.edges:
            if self._counts(edge, region):
                region.pending[edge.target] += 1
        return region

    async def _walk(self, region: _Region, starts: Mapping[str, Any] | None = None) -> None:
        if starts is None:
            first = [n for n in self.flow.nodes if n in region.nodes and region.pending[n] == 0]
            starts = dict.fromkeys(first, self.spec.input)
        for node_id, payload in starts.items():
            region.inputs[node_id]["$start"] = payload
        await settle(*(self._visit(region, n) for n in starts))

    async def _visit(self, region: _Region, node_id: str) -> None:
        node = self.flow.nodes[node_id]
        inputs = region.inputs[node_id]
        if not inputs:
            self._mark(node_id, "skipped", region)
            fired: dict[str, Any] = {}
        elif node.disabled:
            self._mark(node_id, "skipped", region)
            fired = {MAIN: next(iter(inputs.values()))}
        else:
            result = await self._execute(node, region)
            fired = result.fired
            region.last = result.output
        ready: list[str] = []
        for edge in self._out[node_id]:
            if not self._counts(edge, region):
                continue
            if edge.output in fired:
                region.inputs[edge.target][edge.source] = fired[edge.output]
            region.pending[edge.target] -= 1
            if region.pending[edge.target] == 0:
                ready.append(edge.target)
        await settle(*(self._visit(region, n) for n in ready))

    # -- one node ---------------------------------------------------------------------------

    def _scope(self, region: _Region, node_id: str) -> dict[str, Any]:
        inputs = region.inputs[node_id]
        return {
            "$json": self.spec.input,
            "$steps": self.steps,
            "$context": self.context,
            "$env": self.spec.env,
            "$input": next(iter(inputs.values()), None),
            "$inputs": {k: v for k, v in inputs.items() if k != "$start"},
            **region.extra,
        }

    def _mark(self, node_id: str, status: str, region: _Region, **extra: Any) -> None:
        entry = self.progress[node_id]
        now = workflow.now().isoformat()
        if status == "running":
            entry["startedAt"] = now
            entry["endedAt"] = None
            entry.pop("error", None)
        elif status in ("done", "failed", "skipped"):
            entry["endedAt"] = now
        entry["status"] = status
        if region.path:
            entry["iteration"] = region.path
        entry.update(extra)

    async def _execute(self, node: Node, region: _Region) -> NodeResult:
        position = f"{region.path}{node.id}"
        bound = _Bound(self, position, node.id)
        self._mark(node.id, "running", region, attempts=0)
        attempt = 0
        while True:
            attempt += 1
            self.progress[node.id]["attempts"] = attempt
            try:
                scope = self._scope(region, node.id)
                if node.kind == LOOP:
                    result = await self._loop(node, region, scope)
                else:
                    result = await HANDLERS[node.kind](bound, node, scope)
                break
            except ExpressionError as exc:
                failure = NodeFailure("EXPRESSION_ERROR", str(exc))
            except NodeFailure as exc:
                failure = exc
            if failure.retryable and attempt < node.retry.max_attempts:
                await workflow.sleep(timedelta(milliseconds=node.retry.delay_ms(attempt)))
                continue
            result = self._on_error(node, failure, region)
            break
        self.steps[node.id] = {"output": result.output}
        if self.progress[node.id]["status"] == "running":
            self._mark(node.id, "done", region, output=result.output)
        return result

    def _on_error(self, node: Node, failure: NodeFailure, region: _Region) -> NodeResult:
        error = failure.to_json()
        self._mark(node.id, "failed", region, error=error)
        if node.on_error == "stop":
            raise ApplicationError(
                f"node {node.id!r} failed: {failure.message}",
                {**error, "node": node.id},
                type=FLOW_FAILED,
                non_retryable=True,
            )
        output = {"error": error}
        if node.on_error == "error":
            return NodeResult(output, {ERROR_OUTPUT: output})
        return NodeResult(output, {outputs_of(node.kind, node.parameters)[0]: output})

    async def _loop(self, node: Node, region: _Region, scope: dict[str, Any]) -> NodeResult:
        items = self.evaluator.param(node.parameters, "items", scope)
        if not isinstance(items, list):
            raise NodeFailure("BAD_PARAMETER", "items must evaluate to a list")
        if len(items) > MAX_LOOP_ITEMS:
            raise NodeFailure("LIMIT", f"a loop runs at most {MAX_LOOP_ITEMS} items")
        body = self._bodies[node.id] - set().union(
            *(b for k, b in self._bodies.items() if k != node.id and k in self._bodies[node.id])
        )
        starts = [e.target for e in self.flow.outgoing(node.id, "item")]
        results: list[Any] = []
        for index, item in enumerate(items):
            extra = {**region.extra, "$item": item, "$index": index}
            inner = self._region(frozenset(body), extra, f"{region.path}{node.id}[{index}]/")
            await self._walk(inner, dict.fromkeys(starts, item))
            results.append(inner.last)
        return NodeResult(results, {"done": results})


class _Bound:
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
        for event in result.events:
            if isinstance(event, dict) and len(self.events) < 100:
                self.events.append(event)
        self.logs.extend({"node": node.id, **e} for e in result.logs if isinstance(e, dict))
        return result.value

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
