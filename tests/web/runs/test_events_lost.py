"""The run-events stream when the web app loses Temporal mid-stream: the client gets one
`error` event it can show ("reload to see it"), the stream ends, and the app keeps serving.

The web app reaches the session's dev server through a TCP relay the test cuts; the worker
keeps its own connection, so the run itself goes on and ends normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import Client

from engine.temporal_server import TemporalDevServer
from tests.web.runs.test_events import events, url
from tests.web.runs.world import gate, serve_world
from web.api import run_events

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


class Relay:
    """127.0.0.1:<port> -> target, until `cut()` closes the listener and every connection."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self._target = (host, int(port))
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()

    def cut(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.transport.abort()


@contextlib.asynccontextmanager
async def relay(target: str) -> AsyncIterator[tuple[Relay, str]]:
    r = Relay(target)
    address = await r.start()
    try:
        yield r, address
    finally:
        r.cut()


async def test_losing_temporal_mid_stream_sends_one_error_event(
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    async with relay(temporal_server.target) as (cable, address):
        web_client = await Client.connect(address)
        world_dir = tmp_path_factory.mktemp("lost")
        worlds = serve_world(web_client, world_dir, worker_client=temporal_client)
        async with contextlib.aclosing(worlds):
            world = await anext(worlds)
            name = str(uuid.uuid4())
            started = await world.action("alice", "gated", {"gate": name}, wait=False)
            http = await world.session("alice")
            before = len(run_events.OPEN_STREAMS)
            seen: list[tuple[str, Any]] = []
            async with http.stream("GET", url(world, started.workflow_id), timeout=90) as response:
                async with asyncio.timeout(90):
                    async for event in events(response):
                        seen.append(event)
                        if event == ("progress", {"status": "running"}):
                            cable.cut()
            assert [e for e, _ in seen] == ["progress", "error"]
            assert seen[-1][1] == {
                "error": "UNAVAILABLE",
                "message": "Lost track of the run; reload to see it.",
            }
            assert len(run_events.OPEN_STREAMS) == before
            # The app still answers; asking for the run now says the engine is unreachable.
            assert (await http.get("/healthz")).status_code == 200
            answer = await http.get(
                f"/api/v1/{world.tenants['a']}/runs/{started.workflow_id}", timeout=90
            )
            assert answer.status_code == 503
            assert answer.json()["error"] == "UNAVAILABLE"
            # The run itself was never touched: the worker finishes it.
            gate(name).set()
            handle = temporal_client.get_workflow_handle(started.workflow_id)
            assert (await handle.result())["value"] == {"echo": {"gate": name}}
