"""What each node type does, given a `NodeHost` (the running interpreter).

A handler evaluates its parameters against the scope, does its work (pure nodes here, side
effects through the host's activity calls, timers, child runs) and returns a `NodeResult`:
the output recorded as `$steps.<id>.output` and the named outputs it fires. A failure is a
`NodeFailure` (code, message, retryable); the interpreter applies retries and `onError`.
Loops are run by the interpreter itself (they need the graph), not here.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.flows import rules
from engine.flows.calls import (
    DATABASE_ACTIVITY,
    EMAIL_ACTIVITY,
    HTTP_ACTIVITY,
    RATE_LIMIT_ACTIVITY,
)
from engine.flows.expressions import Evaluator
from engine.flows.model import MAIN, Node
from engine.flows.timing import wait_ms
from scripts_runtime.expr import loose_equals, truthy

MAX_EVENTS = 100
MAX_LOGS = 200


async def settle(*steps: Awaitable[Any]) -> list[Any]:
    """Run concurrently and wait for every one before raising the first failure: a sibling's
    activity is never left in flight when the run fails (the SDK keeps the workflow task open
    for an outstanding local activity)."""
    results = await asyncio.gather(*steps, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


class NodeFailure(Exception):
    def __init__(self, code: str, message: str, *, retryable: bool = False, details: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.details = details

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


@dataclass
class NodeResult:
    output: Any
    fired: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def main(cls, output: Any) -> NodeResult:
        return cls(output, {MAIN: output})


class NodeHost(Protocol):
    """What handlers may use: evaluation, activities, timers, approvals, sub-flows, outputs."""

    evaluator: Evaluator
    events: list[dict[str, Any]]
    logs: list[dict[str, Any]]

    async def call(self, activity: str, node: Node, op: str, params: dict[str, Any]) -> Any: ...
    async def run_script(self, node: Node, script: str, data: Any) -> Any: ...
    async def sleep_ms(self, ms: int) -> None: ...
    async def approval(
        self, node: Node, min_level: int, timeout_ms: int | None
    ) -> dict[str, Any]: ...
    async def subflow(self, node: Node, flow_id: str, data: Any) -> Any: ...
    async def publish(self, node: Node, events: list[dict[str, Any]]) -> None: ...
    def respond(self, status: int, body: Any, headers: dict[str, str]) -> None: ...
    def random_token(self, length: int) -> str: ...


Handler = Callable[[NodeHost, Node, Mapping[str, Any]], Awaitable[NodeResult]]


def _params(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> dict[str, Any]:
    value = host.evaluator.value(node.parameters, scope)
    return value if isinstance(value, dict) else {}


async def database(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    op = node.operation or ""
    return NodeResult.main(await host.call(DATABASE_ACTIVITY, node, op, params))


async def operation(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    op = node.operation or ""
    if op.startswith("database_"):
        return await database(host, node, scope)
    params = _params(host, node, scope)
    if op == "email_send":
        return NodeResult.main(await host.call(EMAIL_ACTIVITY, node, op, params))
    if op == "sha256":
        text = params.get("input")
        data = text if isinstance(text, str) else str(text)
        return NodeResult.main(hashlib.sha256(data.encode()).hexdigest())
    if op == "generate_random_token":
        length = params.get("length", 32)
        size = length if isinstance(length, int) and 8 <= length <= 256 else 32
        return NodeResult.main(host.random_token(size))
    if op == "parallel":
        return NodeResult.main(await _parallel(host, node, params))
    raise NodeFailure("UNSUPPORTED", f"operation {op!r} is not supported")


async def _parallel(host: NodeHost, node: Node, params: dict[str, Any]) -> dict[str, Any]:
    tasks = [t for t in params.get("tasks") or [] if isinstance(t, dict)]

    async def one(task: dict[str, Any]) -> Any:
        inner = dict(task.get("params") or {})
        inner.update({k: v for k, v in task.items() if k in ("entity",)})
        sub = Node(f"{node.id}.{task.get('id')}", node.kind, node.type, operation=task.get("op"))
        return await host.call(DATABASE_ACTIVITY, sub, str(task.get("op")), inner)

    results = await settle(*(one(t) for t in tasks))
    return {str(t.get("id")): r for t, r in zip(tasks, results, strict=True)}


async def action(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    op = node.operation
    if op == "http_response":
        status = params.get("status", 200)
        headers = params.get("headers") if isinstance(params.get("headers"), dict) else {}
        host.respond(
            status if isinstance(status, int) else 200,
            params.get("body"),
            {str(k): str(v) for k, v in (headers or {}).items()},
        )
        return NodeResult.main(params.get("body"))
    if op == "emit_event":
        return NodeResult.main(await _emit(host, node, params))
    if op == "log":
        if len(host.logs) < MAX_LOGS:
            host.logs.append(
                {
                    "node": node.id,
                    "level": str(params.get("level") or "info"),
                    "message": params.get("message"),
                }
            )
        return NodeResult.main(params.get("message"))
    raise NodeFailure("UNSUPPORTED", f"action {op!r} is not supported")


async def _emit(host: NodeHost, node: Node, params: dict[str, Any]) -> dict[str, Any]:
    """Record the event in the run and start the flows listening to it (engine.flows.events)."""
    event = {"name": str(params.get("event")), "data": params.get("data")}
    if params.get("channel") is not None:
        event["channel"] = str(params["channel"])
    if len(host.events) >= MAX_EVENTS:
        raise NodeFailure("LIMIT", f"at most {MAX_EVENTS} events per run")
    await host.publish(node, [event])
    return event


async def emit_event(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    return NodeResult.main(await _emit(host, node, _params(host, node, scope)))


async def transform(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    key = "output" if "output" in node.parameters else "input"
    return NodeResult.main(host.evaluator.param(node.parameters, key, scope))


async def validate(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    failures = rules.check(params.get("input"), params.get("rules"), params.get("validator"))
    if failures:
        message = params.get("errorMessage") or "validation failed"
        raise NodeFailure("VALIDATION_FAILED", str(message), details=failures)
    return NodeResult.main(params.get("input"))


async def condition(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    result = truthy(host.evaluator.param(node.parameters, "condition", scope))
    return NodeResult(result, {"true" if result else "false": scope.get("$input")})


async def switch(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    value = host.evaluator.param(node.parameters, "value", scope)
    for case in node.parameters.get("cases") or []:
        if "when" in case:
            matched = truthy(host.evaluator.value(case["when"], {**scope, "$value": value}))
        else:
            matched = loose_equals(value, host.evaluator.value(case.get("value"), scope))
        if matched:
            return NodeResult(case["output"], {case["output"]: scope.get("$input")})
    return NodeResult("default", {"default": scope.get("$input")})


async def rate_limit(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    result = await host.call(RATE_LIMIT_ACTIVITY, node, "rate_limit", params)
    if not result.get("allowed"):
        message = params.get("errorMessage") or "rate limit exceeded"
        raise NodeFailure("RATE_LIMITED", str(message), details=result)
    return NodeResult.main(result)


async def script(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    data = params.get("input", scope.get("$input"))
    return NodeResult.main(await host.run_script(node, str(params["script"]), data))


async def http_request(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    return NodeResult.main(await host.call(HTTP_ACTIVITY, node, "http_request", params))


async def merge(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    inputs = scope.get("$inputs") or {}
    mode = node.parameters.get("mode", "object")
    output: Any = list(inputs.values()) if mode == "append" else dict(inputs)
    return NodeResult.main(output)


async def passthrough(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    return NodeResult.main(scope.get("$input"))


async def wait(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    ms = wait_ms(_params(host, node, scope))
    if ms is None:
        raise NodeFailure("BAD_PARAMETER", "the wait duration is not valid")
    await host.sleep_ms(ms)
    return NodeResult.main(scope.get("$input"))


async def approval(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    level = params.get("minLevel", 3)
    timeout = params.get("timeoutMs")
    decision = await host.approval(
        node, level if isinstance(level, int) else 3, timeout if isinstance(timeout, int) else None
    )
    port = "approved" if decision.get("approved") else "rejected"
    return NodeResult(decision, {port: decision})


async def subflow(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    data = params.get("input", scope.get("$input"))
    return NodeResult.main(await host.subflow(node, str(params["flow"]), data))


async def email(host: NodeHost, node: Node, scope: Mapping[str, Any]) -> NodeResult:
    params = _params(host, node, scope)
    return NodeResult.main(await host.call(EMAIL_ACTIVITY, node, "email_send", params))


HANDLERS: dict[str, Handler] = {
    "metabuilder.database": database,
    "metabuilder.operation": operation,
    "metabuilder.action": action,
    "metabuilder.transform": transform,
    "metabuilder.validate": validate,
    "metabuilder.condition": condition,
    "metabuilder.rateLimit": rate_limit,
    "metabuilder.script": script,
    "metabuilder.httpRequest": http_request,
    "metabuilder.switch": switch,
    "metabuilder.merge": merge,
    "metabuilder.parallel": passthrough,
    "metabuilder.wait": wait,
    "metabuilder.approval": approval,
    "metabuilder.subflow": subflow,
    "metabuilder.email": email,
    "metabuilder.emitEvent": emit_event,
}
