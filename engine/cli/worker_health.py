"""`metabuilder worker --health-port N`: liveness and readiness of a worker process over HTTP.

A worker serves no traffic, but Kubernetes and compose probe processes over HTTP, so the
worker answers two paths on its own small server (uvicorn, in the worker's event loop):

    GET /healthz   200 while the event loop answers (liveness: restart a wedged process)
    GET /readyz    200 when Temporal lists this worker as a poller of its task queue
                   (readiness: a rolling update waits for it); 503 before the worker
                   started, once a stop was requested, while Temporal does not answer, or
                   when this worker has not polled for POLLER_STALE_S

Both answer JSON; `/readyz` names the task queue and each check. The readiness check is one
DescribeTaskQueue call: it proves the connection and the polling at once.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

TEMPORAL_TIMEOUT = timedelta(seconds=3)
# A poller long-polls for up to ~70 s; one not seen for longer has stopped asking for work
# (or every slot is busy for that long, which is worth a look too).
POLLER_STALE_S = 180.0


class WorkerHealth:
    """What the worker reports: `mark_started` is the worker's `on_ready` callback."""

    def __init__(self, client: Client, task_queue: str, stop: asyncio.Event) -> None:
        self.client = client
        self.task_queue = task_queue
        self.stop = stop
        self.started = False

    def mark_started(self) -> None:
        self.started = True

    async def last_poll_age(self) -> float | None:
        """Seconds since this worker (the client's identity) last polled; None when Temporal
        lists no such poller. Raises when Temporal does not answer."""
        described = await self.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=self.client.namespace,
                task_queue=TaskQueue(name=self.task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            ),
            timeout=TEMPORAL_TIMEOUT,
        )
        ages = [
            time.time() - poller.last_access_time.ToSeconds()
            for poller in described.pollers
            if poller.identity == self.client.identity
        ]
        return min(ages) if ages else None

    async def checks(self) -> dict[str, str]:
        if self.stop.is_set():
            return {"worker": "stopping"}
        if not self.started:
            return {"worker": "starting"}
        try:
            age = await self.last_poll_age()
        except Exception:  # any failure to ask means "not reachable"
            return {"worker": "started", "temporal": "unavailable"}
        polling = age is not None and age <= POLLER_STALE_S
        return {"worker": "polling" if polling else "not polling", "temporal": "ok"}

    async def healthz(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(self, request: Request) -> JSONResponse:
        checks = await self.checks()
        ready = checks == {"worker": "polling", "temporal": "ok"}
        return JSONResponse(
            {
                "status": "ready" if ready else "not ready",
                "taskQueue": self.task_queue,
                "checks": checks,
            },
            status_code=200 if ready else 503,
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/healthz", self.healthz, methods=["GET"]),
                Route("/readyz", self.readyz, methods=["GET"]),
            ]
        )
