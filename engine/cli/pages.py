"""`metabuilder pages export DIR --tenant SLUG`: a tenant's public pages as static files.

Every routed page of the tenant (published page configs without parameters, the enabled
packages' `defaultRoute`s and `/{package}` homes) is requested from the real app, in process,
as an anonymous visitor, and written to ``DIR/<tenant>/<path>/index.html`` (the default
tenant's root also to ``DIR/index.html``), so DIR can be served as a web root. The assets the
pages reference under ``/static/`` (stylesheet, client runtime and its source map) are written
beside them. Pages that need a login, a level above public, or route parameters are listed
as skipped. No visitor's CSRF token is left in the files. One progress line per page goes to
stderr; the summary to stdout.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import click
import httpx
from starlette.applications import Starlette

from dbal.database import Database
from dbal.errors import DataError
from engine.cli import services
from engine.config import Settings, load_settings, prepare_data_dir
from engine.errors import EngineError
from engine.temporal_client import TemporalConnection
from web.middleware.csrf import COOKIE as CSRF_COOKIE
from web.pages import find_route
from web.routing import PARAM, normalise
from web.services import WebServices
from web.tenancy import DEFAULT_TENANT

EXIT_USAGE = 2
_ASSET = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')
_SOURCE_MAP = re.compile(rb"//# sourceMappingURL=([\w.\-]+)\s*$")


class PagesCliError(click.ClickException):
    exit_code = EXIT_USAGE

    def format_message(self) -> str:
        return self.message


@dataclass
class ExportReport:
    pages: list[tuple[str, Path]] = field(default_factory=list)
    assets: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@click.group("pages")
def pages_group() -> None:
    """Pages of a tenant."""


@pages_group.command("export")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@click.pass_context
def export_command(ctx: click.Context, directory: Path, tenant_slug: str) -> None:
    """Write the tenant's public pages as static HTML, with their CSS and JS, into DIRECTORY."""
    settings = _settings(ctx)
    try:
        settings = prepare_data_dir(settings)
        db = services.open_database(settings)
    except (EngineError, DataError) as exc:
        raise PagesCliError(f"metabuilder: {exc}") from exc
    try:
        tenant = db.tenants.get_by_slug(tenant_slug)
        if tenant is None:
            raise PagesCliError(f"metabuilder: no tenant {tenant_slug!r}")
        app = _app(settings, db)
        report = asyncio.run(export_pages(app, tenant, directory))
    finally:
        db.close()
    for path, reason in report.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    click.echo(
        f"exported {len(report.pages)} pages and {len(report.assets)} assets of "
        f"{tenant_slug} to {directory} ({len(report.skipped)} skipped)"
    )


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else load_settings()


def _app(settings: Settings, db: Database) -> Starlette:
    # Pages render without Temporal; the connection is only opened by actions.
    conn = TemporalConnection(settings.temporal_target, settings.temporal_namespace)
    return services.build_app(settings, db, services.build_catalog(settings), conn)


def routed_paths(svc: WebServices, tenant_id: str) -> list[str]:
    """Every path the tenant routes: page configs, default routes, package homes."""
    paths = [normalise(str(row["path"])) for row in svc.db.page_configs.list_published(tenant_id)]
    for row in svc.db.installed_packages.list(tenant_id):
        config = row.get("config") or {}
        if isinstance(config, dict) and isinstance(config.get("defaultRoute"), str):
            paths.append(normalise(config["defaultRoute"]))
        package = svc.catalog.pick(row["package_id"], row["version"])
        if package is not None and package.primary:
            paths.append("/" + str(row["package_id"]))
    return sorted(set(paths))


async def export_pages(app: Starlette, tenant: dict[str, object], out: Path) -> ExportReport:
    svc = app.state.services
    assert isinstance(svc, WebServices)
    slug, tenant_id = str(tenant["slug"]), str(tenant["id"])
    report = ExportReport()
    token = secrets.token_urlsafe(32)
    root = await asyncio.to_thread(_prepare, out)
    paths = await asyncio.to_thread(routed_paths, svc, tenant_id)
    assets: set[str] = set()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://export.invalid", cookies={CSRF_COOKIE: token}
    ) as http:
        for index, path in enumerate(paths, start=1):
            url = f"/{quote(slug)}{'' if path == '/' else path}"
            step = f"[{index}/{len(paths)}] {url}"
            reason = await asyncio.to_thread(_not_exportable, svc, tenant_id, path)
            if reason is None:
                response = await http.get(url)
                if response.status_code != 200:
                    reason = f"answers {response.status_code}"
            if reason is not None:
                report.skipped.append((path, reason))
                click.echo(f"{step} skipped ({reason})", err=True)
                continue
            html = response.text.replace(token, "").encode()
            written = await asyncio.to_thread(_write, root, f"{slug}{path}/index.html", html)
            if written is None:
                report.skipped.append((path, "its path leaves the export directory"))
                click.echo(f"{step} skipped (its path leaves the export directory)", err=True)
                continue
            if slug == DEFAULT_TENANT and path == "/":
                await asyncio.to_thread(_write, root, "index.html", html)
            report.pages.append((url, written))
            assets.update(_ASSET.findall(html.decode()))
            click.echo(f"{step} -> {written.relative_to(root)} ({len(html)} bytes)", err=True)
        for asset in sorted(assets):
            report.assets += await _export_asset(http, root, asset)
    return report


def _not_exportable(svc: WebServices, tenant_id: str, path: str) -> str | None:
    if PARAM.search(path):
        return "has route parameters"
    route = find_route(svc, tenant_id, path)
    if route is None:
        return "no route"
    if route.requires_auth or route.level > 0:
        return f"needs a login (level {route.level})"
    return None


async def _export_asset(http: httpx.AsyncClient, root: Path, url: str) -> list[Path]:
    response = await http.get(url)
    if response.status_code != 200:
        click.echo(f"asset {url} answers {response.status_code}", err=True)
        return []
    target = await asyncio.to_thread(_write, root, url.lstrip("/"), response.content)
    if target is None:
        return []
    written = [target]
    source_map = _SOURCE_MAP.search(response.content[-300:])
    if source_map is not None:
        map_url = str(PurePosixPath(url).parent / source_map.group(1).decode())
        written += await _export_asset(http, root, map_url)
    return written


def _prepare(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    return out.resolve()


def _write(root: Path, relative: str, content: bytes) -> Path | None:
    """Write `content` to `relative` under `root`; None (nothing written) if it would leave it."""
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return target
