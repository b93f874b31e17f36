"""The run browser API: GET /api/v1/{tenant}/runs[/{workflowId}], its SSE events, cancel, retry."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
