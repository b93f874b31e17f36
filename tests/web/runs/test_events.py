"""GET /api/v1/{tenant}/runs/{workflowId}/events over a real socket (uvicorn): the SSE stream
says progress while the run goes, done when it ends, and stops when the client goes away."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.web.runs.world import World, eventually, gate
from web.api import run_events

pytestmark = pytest.mark.temporal


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) pairs as the server sends them; comments and `retry:` are skipped."""
    name, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data = line[len("data: ") :]
        elif line == "" and data:
            yield name, json.loads(data)
            name, data = "message", ""


def url(world: World, workflow_id: str, key: str = "a") -> str:
    return f"/api/v1/{world.tenants[key]}/runs/{workflow_id}/events"


async def test_an_action_streams_progress_then_done(world: World) -> None:
    name = str(uuid.uuid4())
    started = await world.action("alice", "gated", {"gate": name}, wait=False)
    http = await world.session("alice")
    seen: list[tuple[str, Any]] = []
    async with http.stream("GET", url(world, started.workflow_id)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"
        assert "no-cache" in response.headers["cache-control"]
        async for event in events(response):
            seen.append(event)
            if event[0] == "progress":
                gate(name).set()  # the run may end only after the client saw it running
    assert seen[0] == ("progress", {"status": "running"})
    assert seen[-1] == ("done", {
        "status": "completed", "result": {"echo": {"gate": name}}, "logs": ["ran gated"],
    })  # fmt: skip
    assert [e for e, _ in seen].count("done") == 1


async def test_a_failed_run_ends_with_done_and_its_error(world: World) -> None:
    failed = await world.action("ada", "broken", {})
    http = await world.session("ada")
    async with http.stream("GET", url(world, failed.workflow_id)) as response:
        seen = [event async for event in events(response)]
    # The run had ended: no progress, the outcome at once (as to a client that reconnects).
    assert [name for name, _ in seen] == ["done"]
    assert seen[0][1]["status"] == "failed"
    assert seen[0][1]["error"]["code"] == "SCRIPT_ERROR"
    assert seen[0][1]["error"]["message"] == "Division by zero"


async def test_a_flow_streams_node_by_node(world: World) -> None:
    steps = [("fetch", 1), ("transform", 1), ("save", 1)]
    handle = await world.flow("alice", steps)
    http = await world.session("alice")
    progress: list[dict[str, Any]] = []
    done: dict[str, Any] = {}
    async with http.stream("GET", url(world, handle.id)) as response:
        async for name, data in events(response):
            if name == "progress":
                progress.append(data)
                if data.get("approvals"):
                    assert (await world.decide("alice", handle.id)).status_code == 200
            elif name == "done":
                done = data
    waiting = [p["approvals"][0]["node"] for p in progress if p.get("approvals")]
    assert waiting == ["fetch", "transform", "save"]
    assert progress[0]["status"] == "waiting" and progress[0]["percent"] == 0
    assert progress[0]["nodes"]["fetch"]["status"] == "waiting"
    assert progress[-1]["percent"] == 100
    assert {n["status"] for n in progress[-1]["nodes"].values()} == {"done"}
    assert progress[-1]["nodes"]["save"]["output"]["approved"] is True
    assert done["status"] == "completed"


async def test_the_stream_stops_when_the_client_goes_away(world: World) -> None:
    name = str(uuid.uuid4())
    started = await world.action("alice", "gated", {"gate": name}, wait=False)
    http = await world.session("alice")
    before = len(run_events.OPEN_STREAMS)
    async with http.stream("GET", url(world, started.workflow_id)) as response:
        async for event in events(response):
            assert event[0] == "progress"
            assert len(run_events.OPEN_STREAMS) == before + 1
            break
    # The run goes on; the server notices the disconnect and drops its stream.

    async def dropped() -> bool:
        return len(run_events.OPEN_STREAMS) == before

    await eventually(dropped, timeout_s=5)
    gate(name).set()
    handle = world.client.get_workflow_handle(started.workflow_id)
    assert (await handle.result())["value"] == {"echo": {"gate": name}}


async def test_only_viewers_of_the_run_get_its_events(world: World) -> None:
    run = await world.action("alice", "echo", {})
    for viewer, status in (("bob", 404), ("carol", 403), ("ada", 200)):
        http = await world.session(viewer)
        answer = await http.get(url(world, run.workflow_id))
        assert answer.status_code == status, viewer
    async with world.anonymous() as anonymous:
        assert (await anonymous.get(url(world, run.workflow_id))).status_code == 401


async def test_many_viewers_follow_one_run(world: World) -> None:
    name = str(uuid.uuid4())
    started = await world.action("alice", "gated", {"gate": name}, wait=False)
    alice, ada = await world.session("alice"), await world.session("ada")

    async def follow(http: httpx.AsyncClient) -> list[str]:
        async with http.stream("GET", url(world, started.workflow_id)) as response:
            return [event async for event, _ in events(response)]

    followers = [asyncio.create_task(follow(h)) for h in (alice, ada, alice)]
    await asyncio.sleep(0.5)
    gate(name).set()
    for names in await asyncio.gather(*followers):
        assert names == ["progress", "done"]


async def test_an_idle_stream_sends_keepalives(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_events, "KEEPALIVE_S", 0.2)
    name = str(uuid.uuid4())
    started = await world.action("alice", "gated", {"gate": name}, wait=False)
    http = await world.session("alice")
    lines: list[str] = []
    async with http.stream("GET", url(world, started.workflow_id)) as response:
        async for line in response.aiter_lines():
            lines.append(line)
            if lines.count(": keepalive") == 2:
                gate(name).set()
    assert lines[0] == f"retry: {run_events.RETRY_MS}"
    assert lines.count("event: progress") == 1 and lines.count("event: done") == 1
    assert lines.index("event: progress") < lines.index(": keepalive") < lines.index("event: done")
