"""`metabuilder scripts run FILE... --tenant SLUG [--input JSON] [--level N]`: run script files
through the real sandbox, for package authors (and for the adversarial corpus).

A FILE is a Python script defining `main(ctx)`, a JSON-script document (`.json` with
`functions`), or a script manifest (`.json` with `body`: the runtime fields `timeout`,
`memory`, `minLevel` and `inputSchema` apply). The script runs as a user of the tenant at
`--level` (default 0) with the real DBAL behind `ctx`. Each result is one JSON object on
stdout::

    {"file": ..., "ok": true, "value": ..., "error": null, "logs": [...], "events": [...],
     "duration_ms": 1.2}

Exit status: 0 when every script succeeded, 1 when a script failed (its error is in the
JSON), 2 for a problem before any script ran (no such tenant, database unreachable).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from dbal.database import Database
from dbal.errors import DataError
from dbal.scope import Scope
from engine.cli import services
from engine.config import Settings, prepare_data_dir
from engine.errors import EngineError
from scripts_runtime.jsonscript.translate import TranslationError, translate_script
from scripts_runtime.sandbox import (
    ErrorCode,
    SandboxPool,
    ScriptError,
    ScriptLimits,
    ScriptRequest,
    ScriptResult,
)
from scripts_runtime.sandbox.limits import LimitsError
from worker.script_host import ScriptHost

EXIT_SCRIPT_FAILED = 1
EXIT_SETUP = 2


class ScriptsCommandError(click.ClickException):
    exit_code = EXIT_SETUP

    def format_message(self) -> str:
        return self.message


@dataclass
class Prepared:
    """A file turned into a request, or the reason it could not be."""

    path: Path
    request: ScriptRequest | None = None
    failure: ScriptError | None = None
    min_level: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _failure(path: Path, code: ErrorCode, message: str, location: str | None = None) -> Prepared:
    error = ScriptError(code.value, message, filename=str(path), location=location)
    return Prepared(path, failure=error)


def prepare(
    path: Path, *, tenant: dict[str, Any], user: dict[str, Any], run_input: Any
) -> Prepared:
    """Read one FILE into a `ScriptRequest` (translating JSON-script, applying a manifest)."""
    common = {
        "filename": str(path),
        "input": run_input,
        "tenant": tenant["id"],
        "tenant_slug": tenant["slug"],
        "user": user,
    }
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return Prepared(path, ScriptRequest(source=text, **common))
    try:
        document = json.loads(text)
    except ValueError as exc:
        return _failure(path, ErrorCode.COMPILE_ERROR, f"not valid JSON: {exc}")
    if isinstance(document, dict) and isinstance(document.get("body"), str):
        return _prepare_manifest(path, document, common)
    return _prepare_jsonscript(path, document, common)


def _prepare_jsonscript(path: Path, document: Any, common: dict[str, Any]) -> Prepared:
    try:
        translation = translate_script(document, str(path))
    except TranslationError as exc:
        first = exc.issues[0] if exc.issues else None
        return _failure(path, ErrorCode.COMPILE_ERROR, str(exc), first.pointer if first else None)
    request = ScriptRequest(
        source=translation.source,
        language="jsonscript",
        line_map=translation.line_map,
        **common,
    )
    return Prepared(path, request)


def _prepare_manifest(path: Path, manifest: dict[str, Any], common: dict[str, Any]) -> Prepared:
    body = (path.parent / manifest["body"]).resolve()
    if not body.is_file():
        return _failure(path, ErrorCode.COMPILE_ERROR, f"the manifest's body {body} is missing")
    try:
        limits = ScriptLimits.from_manifest(manifest)
    except LimitsError as exc:
        return _failure(path, ErrorCode.COMPILE_ERROR, str(exc))
    schema = manifest.get("inputSchema", manifest.get("input_schema"))
    inner = prepare(
        body,
        tenant={"id": common["tenant"], "slug": common["tenant_slug"]},
        user=common["user"],
        run_input=common["input"],
    )
    if inner.request is None:
        return inner
    request = replace(
        inner.request,
        timeout_s=limits.timeout_s,
        memory_mb=limits.memory_mb,
        input_schema=schema if isinstance(schema, dict) else None,
    )
    min_level = manifest.get("minLevel", 0)
    return Prepared(path, request, min_level=min_level if isinstance(min_level, int) else 0)


async def run_files(
    db: Database,
    tenant: dict[str, Any],
    files: list[Path],
    *,
    level: int,
    user_id: str | None,
    run_input: Any,
    package: str | None = None,
) -> list[tuple[Path, ScriptResult]]:
    user = {"id": user_id, "level": level}
    host = ScriptHost(db, Scope.for_user(tenant["id"], user_id, level), package=package)
    results: list[tuple[Path, ScriptResult]] = []
    async with SandboxPool(size=1) as pool:
        for path in files:
            prepared = prepare(path, tenant=tenant, user=user, run_input=run_input)
            if prepared.request is None:
                results.append((path, ScriptResult(ok=False, error=prepared.failure)))
            elif prepared.min_level > level:
                refusal = ScriptError(
                    "forbidden",
                    f"the script needs level {prepared.min_level}; --level is {level}",
                    filename=str(path),
                )
                results.append((path, ScriptResult(ok=False, error=refusal)))
            else:
                results.append((path, await pool.run(prepared.request, host)))
    return results


@click.group("scripts")
def scripts_group() -> None:
    """Run package scripts through the real sandbox."""


@scripts_group.command("run")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--tenant", "tenant_slug", required=True, help="Slug of the tenant to run in.")
@click.option("--input", "input_json", help="JSON value the script sees as ctx.input.")
@click.option(
    "--level",
    type=click.IntRange(0, 5),
    default=0,
    show_default=True,
    help="Caller level 0..5 (public .. supergod).",
)
@click.option("--user", "user_id", help="Caller user id (default: anonymous).")
@click.option("--package", help="Package whose entities bare names in ctx.db refer to.")
@click.pass_context
def run(
    ctx: click.Context,
    files: tuple[Path, ...],
    tenant_slug: str,
    input_json: str | None,
    level: int,
    user_id: str | None,
    package: str | None,
) -> None:
    """Run FILE(s) (.py, JSON-script or manifest) and print each result as JSON."""
    try:
        run_input = json.loads(input_json) if input_json is not None else None
    except ValueError as exc:
        raise ScriptsCommandError(f"metabuilder: --input is not valid JSON: {exc}") from None
    settings = ctx.find_object(Settings)
    if settings is None:
        raise ScriptsCommandError("metabuilder: settings are missing")
    try:
        db = services.open_database(prepare_data_dir(settings))
    except (EngineError, DataError) as exc:
        message = exc.one_line() if isinstance(exc, EngineError) else str(exc)
        raise ScriptsCommandError(f"metabuilder: {message}") from exc
    try:
        tenant = db.tenants.get_by_slug(tenant_slug)
        if tenant is None:
            raise ScriptsCommandError(f"metabuilder: no tenant {tenant_slug!r}")
        results = asyncio.run(
            run_files(
                db,
                tenant,
                list(files),
                level=level,
                user_id=user_id,
                run_input=run_input,
                package=package,
            )
        )
    finally:
        db.close()
    for path, result in results:
        line = {"file": str(path), **result.to_json()}
        click.echo(json.dumps(line, ensure_ascii=False, default=str))
    sys.stdout.flush()
    if not all(result.ok for _, result in results):
        ctx.exit(EXIT_SCRIPT_FAILED)


__all__ = ["run_files", "scripts_group"]
