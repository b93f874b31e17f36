"""Running the stack: `up` (everything embedded), `web` and `worker` (production style).

`up` starts, in order: the database schema and first-start bootstrap, the Temporal dev server
(SQLite under the data dir, fixed ports), the search attributes, the worker (with its sandbox
pool) and the web app. SIGINT/SIGTERM stop them in reverse order; every child process is
waited for, and the exit code is 0.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from temporalio.client import Client

from engine import search_attributes
from engine.cli import services
from engine.cli.worker_health import WorkerHealth
from engine.config import Settings
from engine.errors import StartupError
from engine.schedules import upkeep_at_start
from engine.temporal_client import TemporalConnection
from engine.temporal_server import DevServerConfig, TemporalDevServer, ensure_port_free
from worker.main import run_worker
from worker.script_host import host_factory

log = logging.getLogger("metabuilder")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the stack decides when to stop."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def web_server(settings: Settings, app: Starlette) -> _Server:
    return http_server(app, settings.web_host, settings.web_port, proxy_headers=True)


def http_server(app: Starlette, host: str, port: int, *, proxy_headers: bool = False) -> _Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        proxy_headers=proxy_headers,
        server_header=False,
    )
    return _Server(config)


async def serve_until(server: _Server, stop: asyncio.Event) -> None:
    task = asyncio.create_task(server.serve())
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task
    waiter.cancel()
    if task in done and not stop.is_set():
        stop.set()


async def run_embedded_stack(settings: Settings) -> int:
    ensure_port_free(settings.web_host, settings.web_port, "web")
    db = services.open_database(settings)
    stop = asyncio.Event()
    temporal = TemporalDevServer(
        DevServerConfig(
            db_file=settings.data_dir / "temporal.db",
            log_file=settings.data_dir / "temporal.log",
            port=settings.temporal_port,
            ui_port=settings.temporal_ui_port,
            http_port=settings.temporal_http_port,
            metrics_port=settings.temporal_metrics_port,
            namespace=settings.temporal_namespace,
        )
    )
    try:
        catalog = services.build_catalog(settings)
        services.bootstrap(db, catalog)
        with stop_on_signals(stop):
            client = await temporal.start()
            await search_attributes.ensure_registered(client, settings.temporal_namespace)
            conn = TemporalConnection(settings.temporal_target, settings.temporal_namespace, client)
            app = services.build_app(settings, db, catalog, conn)
            worker_ready = asyncio.Event()
            worker = asyncio.create_task(
                run_worker(
                    client,
                    task_queue=settings.task_queue,
                    catalog=catalog,
                    host_for=host_factory(db),
                    stop=stop,
                    db=db,
                    data_dir=settings.data_dir,
                    on_ready=worker_ready.set,
                )
            )
            await wait_first(worker_ready.wait(), worker)
            await upkeep_at_start(client, db, catalog, task_queue=settings.task_queue)
            web = asyncio.create_task(serve_until(web_server(settings, app), stop))
            print_banner(settings)
            await stop.wait()
            await asyncio.gather(web, worker)
    finally:
        await temporal.stop()
        db.close()
    return 0


async def run_web_only(settings: Settings) -> int:
    ensure_port_free(settings.web_host, settings.web_port, "web")
    db = services.open_database(settings)
    stop = asyncio.Event()
    try:
        catalog = services.build_catalog(settings)
        conn = TemporalConnection(settings.temporal_target, settings.temporal_namespace)
        app = services.build_app(settings, db, catalog, conn)
        with stop_on_signals(stop):
            log.warning(
                "web app on %s (Temporal at %s)", settings.web_url, settings.temporal_target
            )
            await serve_until(web_server(settings, app), stop)
    finally:
        db.close()
    return 0


async def run_worker_only(settings: Settings) -> int:
    health_port = settings.worker_health_port
    if health_port is not None:
        ensure_port_free(settings.worker_health_host, health_port, "worker health")
    db = services.open_database(settings)
    stop = asyncio.Event()
    try:
        catalog = services.build_catalog(settings)
        with stop_on_signals(stop):
            client = await connect_temporal(settings)
            await search_attributes.ensure_registered(client, settings.temporal_namespace)
            await upkeep_at_start(client, db, catalog, task_queue=settings.task_queue)
            health = WorkerHealth(client, settings.task_queue, stop)
            # The probe server outlives the worker's drain, answering "stopping" meanwhile.
            drained = asyncio.Event()
            probes = None
            if health_port is not None:
                server = http_server(health.app(), settings.worker_health_host, health_port)
                probes = asyncio.create_task(serve_until(server, drained))
            log.warning(
                "worker on task queue %s (Temporal at %s)",
                settings.task_queue,
                settings.temporal_target,
            )
            try:
                await run_worker(
                    client,
                    task_queue=settings.task_queue,
                    catalog=catalog,
                    host_for=host_factory(db),
                    stop=stop,
                    db=db,
                    data_dir=settings.data_dir,
                    on_ready=health.mark_started,
                )
            finally:
                drained.set()
                if probes is not None:
                    await probes
    finally:
        db.close()
    return 0


async def connect_temporal(settings: Settings) -> Client:
    try:
        return await Client.connect(settings.temporal_target, namespace=settings.temporal_namespace)
    except Exception as exc:  # reported as one line by the CLI
        raise StartupError(
            f"cannot reach Temporal at {settings.temporal_target} ({exc})",
            hint="set METABUILDER_TEMPORAL_ADDRESS or start the cluster",
        ) from exc


async def wait_first(ready: Coroutine[Any, Any, Any], task: asyncio.Task[None]) -> None:
    """Wait for `ready`, but surface the task's exception if it dies first."""
    waiter = asyncio.ensure_future(ready)
    done, _ = await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        waiter.cancel()
        task.result()


def print_banner(settings: Settings) -> None:
    lines = [
        "MetaBuilder is running.",
        f"  App:          {settings.web_url}/   (hello page: {settings.web_url}/default/hello)",
        f"  Temporal UI:  {settings.temporal_ui_url}",
        f"  Data dir:     {settings.data_dir}",
        "  First supergod user:",
        "    metabuilder user create --tenant default --username admin --role supergod \\",
        "        --password-stdin",
        "  Stop with Ctrl-C.",
    ]
    print("\n".join(lines), flush=True)
