"""FlowDispatcher: find a package's flow, check it and the caller, start a FlowRun.

    dispatcher = FlowDispatcher(connection, task_queue="metabuilder", catalog=catalog)
    outcome = await dispatcher.run(FlowRequest(tenant_id, "acme", "flow_demo", "create_note",
                                               input={...}, user_id=..., user_level=1))

Run ids are `{tenant}/{package}/flow:{flowId}/{uuid}` (uuid5 of an idempotency key when one is
given, as for actions); search attributes MbTenant, MbPackage, MbAction (the flow id), MbUser,
MbKind="flow". The definition is validated and pinned into the input, with the definitions
of every flow it may start as a sub-flow, so later edits never reach a run in flight.
`schedule_action` gives a Temporal Schedule what it needs to start the same workflow.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from temporalio.client import (
    Client,
    ScheduleActionStartWorkflow,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from engine import search_attributes
from engine.dispatch import DEFAULT_WAIT_S, IDEMPOTENCY_NAMESPACE, ActionOutcome, failure_details
from engine.flows.errors import FlowDenied, FlowInvalid, FlowNotFound
from engine.flows.model import Flow
from engine.flows.payloads import FLOW_FAILED, FLOW_INVALID, FlowRunInput, FlowRunResult
from engine.flows.validate import validate_definition
from engine.packages import Catalog
from engine.packages.model import Package
from engine.temporal_client import TemporalConnection

HAND_TRIGGERS = ("manual", "page")
EnvLookup = Callable[[str], dict[str, Any]]


def package_flows(package: Package) -> dict[str, dict[str, Any]]:
    """A package's flow definitions by id (`workflow_x` files also answer to `x`)."""
    flows: dict[str, dict[str, Any]] = {}
    for doc in package.workflows:
        flow_id = str(doc.get("id"))
        flows[flow_id] = doc
    for flow_id, doc in list(flows.items()):
        short = flow_id.removeprefix("workflow_")
        flows.setdefault(short, doc)
    return flows


@dataclass
class FlowRequest:
    tenant_id: str
    tenant_slug: str
    package_id: str
    flow_id: str
    input: Any = None
    user_id: str | None = None
    user_level: int = 0
    trigger: str = "manual"
    idempotency_key: str | None = None
    event_depth: int = 0
    version: str | None = None  # the package version the tenant installed (`Catalog.pick`)


@dataclass(frozen=True)
class PreparedFlow:
    flow: Flow
    params: FlowRunInput


class FlowDispatcher:
    def __init__(
        self,
        connection: TemporalConnection,
        *,
        task_queue: str,
        catalog: Catalog,
        env_for: EnvLookup | None = None,
    ) -> None:
        self._connection = connection
        self._task_queue = task_queue
        self._catalog = catalog
        self._env_for = env_for

    def definitions(self, package_id: str, version: str | None = None) -> dict[str, dict[str, Any]]:
        """The flows of the package's `version` (as `Catalog.pick` chooses)."""
        package = self._catalog.pick(package_id, version)
        return package_flows(package) if package is not None else {}

    def prepare(self, req: FlowRequest, *, check_level: bool = True) -> PreparedFlow:
        """Find, validate and pin the flow; check the caller's level for hand triggers."""
        package = self._catalog.pick(req.package_id, req.version)
        flows = package_flows(package) if package is not None else {}
        doc = flows.get(req.flow_id)
        if package is None or doc is None:
            raise FlowNotFound(f"no flow {req.flow_id!r} in package {req.package_id!r}")
        flow, issues = validate_definition(doc, known_flows=flows.keys())
        if issues:
            raise FlowInvalid(flow.id, issues)
        if check_level and req.trigger in HAND_TRIGGERS:
            self._check_hand_start(flow, package, req.user_level)
        params = FlowRunInput(
            tenant_id=req.tenant_id,
            tenant_slug=req.tenant_slug,
            package_id=req.package_id,
            flow_id=flow.id,
            definition=doc,
            input=req.input,
            user_id=req.user_id,
            user_level=req.user_level,
            trigger=req.trigger,
            env=self._env_for(req.tenant_id) if self._env_for else {},
            subflows=_reachable_subflows(flow, flows),
            event_depth=req.event_depth,
        )
        return PreparedFlow(flow, params)

    @staticmethod
    def _check_hand_start(flow: Flow, package: Package, level: int) -> None:
        hand = [t for t in flow.triggers if t.kind in HAND_TRIGGERS]
        if flow.triggers and not hand:
            raise FlowDenied(f"flow {flow.id!r} cannot be started by hand")
        base = flow.min_level if flow.min_level is not None else package.min_level
        needed = max([base, *(t.min_level for t in hand)])
        if level < needed:
            raise FlowDenied(f"flow {flow.id!r} needs level {needed}, the caller has level {level}")

    def workflow_id(self, req: FlowRequest, flow_id: str) -> str:
        if req.idempotency_key:
            suffix = uuid.uuid5(
                IDEMPOTENCY_NAMESPACE,
                f"{req.tenant_id}/{req.package_id}/flow:{flow_id}/{req.idempotency_key}",
            )
        else:
            suffix = uuid.uuid4()
        return f"{req.tenant_slug}/{req.package_id}/flow:{flow_id}/{suffix}"

    async def start(
        self, req: FlowRequest, *, check_level: bool = True
    ) -> WorkflowHandle[Any, FlowRunResult]:
        # prepare reads the tenant's settings ($env) from the database: off the event loop
        prepared = await asyncio.to_thread(self.prepare, req, check_level=check_level)
        return await self.start_prepared(prepared.params, self.workflow_id(req, prepared.flow.id))

    async def start_prepared(
        self, params: FlowRunInput, workflow_id: str
    ) -> WorkflowHandle[Any, FlowRunResult]:
        client = await self._connection.client()
        try:
            return await self._start(client, params, workflow_id)
        except WorkflowAlreadyStartedError:
            return client.get_workflow_handle(workflow_id, result_type=FlowRunResult)

    async def _start(
        self, client: Client, params: FlowRunInput, workflow_id: str
    ) -> WorkflowHandle[Any, FlowRunResult]:
        return await client.start_workflow(
            "FlowRun",
            params,
            id=workflow_id,
            task_queue=self._task_queue,
            result_type=FlowRunResult,
            search_attributes=attributes(params),
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            request_eager_start=True,
        )

    async def run(
        self,
        req: FlowRequest,
        *,
        wait: bool = True,
        wait_s: float = DEFAULT_WAIT_S,
        check_level: bool = True,
    ) -> FlowOutcome:
        handle = await self.start(req, check_level=check_level)
        return await outcome_of(handle, wait=wait, wait_s=wait_s)

    def schedule_action(
        self, params: FlowRunInput, *, id_prefix: str
    ) -> ScheduleActionStartWorkflow:
        """What a Temporal Schedule starts: the same FlowRun with a plain input."""
        return ScheduleActionStartWorkflow(
            "FlowRun",
            params,
            id=id_prefix,
            task_queue=self._task_queue,
            typed_search_attributes=attributes(params),
        )


@dataclass
class FlowOutcome(ActionOutcome):
    response: dict[str, Any] | None = None
    events: list[dict[str, Any]] | None = None


async def outcome_of(
    handle: WorkflowHandle[Any, FlowRunResult], *, wait: bool, wait_s: float
) -> FlowOutcome:
    run_id = handle.result_run_id or handle.run_id
    if not wait:
        return FlowOutcome(handle.id, run_id, "running")
    try:
        result = await asyncio.wait_for(handle.result(), timeout=wait_s)
    except TimeoutError:
        return FlowOutcome(handle.id, run_id, "running")
    except WorkflowFailureError as exc:
        return FlowOutcome(handle.id, run_id, "failed", error=flow_failure(exc))
    body = result.response["body"] if result.response else result.output
    return FlowOutcome(
        handle.id,
        run_id,
        "completed",
        body,
        logs=result.logs,
        response=result.response,
        events=result.events,
    )


def flow_failure(exc: WorkflowFailureError) -> dict[str, Any]:
    """The user-facing part of a failed flow: the node's code and message, or the generic."""
    cause: BaseException | None = exc.cause
    while cause is not None:
        if isinstance(cause, ApplicationError) and cause.type in (FLOW_FAILED, FLOW_INVALID):
            details = cause.details[0] if cause.details else {}
            return {"message": cause.message, **dict(details)}
        cause = cause.__cause__
    return failure_details(exc)


def attributes(params: FlowRunInput) -> Any:
    return search_attributes.run_attributes(
        tenant=params.tenant_slug,
        package=params.package_id,
        action=params.flow_id,
        user=params.user_id,
        kind="flow",
    )


def _reachable_subflows(
    flow: Flow, flows: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    pinned: dict[str, dict[str, Any]] = {}
    todo = [flow]
    while todo:
        current = todo.pop()
        for node in current.nodes.values():
            target = node.parameters.get("flow") if node.kind == "metabuilder.subflow" else None
            if isinstance(target, str) and target in flows and target not in pinned:
                pinned[target] = flows[target]
                todo.append(validate_definition(flows[target], fallback_id=target)[0])
    return pinned
