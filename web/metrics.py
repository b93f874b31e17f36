"""GET /metrics: Prometheus text exposition of the web process's counters."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
