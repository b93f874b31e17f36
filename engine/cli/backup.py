"""`metabuilder tenant backup SLUG FILE` and `metabuilder tenant restore FILE --as NEWSLUG`.

    metabuilder tenant backup acme acme.tar.gz
    metabuilder tenant restore acme.tar.gz --as acme-copy [--name "Acme (copy)"]

What an archive holds, how ids are remapped and which users come along: `dbal/backup.py`.
Progress goes to stderr as one line per table (and every 10 % of a big one); the result is
one line on stdout. Failures are one line on stderr and exit status 1; a failed restore
leaves nothing behind.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO, Any

import click

from dbal.backup import Progress, backup_tenant, restore_tenant
from dbal.database import Database
from dbal.errors import DataError
from engine.cli import services
from engine.config import Settings, prepare_data_dir
from engine.errors import EngineError


class BackupCommandError(click.ClickException):
    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.message, err=True, file=file)


def _database(ctx: click.Context) -> Database:
    settings = ctx.find_object(Settings)
    if settings is None:
        raise BackupCommandError("metabuilder: settings are missing")
    try:
        db = services.open_database(prepare_data_dir(settings))
    except (EngineError, DataError) as exc:
        message = exc.one_line() if isinstance(exc, EngineError) else str(exc)
        raise BackupCommandError(f"metabuilder: {message}") from exc
    ctx.call_on_close(db.close)
    return db


def progress_lines(verb: str) -> Progress:
    """A progress callback printing `verb table: done/total rows` at 10 % steps and the end."""
    shown: dict[str, int] = {}

    def report(table: str, done: int, total: int) -> None:
        step = max(total // 10, 1)
        last = shown.get(table, -1)
        if done >= total or done - last >= step:
            if done != last:
                click.echo(f"{verb} {table}: {done}/{total} rows", err=True)
            shown[table] = done

    return report


@click.command("backup")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, slug: str, file: Path) -> None:
    """Write tenant SLUG's rows, packages and settings to FILE (a .tar.gz archive)."""
    db = _database(ctx)
    started = time.monotonic()
    try:
        manifest = backup_tenant(db, slug, file, progress=progress_lines("backup"))
    except (DataError, OSError) as exc:
        raise BackupCommandError(f"metabuilder: backup failed: {exc}") from exc
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(
        f"tenant {slug} backed up to {file}: {rows} rows in {len(manifest['tables'])} tables "
        f"({time.monotonic() - started:.1f} s)"
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "new_slug", required=True, help="Slug of the new tenant.")
@click.option("--name", help="Display name of the new tenant (default: the original's).")
@click.pass_context
def restore_command(ctx: click.Context, file: Path, new_slug: str, name: str | None) -> None:
    """Create tenant NEWSLUG from a backup archive, all or nothing."""
    db = _database(ctx)
    try:
        report = restore_tenant(db, file, new_slug, name=name, progress=progress_lines("restore"))
    except DataError as exc:
        raise BackupCommandError(f"metabuilder: restore failed: {exc}") from exc
    for label, users in (
        ("created", report.users_created),
        ("linked", report.users_linked),
        ("skipped (id, username or email taken)", report.users_skipped),
        ("capped at admin", report.roles_capped),
    ):
        if users:
            click.echo(f"users {label}: {', '.join(users)}", err=True)
    click.echo(
        f"tenant {new_slug} restored from {file}: {sum(report.rows.values())} rows "
        f"(id {report.tenant['id']})"
    )
