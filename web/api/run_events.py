"""`GET /api/v1/{tenant}/runs/{workflowId}/events`: a run's progress as server-sent events.

The wire format is the one web/client/runs.ts documents:

    event: progress   {"status": "running"|"waiting", "message"?, "percent"?, "nodes"?,
                       "approvals"?}
    event: done       {"status": "completed", "result", "logs"?}
                      or {"status": "failed"|"cancelled"|"terminated"|"timed_out", "error"}
    event: error      {"error": CODE, "message"}   the stream cannot follow the run any more

The end of the run is awaited with a long poll on its close event (no polling delay for
actions); flows also have their `progress` query polled every `POLL_S` and sent when it
changed. A comment line every `KEEPALIVE_S` keeps proxies from closing an idle stream and lets
servers notice a gone client. A client that reconnects after the run ended gets `done` again.
A run that continued as new is followed into its next run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from web.api.run_view import FLOW_RUN, close_event, flow_progress, outcome

log = logging.getLogger("metabuilder.web.runs")

POLL_S: Final = 0.5
KEEPALIVE_S: Final = 15.0
RETRY_MS: Final = 3000
HEADERS: Final = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # nginx: pass events through as they come
}
# Streams being served right now, for /metrics and for the disconnect test.
OPEN_STREAMS: set[str] = set()
_STREAM_IDS = itertools.count(1)
# Node statuses of engine/flows/interpreter.py that mean the node is behind us.
_DONE_NODE: Final = frozenset({"done", "skipped", "failed"})


def sse(event: str, data: Any) -> str:
    """One event; `json.dumps` escapes newlines, so the data is always one `data:` line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n"


def flow_update(progress: Mapping[str, Any]) -> dict[str, Any]:
    """A flow's progress query as a `progress` event: its nodes, a percent and a message."""
    nodes = progress.get("nodes")
    update: dict[str, Any] = {"status": str(progress.get("status") or "running")}
    if progress.get("approvals"):
        update["approvals"] = progress["approvals"]
    if isinstance(nodes, Mapping) and nodes:
        update["nodes"] = dict(nodes)
        states = [n.get("status") for n in nodes.values() if isinstance(n, Mapping)]
        finished = sum(1 for s in states if s in _DONE_NODE)
        update["percent"] = round(100 * finished / len(nodes))
        running = [
            str(k)
            for k, n in nodes.items()
            if isinstance(n, Mapping) and n.get("status") == "running"
        ]
        if running:
            update["message"] = "Running " + ", ".join(sorted(running))
    return update


async def stream(
    client: Client, workflow_id: str, run_id: str, workflow_type: str, *, running: bool = True
) -> AsyncIterator[str]:
    key = f"{workflow_id}/{run_id}/{next(_STREAM_IDS)}"
    OPEN_STREAMS.add(key)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        async for chunk in _follow(client, workflow_id, run_id, workflow_type, running):
            yield chunk
    except RPCError as exc:
        log.warning("run events for %s stopped: %s", workflow_id, exc)
        yield sse(
            "error", {"error": "UNAVAILABLE", "message": "Lost track of the run; reload to see it."}
        )
    finally:
        OPEN_STREAMS.discard(key)


async def _follow(
    client: Client, workflow_id: str, run_id: str, workflow_type: str, running: bool
) -> AsyncIterator[str]:
    is_flow = workflow_type == FLOW_RUN
    last: dict[str, Any] | None = None
    while True:
        handle: WorkflowHandle[Any, Any] = client.get_workflow_handle(workflow_id, run_id=run_id)
        closing = asyncio.create_task(close_event(handle, wait=True))
        try:
            quiet = 0.0
            while running:
                update = await _update(handle, is_flow)
                if update is None and last is None:
                    update = {"status": "running"}
                if update is not None and update != last:
                    last = update
                    quiet = 0.0
                    yield sse("progress", update)
                wait_s = POLL_S if is_flow else KEEPALIVE_S
                done, _ = await asyncio.wait({closing}, timeout=wait_s)
                if done:
                    break
                quiet += wait_s
                if quiet >= KEEPALIVE_S:
                    quiet = 0.0
                    yield ": keepalive\n\n"
            result = await outcome(client, await closing)
        finally:
            closing.cancel()
        if result["status"] == "continued_as_new" and result.get("nextRunId"):
            run_id, running = str(result["nextRunId"]), True
            continue
        if is_flow:
            final = await _update(handle, is_flow)
            if final is not None and final != last and final.get("nodes"):
                yield sse("progress", final)
        yield sse("done", result)
        return


async def _update(handle: WorkflowHandle[Any, Any], is_flow: bool) -> dict[str, Any] | None:
    """The next `progress` event; None when a flow's query went unanswered this time (the
    client keeps what it was last told rather than losing the nodes)."""
    if not is_flow:
        return {"status": "running"}
    progress = await flow_progress(handle)
    return flow_update(progress) if progress is not None else None
