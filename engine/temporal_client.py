"""A lazily connected, shared Temporal client for processes that must start before Temporal.

`metabuilder web` may come up while the cluster is still starting: requests that need Temporal
connect on demand (one attempt at a time), and `/readyz` reports whether the connection holds.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client


class TemporalConnection:
    def __init__(self, target: str, namespace: str, client: Client | None = None) -> None:
        self.target = target
        self.namespace = namespace
        self._client = client
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._client = await Client.connect(self.target, namespace=self.namespace)
            return self._client

    async def healthy(self, timeout_s: float = 2.0) -> bool:
        try:
            client = await asyncio.wait_for(self.client(), timeout_s)
            return await asyncio.wait_for(client.service_client.check_health(), timeout_s)
        except Exception:  # any failure means "not reachable"
            return False
