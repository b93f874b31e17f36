"""Schema-driven entity views: /{tenant}/{package}/{entity}[/new|/{id}|/{id}/edit].

`fallback` is asked by the page router when no installed route matches a path, so a
package's own pages always win over the generated views.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response


async def fallback(request: Request, tenant: dict[str, Any], path: str) -> Response | None:
    return None
