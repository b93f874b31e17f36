"""`metabuilder temporal setup`: prepare an external Temporal cluster for MetaBuilder.

    metabuilder temporal setup [--namespace NS] [--retention-days N] [--wait SECONDS]

Idempotent, so it runs as the Kubernetes Job or the one-shot compose service on every
release: waits until the frontend at METABUILDER_TEMPORAL_ADDRESS answers, registers the
namespace when the cluster does not know it (a fresh cluster has only `default`), then
registers MetaBuilder's search attributes (`engine.search_attributes`). Prints one line and
exits 0 when the cluster is ready for workers; one line on stderr and exit 1 otherwise.
The embedded dev server needs none of this (`metabuilder up` starts it prepared).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import timedelta
from typing import NoReturn

import click
from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from engine import search_attributes
from engine.config import Settings
from engine.errors import StartupError

RPC_TIMEOUT = timedelta(seconds=10)
RETRY_PAUSE_S = 1.0


def exit_without_finalizing(code: int) -> NoReturn:
    """Leave once a command that used a Temporal client is done, skipping interpreter
    finalization: the SDK's native runtime threads can abort the process during it
    ("PyGILState_Release: thread state ... must be current", temporalio/sdk-python#300),
    turning a success into exit status -6. Everything is closed by then; flush and go."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


async def connect(address: str, namespace: str, wait_s: float) -> Client:
    """The cluster may still be starting (compose, a fresh Helm release): retry until `wait_s`."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return await asyncio.wait_for(Client.connect(address, namespace=namespace), 10)
        except Exception as exc:  # retried until the deadline, then reported in one line
            if time.monotonic() >= deadline:
                raise StartupError(f"Temporal at {address} unreachable ({exc})") from exc
            await asyncio.sleep(RETRY_PAUSE_S)


async def ensure_namespace(client: Client, namespace: str, retention_days: int) -> bool:
    """Register `namespace` if the cluster does not know it; True when it was created."""
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), timeout=RPC_TIMEOUT
        )
        return False
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
    try:
        await client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace=namespace,
                description="MetaBuilder runs",
                workflow_execution_retention_period=Duration(seconds=retention_days * 86400),
            ),
            timeout=RPC_TIMEOUT,
        )
    except RPCError as err:
        if err.status != RPCStatusCode.ALREADY_EXISTS:  # a concurrent setup won the race
            raise
    return True


async def ensure_search_attributes(client: Client, namespace: str, wait_s: float) -> None:
    # A namespace registered a moment ago reaches every frontend's cache within ~10 s;
    # until then the operator API answers NOT_FOUND for it.
    deadline = time.monotonic() + wait_s
    while True:
        try:
            await search_attributes.ensure_registered(client, namespace)
            return
        except RPCError as exc:
            retriable = exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.UNAVAILABLE)
            if not retriable or time.monotonic() >= deadline:
                raise
            await asyncio.sleep(RETRY_PAUSE_S)


async def setup(address: str, namespace: str, retention_days: int, wait_s: float) -> str:
    client = await connect(address, namespace, wait_s)
    created = await ensure_namespace(client, namespace, retention_days)
    await ensure_search_attributes(client, namespace, wait_s)
    names = ", ".join(key.name for key in search_attributes.ALL_KEYS)
    verb = "registered" if created else "found"
    return f"namespace {namespace!r} {verb}; search attributes present: {names}"


@click.group("temporal")
def temporal_group() -> None:
    """An external Temporal cluster (METABUILDER_TEMPORAL_ADDRESS)."""


@temporal_group.command("setup")
@click.option("--namespace", help="Default: METABUILDER_TEMPORAL_NAMESPACE, else 'default'.")
@click.option(
    "--retention-days", type=click.IntRange(1), default=30, show_default=True,
    help="Retention of closed runs, when the namespace is created.",
)  # fmt: skip
@click.option(
    "--wait", "wait_s", type=click.FloatRange(0), default=180.0, show_default=True,
    help="Seconds to wait for the cluster to answer.",
)  # fmt: skip
@click.pass_context
def setup_command(
    ctx: click.Context, namespace: str | None, retention_days: int, wait_s: float
) -> None:
    """Register the namespace (when missing) and the search attributes; idempotent."""
    settings = ctx.find_object(Settings)
    assert settings is not None
    if settings.temporal_address is None:
        click.echo(
            "metabuilder: METABUILDER_TEMPORAL_ADDRESS is not set "
            "(the embedded dev server needs no setup)",
            err=True,
        )
        ctx.exit(1)
    target = namespace or settings.temporal_namespace
    try:
        line = asyncio.run(setup(settings.temporal_address, target, retention_days, wait_s))
    except StartupError as exc:
        click.echo(f"metabuilder: {exc.one_line()}", err=True)
        exit_without_finalizing(1)
    except RPCError as exc:
        click.echo(f"metabuilder: Temporal: {exc.status.name}: {exc.message}", err=True)
        exit_without_finalizing(1)
    click.echo(line)
    exit_without_finalizing(0)
