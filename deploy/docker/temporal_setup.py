#!/usr/bin/env python3
"""Prepare a Temporal cluster for MetaBuilder (installed as `mb-temporal-setup`).

    mb-temporal-setup [--address HOST:PORT] [--namespace NS] [--retention-days N] [--wait S]

Idempotent, so it runs as a Kubernetes Job or a one-shot compose service on every deploy:
waits until the frontend answers, registers the namespace when it is missing (a fresh
cluster has none), then registers MetaBuilder's search attributes (MbTenant, MbPackage,
MbAction, MbUser, MbKind; the names come from `engine.search_attributes`). Exit 0 when the
cluster is ready for workers, 1 with one line on stderr otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    RegisterNamespaceRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from engine import search_attributes

RPC_TIMEOUT = timedelta(seconds=10)


async def connect(address: str, namespace: str, wait_s: float) -> Client:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return await asyncio.wait_for(Client.connect(address, namespace=namespace), 10)
        except Exception as exc:  # retried until the deadline, then reported
            if time.monotonic() >= deadline:
                message = f"mb-temporal-setup: Temporal at {address} unreachable: {exc}"
                raise SystemExit(message) from exc
            await asyncio.sleep(2)


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
            await asyncio.sleep(1)


async def setup(address: str, namespace: str, retention_days: int, wait_s: float) -> str:
    client = await connect(address, namespace, wait_s)
    created = await ensure_namespace(client, namespace, retention_days)
    await ensure_search_attributes(client, namespace, wait_s)
    names = ", ".join(key.name for key in search_attributes.ALL_KEYS)
    verb = "registered" if created else "found"
    return f"namespace {namespace!r} {verb}; search attributes present: {names}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mb-temporal-setup", description=__doc__.split("\n")[0])
    parser.add_argument("--address", default=os.environ.get("METABUILDER_TEMPORAL_ADDRESS"))
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--retention-days", type=int, default=30)
    parser.add_argument("--wait", type=float, default=180.0, help="seconds to wait for Temporal")
    args = parser.parse_args(argv)
    if not args.address:
        parser.error("--address or METABUILDER_TEMPORAL_ADDRESS is required")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        print(asyncio.run(setup(args.address, args.namespace, args.retention_days, args.wait)))
    except RPCError as exc:
        print(f"mb-temporal-setup: {exc.status.name}: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # Leave without interpreter finalization: the Temporal SDK's native runtime threads
    # have been seen to crash the process (SIGSEGV) at exit, after the work was done.
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
