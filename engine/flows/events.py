"""Named events: the `event` trigger, and how a run's events start other flows.

A flow's `emit_event` action or `emitEvent` node, and a script's `ctx.emit(event, data)`,
publish a named event. Publishing starts, exactly once, every flow of the same tenant that
has an `event` trigger naming that event (`{"kind": "event", "event": "order.placed"}`),
among the packages installed and enabled for the tenant: any of them, not only the emitting
package, and never another tenant's.

- The emitting workflow (FlowRun for its nodes and script nodes, ScriptRun for an action's
  script) calls the `flow_events` local activity with an `EventBatch`; Temporal retries it
  (`EVENT_RETRY`). The worker side (`worker/flow_events.py`) starts each listening flow with
  a deterministic workflow id: uuid5 of the event's `key` (the emitting workflow id, the
  emitting node's position and the event's number in that node execution, never an attempt)
  and the target package and flow. A retried activity, a local activity run again after a
  worker crash, a replay or a retried node therefore never start a flow twice.
- The started run's input is `{event, data, source: {workflowId, package, flow | script}}`
  (plus `channel` when the event has one), with trigger "event". It acts as the emitting
  run's user at the emitting run's level; a trigger that declares `runAsLevel` runs as no
  user at that level instead (at most admin, as webhooks and schedules do: an explicit
  elevation by the trigger's author). A trigger with `minLevel` ignores events published by
  runs below that level (the skip is logged in the emitting run's result).
- Chains are bounded: each run carries `event_depth` (0 unless an event started it, inherited
  by sub-flows); the flows an event starts get depth + 1, and a run at `MAX_EVENT_DEPTH`
  starts none: its result's logs say which events were not delivered and why. `MAX_EVENTS`
  (engine.flows.nodes) caps the events of one run.
- The emitting run's result lists what its own events started (`triggered`); events a
  sub-flow emitted are published by the sub-flow, not again by its parent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from engine.flows.calls import NODE_ERROR, idempotency_key
from engine.flows.model import Flow, Trigger

EVENT_ACTIVITY = "flow_events"
EVENT_TRIGGER = "event"
MAX_EVENT_DEPTH = 8
# Runs recorded before event triggers existed must replay without the fan-out activity.
EVENT_PATCH = "event-triggers"
EVENT_TIMEOUT = timedelta(seconds=30)
# Generous: an event is dropped only after about two and a half minutes of failures
# (a database or Temporal outage); then the emitting node (or script run) fails visibly.
EVENT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=20,
    non_retryable_error_types=[NODE_ERROR],
)


@dataclass
class EventBatch:
    """Events one node execution (or one script run) published, with who published them."""

    tenant_id: str
    tenant_slug: str
    source: dict[str, Any]
    """`{workflowId, package, flow}` or `{workflowId, package, script}`."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """`{key, name, data, channel?}`; `key` makes the started runs' ids."""
    user_id: str | None = None
    user_level: int = 0
    depth: int = 0
    """The emitting run's event depth; the runs it starts get depth + 1."""


@dataclass
class EventDelivery:
    started: list[dict[str, Any]] = field(default_factory=list)
    """`{event, package, flow, workflowId}` for each run started (or found already started)."""
    skipped: list[dict[str, Any]] = field(default_factory=list)
    """`{event, package?, flow?, reason}` for each listener not started, and why."""


def event_key(workflow_id: str, position: str, number: int) -> str:
    """The stable key of the `number`-th event of one node execution (or script run)."""
    return idempotency_key(workflow_id, f"{position}|event#{number}")


def batch_events(workflow_id: str, position: str, events: Iterable[Any]) -> list[dict[str, Any]]:
    """Events as a batch carries them: named, JSON, each with its key."""
    found = []
    for number, event in enumerate(events):
        if isinstance(event, dict) and isinstance(event.get("name"), str):
            found.append({**event, "key": event_key(workflow_id, position, number)})
    return found


def listening_trigger(flow: Flow, name: str, level: int) -> tuple[Trigger | None, int | None]:
    """The flow's event trigger for `name` that a run at `level` may fire, or (None, the level
    the lowest such trigger needs); (None, None) when the flow does not listen to `name`."""
    named = [t for t in flow.triggers if t.kind == EVENT_TRIGGER and t.event == name]
    for trigger in named:
        if level >= trigger.min_level:
            return trigger, None
    return None, min((t.min_level for t in named), default=None)


def event_input(event: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """What a flow started by `event` receives as `$json`."""
    body = {"event": event["name"], "data": event.get("data"), "source": dict(source)}
    if event.get("channel") is not None:
        body["channel"] = event["channel"]
    return body


def depth_refusal(batch: EventBatch) -> EventDelivery:
    reason = f"event chains stop at depth {MAX_EVENT_DEPTH}"
    return EventDelivery(skipped=[{"event": e["name"], "reason": reason} for e in batch.events])


async def publish(batch: EventBatch) -> EventDelivery:
    """Start the flows listening to the batch's events (workflow code: a local activity,
    retried by Temporal; a failure after the retries raises `ActivityError`)."""
    if not batch.events or not workflow.patched(EVENT_PATCH):
        return EventDelivery()
    if batch.depth >= MAX_EVENT_DEPTH:
        workflow.logger.warning(
            "events %s not delivered: chain depth %d", [e["name"] for e in batch.events],
            batch.depth,
        )  # fmt: skip
        return depth_refusal(batch)
    delivery: EventDelivery = await workflow.execute_local_activity(
        EVENT_ACTIVITY,
        batch,
        result_type=EventDelivery,
        start_to_close_timeout=EVENT_TIMEOUT,
        retry_policy=EVENT_RETRY,
    )
    return delivery


def delivery_logs(delivery: EventDelivery) -> list[dict[str, Any]]:
    """The skipped listeners as warning log entries for the emitting run's result."""
    logs = []
    for skip in delivery.skipped:
        if skip.get("flow"):
            target = f"flow {skip['flow']!r} of package {skip.get('package')!r} was not started"
        else:
            target = "no flow was started"
        logs.append(
            {
                "level": "warning",
                "message": f"event {skip['event']!r}: {target}: {skip['reason']}",
                "event": skip["event"],
            }
        )
    return logs
