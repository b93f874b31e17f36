"""`metabuilder` root command group and the commands that run the stack.

Every command reads the settings once (environment + flags) and reports failures of
configuration or start-up as one clear line on stderr with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import IO, Any

import click

from dbal.errors import DataError
from engine.cli import services
from engine.cli.backup import backup_command, restore_command
from engine.cli.packages import packages_group
from engine.cli.pages import pages_group
from engine.cli.scripts import scripts_group
from engine.cli.stack import run_embedded_stack, run_web_only, run_worker_only
from engine.cli.temporal import exit_without_finalizing, temporal_group
from engine.cli.users import user_group
from engine.config import Settings, load_settings, prepare_data_dir
from engine.errors import EngineError

EXIT_CONFIG = 2


class CliError(click.ClickException):
    exit_code = EXIT_CONFIG

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True, file=file)


def fail(exc: Exception) -> CliError:
    if isinstance(exc, EngineError):
        return CliError(f"metabuilder: {exc.one_line()}")
    return CliError(f"metabuilder: {exc}")


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@click.group()
@click.option("--data-dir", type=click.Path(path_type=Path), help="Overrides METABUILDER_DATA_DIR.")
@click.option("--database-url", help="Overrides METABUILDER_DATABASE_URL.")
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level.")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, database_url: str | None, verbose: bool) -> None:
    """MetaBuilder: a data-driven, multi-tenant low-code runtime on Temporal."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        ctx.obj = load_settings(data_dir=data_dir).with_overrides(database_url=database_url)
    except EngineError as exc:
        raise fail(exc) from exc


def port_options(fn: Any) -> Any:
    fn = click.option("--port", type=int, help="Web port (default 8000).")(fn)
    fn = click.option("--host", help="Web bind address (default 127.0.0.1).")(fn)
    return fn


@cli.command()
@port_options
@click.option("--temporal-port", type=int, help="Embedded Temporal gRPC port (default 7233).")
@click.option("--temporal-ui-port", type=int, help="Embedded Temporal UI port (default 8233).")
@click.pass_context
def up(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    temporal_port: int | None,
    temporal_ui_port: int | None,
) -> None:
    """Run everything on this machine: Temporal dev server, worker and web app."""
    settings = settings_of(ctx).with_overrides(
        web_host=host,
        web_port=port,
        temporal_port=temporal_port,
        temporal_ui_port=temporal_ui_port,
    )
    run_or_fail(run_embedded_stack, settings)


@cli.command()
@port_options
@click.pass_context
def web(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the web app against METABUILDER_TEMPORAL_ADDRESS."""
    run_or_fail(run_web_only, settings_of(ctx).with_overrides(web_host=host, web_port=port))


@cli.command()
@click.option("--task-queue", help="Overrides METABUILDER_TASK_QUEUE (default metabuilder).")
@click.option(
    "--health-port", type=click.IntRange(1, 65535), help="Serve /healthz and /readyz here."
)
@click.option("--health-host", help="Bind address of the health port (default 127.0.0.1).")
@click.pass_context
def worker(
    ctx: click.Context, task_queue: str | None, health_port: int | None, health_host: str | None
) -> None:
    """Run a worker against METABUILDER_TEMPORAL_ADDRESS."""
    settings = settings_of(ctx).with_overrides(
        task_queue=task_queue, worker_health_port=health_port, worker_health_host=health_host
    )
    run_or_fail(run_worker_only, settings)


@cli.group()
def db() -> None:
    """Database administration."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the core schema."""
    settings = prepared(ctx)
    database = open_database(settings)
    database.close()
    click.echo(f"database schema is up to date ({services.describe_url(settings.database_url)})")


@cli.group()
def tenant() -> None:
    """Tenants."""


@tenant.command("create")
@click.argument("slug")
@click.option("--name", help="Display name (default: the slug).")
@click.pass_context
def tenant_create(ctx: click.Context, slug: str, name: str | None) -> None:
    """Create a tenant."""
    database = open_database(prepared(ctx))
    try:
        row = services.create_tenant(database, slug, name or slug)
    except DataError as exc:
        raise fail(exc) from exc
    finally:
        database.close()
    click.echo(f"tenant {row['slug']} created (id {row['id']})")


def prepared(ctx: click.Context) -> Settings:
    try:
        return prepare_data_dir(settings_of(ctx))
    except EngineError as exc:
        raise fail(exc) from exc


def open_database(settings: Settings) -> Any:
    try:
        return services.open_database(settings)
    except (DataError, EngineError) as exc:
        raise fail(exc) from exc


def run_or_fail(fn: Any, settings: Settings) -> None:
    try:
        settings = prepare_data_dir(settings)
        code = asyncio.run(fn(settings))
    except (EngineError, DataError) as exc:
        raise fail(exc) from exc
    except KeyboardInterrupt:
        code = 0
    exit_without_finalizing(code)  # the stack held Temporal clients


tenant.add_command(backup_command)
tenant.add_command(restore_command)
cli.add_command(packages_group, "packages")
cli.add_command(pages_group, "pages")
cli.add_command(user_group, "user")
cli.add_command(scripts_group, "scripts")
cli.add_command(temporal_group, "temporal")


def main() -> None:
    cli(prog_name="metabuilder")
