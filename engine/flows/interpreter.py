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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from engine.flows.expressions import Evaluator
from engine.flows.host import NodeExecution, PendingApproval
from engine.flows.model import ERROR_OUTPUT, MAIN, Edge, Flow, Node
from engine.flows.nodes import HANDLERS, NodeFailure, NodeResult, settle
from engine.flows.nodetypes import outputs_of
from engine.flows.payloads import FLOW_FAILED, FlowRunInput, FlowRunResult
from scripts_runtime.expr import ExpressionError

LOOP = "metabuilder.loop"
MAX_LOOP_ITEMS = 1000


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
        self.triggered: list[dict[str, Any]] = []
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
        return FlowRunResult(region.last, self.response, self.events, self.logs, self.triggered)

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
        bound = NodeExecution(self, position, node.id)
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
        regular = "done" if node.kind == LOOP else outputs_of(node.kind, node.parameters)[0]
        return NodeResult(output, {regular: output})

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
