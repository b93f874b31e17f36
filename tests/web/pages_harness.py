"""Apps over packages written by a test: a catalog of the built-in packages plus a temp dir.

root = tmp_path / "pkgs"; write_package(root, "board", ...)
app = app_over(database, tmp_path, root)            # in-process cache
app = app_over(database, tmp_path, root, redis_url)  # the render cache in Redis
install(app, tenant_id, "board")                     # migrate, routes, record
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from dbal.database import Database
from dbal.scope import Scope
from engine.cli.services import build_app, build_catalog
from engine.config import load_settings
from engine.packages.lifecycle import PackageManager
from engine.temporal_client import TemporalConnection
from web.services import WebServices


def app_over(
    db: Database, tmp_path: Path, *package_roots: Path, redis_url: str | None = None
) -> Starlette:
    settings = load_settings({}, data_dir=tmp_path / "var")
    settings = settings.with_overrides(
        packages_dirs=(*settings.packages_dirs, *package_roots), redis_url=redis_url
    )
    # Nothing listens there: page tests must never need Temporal.
    conn = TemporalConnection("127.0.0.1:1", "default")
    return build_app(settings, db, build_catalog(settings), conn)


def svc_of(app: Starlette) -> WebServices:
    svc = app.state.services
    assert isinstance(svc, WebServices)
    return svc


def install(app: Starlette, tenant_id: str, package_id: str) -> None:
    svc = svc_of(app)
    assert package_id in svc.catalog, svc.catalog.problems.get(package_id)
    PackageManager(svc.db, svc.catalog).install(tenant_id, package_id)


def new_tenant(db: Database, slug: str) -> str:
    return str(db.tenants.create(Scope.system(), slug, slug.title())["id"])
