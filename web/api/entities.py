"""Entity REST under /api/v1/{tenant}/{package}/{entity}[/{id}] and the OpenAPI document."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
