#!/usr/bin/env python3
"""Container health checks for the MetaBuilder image (installed as `mb-healthcheck`).

    mb-healthcheck [web|ready|worker]      (default: $MB_HEALTHCHECK, else "web")

web     GET /healthz on this container's web port: the process is up (liveness).
ready   GET /readyz: the database and Temporal are reachable (readiness).
worker  a worker has no HTTP port; it is healthy when Temporal lists a poller on the task
        queue whose identity belongs to this host (the SDK's identity is `pid@hostname`)
        and that poller asked for work recently.

Exit 0 when healthy, 1 otherwise, with one line on stdout saying why.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import timedelta

DEFAULT_TASK_QUEUE = "metabuilder"
# Pollers long-poll for up to ~70 s; a poller not seen for longer than this is gone.
POLLER_STALE_S = 180.0


def check_http(path: str, env: Mapping[str, str]) -> tuple[bool, str]:
    port = env.get("MB_HEALTHCHECK_PORT", "8000")
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return response.status == 200, f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered {exc.code}"
    except OSError as exc:
        return False, f"{url} unreachable ({exc})"


async def pollers(
    address: str, namespace: str, queue: str, timeout_s: float = 5.0
) -> list[tuple[str, float]]:
    """(identity, seconds since it last polled) of the workflow pollers on `queue`."""
    # Imported here so that the web checks stay fast (no gRPC stack to load).
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
    from temporalio.client import Client

    client = await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout_s)
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=namespace,
            task_queue=TaskQueue(name=queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ),
        timeout=timedelta(seconds=timeout_s),
    )
    now = time.time()
    return [(p.identity, now - p.last_access_time.ToSeconds()) for p in described.pollers]


async def check_worker(env: Mapping[str, str], hostname: str) -> tuple[bool, str]:
    address = env.get("METABUILDER_TEMPORAL_ADDRESS")
    if not address:
        return False, "METABUILDER_TEMPORAL_ADDRESS is not set"
    namespace = env.get("MB_HEALTHCHECK_NAMESPACE", "default")
    queue = env.get("MB_HEALTHCHECK_TASK_QUEUE", DEFAULT_TASK_QUEUE)
    try:
        found = await pollers(address, namespace, queue)
    except Exception as exc:  # any failure is "unhealthy", reported in one line
        return False, f"cannot ask Temporal at {address} ({type(exc).__name__}: {exc})"
    for identity, age in found:
        if identity.endswith(f"@{hostname}") and age <= POLLER_STALE_S:
            return True, f"worker {identity} polled {queue!r} {age:.0f}s ago"
    return False, f"no poller of this host ({hostname}) on task queue {queue!r}"


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    environ = os.environ if env is None else env
    mode = args[0] if args else environ.get("MB_HEALTHCHECK", "web")
    if mode == "web":
        ok, why = check_http("/healthz", environ)
    elif mode == "ready":
        ok, why = check_http("/readyz", environ)
    elif mode == "worker":
        hostname = environ.get("MB_HEALTHCHECK_HOSTNAME") or socket.gethostname()
        ok, why = asyncio.run(check_worker(environ, hostname))
    else:
        print(f"mb-healthcheck: unknown check {mode!r} (web, ready or worker)")
        return 2
    print(("healthy: " if ok else "unhealthy: ") + why)
    return 0 if ok else 1


if __name__ == "__main__":
    # Leave without interpreter finalization: the Temporal SDK's native runtime threads
    # have been seen to crash the process (SIGSEGV) at exit, after the work was done.
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
