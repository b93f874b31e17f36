"""What the run browser shows of one Temporal run, and who may see and act on it.

Level rules (tested in tests/web/runs/test_levels.py):
    public (0), or no role in the tenant   no runs (401 anonymous, 403 signed in)
    user (1), moderator (2)                 the runs they started (`MbUser` = their id);
                                            cancel and retry those
    admin (3) and above                     every run of the tenant; cancel and retry any
A run belongs to a tenant by its `MbTenant` search attribute, never by its id alone; a run
the viewer may not see answers 404, as if it did not exist.

A run's inputs come from its first history event, its outcome from its close event (both
fetched alone, not the whole history); flows (workflow type `FlowRun`) add their node-by-node
`progress` query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowHistoryEventFilterType,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from engine import search_attributes
from engine.accounts.levels import ADMIN, USER
from engine.dispatch import failure_details
from web.api.run_query import status_name
from web.identity import Identity

SCRIPT_RUN: Final = "ScriptRun"
FLOW_RUN: Final = "FlowRun"
PROGRESS_QUERY: Final = "progress"
QUERY_TIMEOUT: Final = timedelta(seconds=3)


@dataclass(frozen=True)
class Viewer:
    """The caller as the run browser sees them, in the tenant the URL names."""

    user_id: str | None
    level: int

    @classmethod
    def of(cls, identity: Identity) -> Viewer:
        return cls(identity.user_id, identity.level)

    @property
    def sees_all(self) -> bool:
        return self.level >= ADMIN

    @property
    def only_user(self) -> str | None:
        """The user id every listing is narrowed to, or None for viewers who see all runs."""
        return None if self.sees_all else self.user_id

    def may_see(self, run_user: str | None) -> bool:
        if self.sees_all:
            return True
        return self.level >= USER and self.user_id is not None and run_user == self.user_id

    # Acting on a run needs the same reach as seeing it (the dispatcher re-checks an action's
    # own minimum level when a retry starts it again).
    may_act = may_see


def attribute(run: WorkflowExecution, key: Any) -> str | None:
    value = run.typed_search_attributes.get(key)
    return value if isinstance(value, str) else None


def run_tenant(run: WorkflowExecution) -> str | None:
    return attribute(run, search_attributes.TENANT)


def run_user(run: WorkflowExecution) -> str | None:
    return attribute(run, search_attributes.USER)


def temporal_url(ui_url: str, namespace: str, workflow_id: str, run_id: str) -> str:
    """The run's history page in Temporal UI; ids are one path segment each (slashes encoded)."""
    parts = (quote(namespace, safe=""), quote(workflow_id, safe=""), quote(run_id, safe=""))
    return f"{ui_url.rstrip('/')}/namespaces/{parts[0]}/workflows/{parts[1]}/{parts[2]}/history"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def summary(run: WorkflowExecution, ui_url: str) -> dict[str, Any]:
    """One row of the run list."""
    return {
        "workflowId": run.id,
        "runId": run.run_id,
        "type": run.workflow_type,
        "status": status_name(run.status),
        "tenant": run_tenant(run),
        "package": attribute(run, search_attributes.PACKAGE),
        "action": attribute(run, search_attributes.ACTION),
        "kind": attribute(run, search_attributes.KIND),
        "user": run_user(run),
        "startedAt": iso(run.start_time),
        "closedAt": iso(run.close_time),
        "temporalUrl": temporal_url(ui_url, run.namespace, run.id, run.run_id),
    }


def retryable(run: WorkflowExecution) -> bool:
    """Actions and flows can be started again by hand; cron ticks, installs and media jobs
    have their own ways to run again."""
    kind = attribute(run, search_attributes.KIND)
    return (run.workflow_type, kind) in ((SCRIPT_RUN, "action"), (FLOW_RUN, "flow"))


def permissions(
    run: WorkflowExecution, viewer: Viewer, progress: Mapping[str, Any] | None
) -> dict[str, bool]:
    """Which buttons the viewer gets; every endpoint checks again (a flow's approval in the
    workflow itself, against the waiting node's `minLevel`)."""
    running = run.status == WorkflowExecutionStatus.RUNNING
    acts = viewer.may_act(run_user(run))
    approvals = (progress or {}).get("approvals") or []
    levels = [int(a.get("minLevel") or 0) for a in approvals if isinstance(a, Mapping)]
    return {
        "cancel": acts and running,
        "retry": acts and retryable(run) and not running,
        "approve": running and bool(levels) and viewer.level >= max(USER, min(levels)),
    }


async def first_event(handle: WorkflowHandle[Any, Any]) -> HistoryEvent | None:
    async for event in handle.fetch_history_events(page_size=1):
        return event
    return None


async def close_event(
    handle: WorkflowHandle[Any, Any], *, wait: bool = False
) -> HistoryEvent | None:
    """The run's close event; with `wait`, long-poll until the run closes."""
    events = handle.fetch_history_events(
        wait_new_event=wait, event_filter_type=WorkflowHistoryEventFilterType.CLOSE_EVENT
    )
    async for event in events:
        return event
    return None


async def run_inputs(client: Client, handle: WorkflowHandle[Any, Any]) -> list[Any]:
    event = await first_event(handle)
    if event is None or not event.HasField("workflow_execution_started_event_attributes"):
        return []
    payloads = event.workflow_execution_started_event_attributes.input
    return await client.data_converter.decode_wrapper(payloads)


def shown_input(workflow_type: str, args: list[Any]) -> Any:
    """What the person asked for: the `input` field of a ScriptRun's or FlowRun's parameters
    (not the flow definition or the ids around it), else the run's arguments."""
    if workflow_type in (SCRIPT_RUN, FLOW_RUN) and args and isinstance(args[0], Mapping):
        return args[0].get("input")
    return args[0] if len(args) == 1 else args


async def outcome(client: Client, event: HistoryEvent | None) -> dict[str, Any]:
    """`{status, result?, logs?, triggered?, error?}` of a closed run from its close event;
    `triggered`: the runs its events started (`{event, package, flow, workflowId}`)."""
    if event is None:
        return {"status": "running"}
    if event.HasField("workflow_execution_completed_event_attributes"):
        values = await client.data_converter.decode_wrapper(
            event.workflow_execution_completed_event_attributes.result
        )
        value = values[0] if values else None
        # ScriptRunResult {value, logs, ...} and FlowRunResult {output, logs, ...}
        for field in ("value", "output"):
            if isinstance(value, Mapping) and {field, "logs"} <= value.keys():
                done = {"status": "completed", "result": value[field], "logs": value["logs"]}
                if isinstance(value.get("triggered"), list) and value["triggered"]:
                    done["triggered"] = value["triggered"]
                return done
        return {"status": "completed", "result": value}
    if event.HasField("workflow_execution_failed_event_attributes"):
        failure = event.workflow_execution_failed_event_attributes.failure
        cause = await client.data_converter.decode_failure(failure)
        error = failure_details(WorkflowFailureError(cause=cause))
        if error["code"] == "RUN_FAILED":
            error.update(own_failure(cause))
        return {"status": "failed", "error": error}
    if event.HasField("workflow_execution_canceled_event_attributes"):
        return {
            "status": "cancelled",
            "error": {"code": "CANCELLED", "message": "the run was cancelled"},
        }
    if event.HasField("workflow_execution_terminated_event_attributes"):
        reason = event.workflow_execution_terminated_event_attributes.reason
        message = f"the run was terminated: {reason}" if reason else "the run was terminated"
        return {"status": "terminated", "error": {"code": "TERMINATED", "message": message}}
    if event.HasField("workflow_execution_timed_out_event_attributes"):
        return {"status": "timed_out", "error": {"code": "TIMEOUT", "message": "the run timed out"}}
    if event.HasField("workflow_execution_continued_as_new_event_attributes"):
        attrs = event.workflow_execution_continued_as_new_event_attributes
        return {"status": "continued_as_new", "nextRunId": attrs.new_execution_run_id}
    return {"status": "unknown"}


def own_failure(cause: BaseException) -> dict[str, Any]:
    """The business failure a workflow raised itself (a flow's `{code, message, node}`);
    the failures of activities below it stay behind the generic message, and stacks never
    leave the server."""
    if not isinstance(cause, ApplicationError):
        return {}
    details = cause.details[0] if cause.details and isinstance(cause.details[0], Mapping) else {}
    shown: dict[str, Any] = {"message": cause.message}
    if isinstance(details.get("code"), str):
        shown["code"] = details["code"]
    if isinstance(details.get("node"), str):
        shown["node"] = details["node"]
    return shown


async def flow_progress(handle: WorkflowHandle[Any, Any]) -> dict[str, Any] | None:
    """A flow's `progress` query, or None when no worker answers it (yet)."""
    try:
        value = await handle.query(PROGRESS_QUERY, rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError, WorkflowQueryRejectedError, TimeoutError):
        # No worker answers, or the flow predates the query: the page shows no nodes.
        return None
    return dict(value) if isinstance(value, Mapping) else None
