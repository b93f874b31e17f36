"""An in-process web app over a real database, for page and API tests without Temporal.

`with_identity` wraps the app so a test can speak as any level without going through login
(the auth suite tests login itself).
"""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from dbal.database import Database
from engine.cli.services import build_app, build_catalog
from engine.config import load_settings
from engine.temporal_client import TemporalConnection
from web.identity import IDENTITY_KEY, Identity

TEST_PACKAGES = Path(__file__).resolve().parent / "packages"


def make_app(db: Database, data_dir: Path) -> Starlette:
    settings = load_settings({}, data_dir=data_dir)
    settings = settings.with_overrides(packages_dirs=(*settings.packages_dirs, TEST_PACKAGES))
    catalog = build_catalog(settings)
    # Nothing listens there: page tests must never need Temporal.
    conn = TemporalConnection("127.0.0.1:1", "default")
    return build_app(settings, db, catalog, conn)


def with_identity(app: ASGIApp, identity: Identity | None) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if identity is not None:
            scope[IDENTITY_KEY] = identity
        await app(scope, receive, send)

    return wrapped


def client(app: ASGIApp, identity: Identity | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=with_identity(app, identity))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")
