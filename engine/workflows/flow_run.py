"""FlowRun: one generic workflow that interprets every flow definition (engine.flows).

Input is one `FlowRunInput` carrying the pinned definition; the workflow validates it, walks
the graph (`engine.flows.interpreter`) and returns a `FlowRunResult`. Business failures end
the run Failed with an `ApplicationError` of type `FlowFailed` (`{code, message, node}`).
Events its nodes emit start the flows listening to them, exactly once, through the
`flow_events` activity (`engine.flows.events`); the result's `triggered` lists those runs.

- `progress()` (query): `{"status", "nodes": {id: {status, startedAt, endedAt, error?,
  output?, attempts, iteration?}}, "approvals": [...]}` for the run browser.
- `decide(ApprovalDecision)` (update): approve or reject a waiting approval node; its
  validator refuses another tenant, a level below the node's `minLevel` and a run with
  nothing waiting, so a refused decision never enters the history.

The workflow runs unsandboxed (`sandboxed=False`): its code is our own interpreter, which
reads time only from `workflow.now()`, randomness only from `workflow.random()`, and does
no I/O; skipping the sandbox saves re-importing the expression engine for every run, which
the 40-step benchmark showed to dominate start-up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from engine.flows.errors import Issue
from engine.flows.interpreter import Interpreter
from engine.flows.payloads import (
    APPROVAL_REFUSED,
    FLOW_INVALID,
    ApprovalDecision,
    FlowRunInput,
    FlowRunResult,
)
from engine.flows.validate import validate_definition

__all__ = ["ApprovalDecision", "FlowRun", "FlowRunInput", "FlowRunResult"]


def _refuse(code: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"code": code}, type=APPROVAL_REFUSED, non_retryable=True)


@workflow.defn(name="FlowRun", sandboxed=False)
class FlowRun:
    def __init__(self) -> None:
        self._status = "running"
        self._interpreter: Interpreter | None = None
        self._tenant_id: str | None = None
        self._issues: list[Issue] = []

    @workflow.run
    async def run(self, params: FlowRunInput) -> FlowRunResult:
        self._tenant_id = params.tenant_id
        flow, issues = validate_definition(
            params.definition, known_flows={params.flow_id, *params.subflows}
        )
        if issues:
            self._status = "failed"
            self._issues = issues
            raise ApplicationError(
                f"flow {params.flow_id!r} is not valid: {issues[0].message}",
                {"code": "FLOW_INVALID", "issues": [i.to_json() for i in issues]},
                type=FLOW_INVALID,
                non_retryable=True,
            )
        self._interpreter = Interpreter(flow, params)
        try:
            result = await self._interpreter.run()
        except asyncio.CancelledError:
            self._status = "cancelled"
            raise
        except Exception:
            self._status = "failed"
            raise
        self._status = "completed"
        return result

    @workflow.query
    def progress(self) -> dict[str, Any]:
        run = self._interpreter
        body: dict[str, Any] = {"status": self._status, "nodes": run.progress if run else {}}
        if run is not None and run.approvals:
            body["status"] = "waiting"
            body["approvals"] = [
                {"node": a.node_id, "minLevel": a.min_level} for a in run.approvals.values()
            ]
        if self._issues:
            body["issues"] = [i.to_json() for i in self._issues]
        return body

    @workflow.update
    async def decide(self, decision: ApprovalDecision) -> dict[str, Any]:
        run = self._interpreter
        assert run is not None  # the validator saw a waiting approval
        pending = self._pending(decision)
        pending.decision = {
            "approved": decision.approved,
            "by": decision.user_id,
            "level": decision.user_level,
            "comment": decision.comment,
            "at": workflow.now().isoformat(),
        }
        return {"node": pending.node_id, **pending.decision}

    @decide.validator
    def _check_decision(self, decision: ApprovalDecision) -> None:
        if decision.tenant_id != self._tenant_id:
            raise _refuse("NOT_FOUND", "no such run in this tenant")
        pending = self._pending(decision)
        if pending.decision is not None:
            raise _refuse("CONFLICT", "this approval was already decided")
        if decision.user_level < pending.min_level:
            raise _refuse(
                "FORBIDDEN",
                f"approving needs level {pending.min_level}, the caller has {decision.user_level}",
            )

    def _pending(self, decision: ApprovalDecision) -> Any:
        run = self._interpreter
        waiting = run.approvals if run is not None else {}
        if decision.node_id is not None:
            found = waiting.get(decision.node_id)
        else:
            found = next(iter(waiting.values()), None)
        if found is None:
            raise _refuse("CONFLICT", "nothing in this run is waiting for approval")
        return found
