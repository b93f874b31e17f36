"""Flows over HTTP: start a flow, webhooks (POST /api/v1/{tenant}/hooks/{flow}), approvals."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
