"""Building the shared services from settings: database, package catalog, renderer, bootstrap.

Shared by `up`, `web`, `worker` and the admin commands so that each process is wired the same.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from starlette.applications import Starlette

from dbal.database import Database
from dbal.errors import ConflictError, DataError
from dbal.scope import Scope
from engine.config import Settings
from engine.dispatch import Dispatcher, ScriptInfo, ScriptLookup
from engine.errors import ConfigError
from engine.flows.dispatch import FlowDispatcher
from engine.flows.triggers import EntityFlowListener, installed_packages, tenant_env
from engine.packages import Catalog
from engine.packages.lifecycle import PackageManager
from engine.temporal_client import TemporalConnection
from web.app import create_app
from web.render import Renderer, ResolvedComponent, Resolver
from web.render_cache import RenderCache
from web.services import WebServices

log = logging.getLogger("metabuilder")

DEFAULT_TENANT = "default"
# Installed into the default tenant on the first start of the embedded stack.
BOOTSTRAP_PACKAGES = ("hello_world", "ui_login", "ui_auth", "ui_runs")


def describe_url(url: str) -> str:
    """A database URL fit for logs: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


def open_database(settings: Settings) -> Database:
    """Connect and bring the schema up to date; any failure is one ConfigError line."""
    try:
        where = describe_url(settings.database_url)
    except ArgumentError as exc:
        raise ConfigError(
            "the database URL is not valid",
            hint="METABUILDER_DATABASE_URL takes sqlite:///PATH or postgresql+psycopg://...",
        ) from exc
    try:
        db = Database.connect(settings.database_url, redis_url=settings.redis_url)
    except DataError as exc:
        raise ConfigError(f"database {where}: {exc}") from exc
    try:
        db.upgrade()
    except DataError as exc:
        db.close()
        raise ConfigError(f"database {where}: {exc}") from exc
    return db


def create_tenant(db: Database, slug: str, name: str) -> dict[str, Any]:
    return db.tenants.create(Scope.system(), slug, name)


def build_catalog(settings: Settings) -> Catalog:
    return Catalog(list(settings.packages_dirs))


def script_lookup(catalog: Catalog) -> ScriptLookup:
    def lookup(package_id: str, script: str, version: str | None) -> ScriptInfo | None:
        package = catalog.pick(package_id, version)
        return package.script(script) if package is not None else None

    return lookup


def resolver_for(catalog: Catalog) -> Resolver:
    """The renderer's component resolver over a package catalog."""

    def resolve(package_id: str, ref: str, versions: Mapping[str, str]) -> ResolvedComponent | None:
        found = catalog.resolve(package_id, ref, versions)
        return ResolvedComponent(found.package_id, found.definition) if found else None

    return resolve


def build_renderer(catalog: Catalog) -> Renderer:
    return Renderer(resolve=resolver_for(catalog))


def bootstrap(db: Database, catalog: Catalog) -> bool:
    """First start: create the default tenant and install the bootstrap packages into it.

    Returns True when it did something; a later start finds the tenant and leaves all data.
    """
    if db.tenants.get_by_slug(DEFAULT_TENANT) is not None:
        return False
    try:
        tenant = create_tenant(db, DEFAULT_TENANT, "Default")
    except ConflictError:
        return False  # another process bootstrapped at the same moment
    PackageManager(db, catalog).install_many(tenant["id"], list(BOOTSTRAP_PACKAGES))
    log.info("bootstrapped tenant %s with %s", DEFAULT_TENANT, ", ".join(BOOTSTRAP_PACKAGES))
    return True


def build_app(
    settings: Settings, db: Database, catalog: Catalog, conn: TemporalConnection
) -> Starlette:
    dispatcher = Dispatcher(conn, task_queue=settings.task_queue, lookup=script_lookup(catalog))
    svc = WebServices(
        settings=settings,
        db=db,
        catalog=catalog,
        renderer=build_renderer(catalog),
        temporal=conn,
        dispatcher=dispatcher,
        render_cache=RenderCache(settings.redis_url),
    )
    flows = FlowDispatcher(
        conn, task_queue=settings.task_queue, catalog=catalog, env_for=tenant_env(db)
    )
    svc.entity_listeners.append(EntityFlowListener(flows, installed_packages(db)))
    return create_app(svc)
