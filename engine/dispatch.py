"""Dispatch: turn a user action into a ScriptRun workflow and (by default) wait for its answer.

The dispatcher checks what it can before anything durable happens (the action exists in the
package, the caller's level is high enough, the input matches the script's schema), then starts
the run with a readable id `{tenant}/{package}/{action}/{uuid}` and search attributes. With an
idempotency key the id is derived from the key, so a retried request joins the first run.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import jsonschema
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.exceptions import TimeoutError as TemporalTimeoutError

from engine import search_attributes
from engine.errors import ActionDenied, ActionNotFound, DispatchError
from engine.temporal_client import TemporalConnection
from engine.workflows.script_run import SCRIPT_ERROR, ScriptRun, ScriptRunInput, ScriptRunResult

IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c2a1e-8c1b-4c55-9a51-0d7d3b0e9f11")
DEFAULT_WAIT_S = 30.0

RunStatus = Literal["completed", "failed", "running"]


class ScriptInfo(Protocol):
    """What dispatch reads of a script manifest."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def min_level(self) -> int: ...
    @property
    def input_schema(self) -> dict[str, Any] | None: ...
    @property
    def timeout_s(self) -> float: ...


class ScriptLookup(Protocol):
    """What dispatch needs from the package layer: the manifest of an action of a package,
    of the version the tenant installed (None, or a version the catalog no longer has: the
    newest; `Catalog.pick`)."""

    def __call__(self, package_id: str, script: str, version: str | None) -> ScriptInfo | None: ...


@dataclass
class ActionRequest:
    tenant_id: str
    tenant_slug: str
    package_id: str
    action: str
    input: Any = None
    user_id: str | None = None
    user_level: int = 0
    idempotency_key: str | None = None
    version: str | None = None  # the package version the tenant installed


@dataclass
class ActionOutcome:
    workflow_id: str
    run_id: str | None
    status: RunStatus
    result: Any = None
    error: dict[str, Any] | None = None
    logs: list[Any] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "workflowId": self.workflow_id,
            "runId": self.run_id,
            "status": self.status,
            "result": self.result,
        }
        if self.error is not None:
            body["error"] = self.error
        return body


class Dispatcher:
    def __init__(
        self, connection: TemporalConnection, *, task_queue: str, lookup: ScriptLookup
    ) -> None:
        self._connection = connection
        self._task_queue = task_queue
        self._lookup = lookup

    def workflow_id(self, req: ActionRequest) -> str:
        if req.idempotency_key:
            suffix = uuid.uuid5(
                IDEMPOTENCY_NAMESPACE,
                f"{req.tenant_id}/{req.package_id}/{req.action}/{req.idempotency_key}",
            )
        else:
            suffix = uuid.uuid4()
        return f"{req.tenant_slug}/{req.package_id}/{req.action}/{suffix}"

    def check(self, req: ActionRequest) -> ScriptInfo:
        script = self._lookup(req.package_id, req.action, req.version)
        if script is None or script.kind != "action":
            raise ActionNotFound(f"no action {req.action!r} in package {req.package_id!r}")
        if req.user_level < script.min_level:
            raise ActionDenied(
                f"action {req.action!r} needs level {script.min_level}, "
                f"the caller has level {req.user_level}"
            )
        if script.input_schema:
            errors = sorted(
                jsonschema.Draft202012Validator(script.input_schema).iter_errors(req.input),
                key=lambda e: list(e.path),
            )
            if errors:
                raise InputInvalid(errors)
        return script

    async def start(self, req: ActionRequest) -> WorkflowHandle[Any, ScriptRunResult]:
        script = self.check(req)
        params = ScriptRunInput(
            tenant_id=req.tenant_id,
            tenant_slug=req.tenant_slug,
            package_id=req.package_id,
            script=req.action,
            input=req.input,
            user_id=req.user_id,
            user_level=req.user_level,
            kind="action",
            timeout_s=script.timeout_s,
            version=req.version,
        )
        client = await self._connection.client()
        workflow_id = self.workflow_id(req)
        try:
            return await self._start(client, params, workflow_id, req)
        except WorkflowAlreadyStartedError:
            # The same idempotency key after its run finished: answer with that run.
            return client.get_workflow_handle(workflow_id, result_type=ScriptRunResult)

    async def _start(
        self, client: Client, params: ScriptRunInput, workflow_id: str, req: ActionRequest
    ) -> WorkflowHandle[Any, ScriptRunResult]:
        return await client.start_workflow(
            ScriptRun.run,
            params,
            id=workflow_id,
            task_queue=self._task_queue,
            search_attributes=search_attributes.run_attributes(
                tenant=req.tenant_slug,
                package=req.package_id,
                action=req.action,
                user=req.user_id,
                kind="action",
            ),
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            request_eager_start=True,
        )

    async def run_action(
        self, req: ActionRequest, *, wait: bool = True, wait_s: float = DEFAULT_WAIT_S
    ) -> ActionOutcome:
        handle = await self.start(req)
        run_id = handle.result_run_id or handle.run_id
        if not wait:
            return ActionOutcome(handle.id, run_id, "running")
        try:
            result = await asyncio.wait_for(handle.result(), timeout=wait_s)
        except TimeoutError:
            return ActionOutcome(handle.id, run_id, "running")
        except WorkflowFailureError as exc:
            return ActionOutcome(handle.id, run_id, "failed", error=failure_details(exc))
        return ActionOutcome(handle.id, run_id, "completed", result.value, logs=result.logs)


class InputInvalid(DispatchError):
    def __init__(self, errors: list[jsonschema.ValidationError]) -> None:
        super().__init__("the action input does not match the script's input schema")
        self.details = [
            {"field": "/".join(str(p) for p in e.path) or "", "error": e.message} for e in errors
        ]


def failure_details(exc: WorkflowFailureError) -> dict[str, Any]:
    """The user-facing part of a failed run: the script's error, or a generic failure."""
    cause: BaseException | None = exc.cause
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type == SCRIPT_ERROR:
            details = cause.details[0] if cause.details else {}
            return {"code": "SCRIPT_ERROR", "message": cause.message, **dict(details)}
        if isinstance(cause, TemporalTimeoutError):
            return {"code": "TIMEOUT", "message": "the run timed out"}
        cause = cause.__cause__
    return {"code": "RUN_FAILED", "message": "the run failed"}
