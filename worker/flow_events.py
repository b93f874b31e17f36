"""The worker side of named events: the `flow_events` activity (see engine.flows.events).

For an `EventBatch` it lists the packages installed *and enabled* for the batch's tenant (at
their installed version), finds their flows with an `event` trigger naming each event, and
starts each through a `FlowDispatcher` (validated, pinned with its sub-flows, the tenant's
`$env`) under a workflow id derived from the event's key and the target flow. A start that
finds that id already used (a retried activity, a re-executed local activity, a replayed or
retried node) is answered with the existing run: every listener starts exactly once.

Listeners that are not started are reported back, never raised: a trigger whose `minLevel`
the emitting run does not reach, a listening flow that does not validate. Infrastructure
failures (the database, Temporal) raise, and Temporal retries the activity.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from dbal.database import Database
from engine.flows.calls import NODE_ERROR
from engine.flows.dispatch import FlowDispatcher, FlowRequest, package_flows
from engine.flows.errors import FlowError
from engine.flows.events import (
    EVENT_ACTIVITY,
    EVENT_TRIGGER,
    EventBatch,
    EventDelivery,
    event_input,
    listening_trigger,
)
from engine.flows.model import Flow, Trigger
from engine.flows.parse import parse_flow
from engine.flows.triggers import tenant_env
from engine.packages import Catalog
from engine.packages.model import Package
from engine.temporal_client import TemporalConnection

log = logging.getLogger("metabuilder.flows")


class EventActivities:
    def __init__(
        self, *, client: Client, task_queue: str, catalog: Catalog, db: Database | None
    ) -> None:
        self._connection = TemporalConnection("", "", client)
        self._task_queue = task_queue
        self._catalog = catalog
        self._db = db
        # Per package version (immutable once loaded): its flows with event triggers.
        self._listeners: dict[tuple[str, str], list[Flow]] = {}
        self._dispatchers: dict[tuple[str, str], FlowDispatcher] = {}

    @activity.defn(name=EVENT_ACTIVITY)
    async def fan_out(self, batch: EventBatch) -> EventDelivery:
        packages = await asyncio.to_thread(self._packages, batch.tenant_id)
        delivery = EventDelivery()
        for event in batch.events:
            for package in packages:
                for flow in self._flows(package):
                    trigger, needed = listening_trigger(flow, event["name"], batch.user_level)
                    if trigger is not None:
                        await self._start(batch, event, package, flow, trigger, delivery)
                    elif needed is not None:
                        reason = (
                            f"its trigger needs level {needed}, "
                            f"the event was emitted at level {batch.user_level}"
                        )
                        delivery.skipped.append(_skip(event, package, flow, reason))
        return delivery

    def _packages(self, tenant_id: str) -> list[Package]:
        if self._db is None:
            details = {"code": "UNAVAILABLE", "retryable": False}
            raise ApplicationError("this worker has no database", details, type=NODE_ERROR)
        found = []
        for row in self._db.installed_packages.list(tenant_id, enabled_only=True):
            package = self._catalog.pick(row["package_id"], row["version"])
            if package is not None:
                found.append(package)
        return found

    def _flows(self, package: Package) -> list[Flow]:
        key = (package.id, package.version)
        if key not in self._listeners:
            flows = []
            for flow_id, doc in package_flows(package).items():
                flow, _ = parse_flow(doc, fallback_id=flow_id)
                if flow.id != flow_id:
                    continue  # the short alias of a `workflow_` id: counted once
                if any(t.kind == EVENT_TRIGGER for t in flow.triggers):
                    flows.append(flow)
            self._listeners[key] = flows
        return self._listeners[key]

    def _dispatcher(self, package: Package) -> FlowDispatcher:
        key = (package.id, package.version)
        if key not in self._dispatchers:
            self._dispatchers[key] = FlowDispatcher(
                self._connection,
                task_queue=self._task_queue,
                catalog=Catalog(packages=[package]),  # the installed version's definitions
                env_for=tenant_env(self._db) if self._db is not None else None,
            )
        return self._dispatchers[key]

    async def _start(
        self,
        batch: EventBatch,
        event: dict[str, Any],
        package: Package,
        flow: Flow,
        trigger: Trigger,
        delivery: EventDelivery,
    ) -> None:
        elevated = trigger.run_as_declared
        req = FlowRequest(
            tenant_id=batch.tenant_id,
            tenant_slug=batch.tenant_slug,
            package_id=package.id,
            flow_id=flow.id,
            input=event_input(event, batch.source),
            user_id=None if elevated else batch.user_id,
            user_level=trigger.run_as_level if elevated else batch.user_level,
            trigger=EVENT_TRIGGER,
            idempotency_key=f"event:{event['key']}",
            event_depth=batch.depth + 1,
        )
        dispatcher = self._dispatcher(package)
        try:
            prepared = await asyncio.to_thread(dispatcher.prepare, req, check_level=False)
        except FlowError as exc:
            log.warning("flow %s/%s not started for event %s: %s",
                        package.id, flow.id, event["name"], exc)  # fmt: skip
            delivery.skipped.append(_skip(event, package, flow, str(exc)))
            return
        workflow_id = dispatcher.workflow_id(req, prepared.flow.id)
        await dispatcher.start_prepared(prepared.params, workflow_id)
        log.info("event %s from %s started %s", event["name"], batch.source.get("workflowId"),
                 workflow_id)  # fmt: skip
        delivery.started.append(
            {
                "event": event["name"],
                "package": package.id,
                "flow": flow.id,
                "workflowId": workflow_id,
            }
        )


def _skip(event: dict[str, Any], package: Package, flow: Flow, reason: str) -> dict[str, Any]:
    return {"event": event["name"], "package": package.id, "flow": flow.id, "reason": reason}
