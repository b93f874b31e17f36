"""`metabuilder packages ...`: list, validate, install and manage packages, import the original
project's packages, run a package's declarative tests.

Problems print one per line as ``severity: FILE#POINTER: message [code]``; a command that
finds errors exits 1, a usage or configuration failure exits 2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from dbal.database import Database
from dbal.errors import DataError
from engine.cli.services import resolver_for
from engine.config import Settings, builtin_packages_dir, load_settings
from engine.packages import Catalog, Package, PackageError, Problem, load_package
from engine.packages.errors import ConfigInvalid, PackageInvalid
from engine.packages.importer import import_original
from engine.packages.jsonread import LoadMode
from engine.packages.lifecycle import LifecycleReport, PackageManager
from engine.packages.sandbox_runner import SandboxScriptRunner
from engine.packages.testrunner import Renderer, TestReport, run_package_tests
from engine.packages.validate import PackageReport, validate_path
from scripts_runtime.sandbox import SandboxPool
from web.render import RenderContext
from web.render import Renderer as WebRenderer

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class PackagesCliError(click.ClickException):
    exit_code = EXIT_USAGE

    def format_message(self) -> str:
        return self.message


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    settings = load_settings()
    for name in ("database_url", "redis_url", "data_dir", "packages_dirs"):
        value = getattr(obj, name, None)
        if value is not None:
            settings = settings.with_overrides(**{name: value})
    return settings


def _package_dirs(settings: Settings) -> list[Path]:
    dirs = list(getattr(settings, "packages_dirs", ()) or ())
    return dirs or [builtin_packages_dir()]


def _mode(tolerant: bool) -> LoadMode:
    return "tolerant" if tolerant else "strict"


def _print_problem(problem: Problem, where: str = "") -> None:
    if where:
        problem = replace(problem, file=f"{where}/{problem.file}" if problem.file else where)
    click.echo(f"  {problem}", err=problem.severity == "error")


def _summary(report: PackageReport) -> str:
    package = report.package
    if package is None:
        return f"{report.name}: INVALID errors={len(report.errors)} warnings={len(report.warnings)}"
    state = "ok" if not report.errors else "INVALID"
    return (
        f"{package.id} {package.version}: {state} components={len(package.components)} "
        f"pages={len(package.pages)} scripts={len(package.scripts)} "
        f"entities={len(package.entities)} workflows={len(package.workflows)} "
        f"warnings={len(report.warnings)} errors={len(report.errors)}"
    )


@click.group("packages")
def packages_group() -> None:
    """List, validate, install, import and test packages."""


@packages_group.command("list")
@click.option(
    "--dir",
    "dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Package directories to list instead of the configured ones.",
)
@click.option("--tolerant", is_flag=True, help="Load in tolerant mode (original packages).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per package.")
@click.pass_context
def list_command(ctx: click.Context, dirs: tuple[Path, ...], tolerant: bool, as_json: bool) -> None:
    """List the packages of the catalog with their versions and contents."""
    catalog = Catalog(list(dirs) or _package_dirs(_settings(ctx)), mode=_mode(tolerant))
    for package in catalog.every_version():
        problems = catalog.problems.get(package.id, [])
        warnings = sum(1 for p in problems if p.severity == "warning")
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "id": package.id,
                        "version": package.version,
                        "name": package.name,
                        "minLevel": package.min_level,
                        "primary": package.primary,
                        "dependencies": package.dependencies,
                        "components": len(package.components),
                        "pages": len(package.pages),
                        "scripts": len(package.scripts),
                        "warnings": warnings,
                        "root": str(package.root),
                    }
                )
            )
        else:
            click.echo(
                f"{package.id} {package.version}: components={len(package.components)} "
                f"pages={len(package.pages)} scripts={len(package.scripts)} "
                f"warnings={warnings}  {package.name}"
            )
    failed = sorted(k for k in catalog.problems if k not in catalog)
    for name in failed:
        click.echo(f"{name}: not loaded", err=True)
        for problem in catalog.problems[name]:
            if problem.severity == "error":
                _print_problem(problem)
    if failed:
        ctx.exit(EXIT_PROBLEMS)


@packages_group.command("validate")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--tolerant", is_flag=True, help="Accept the original project's quirks as warnings.")
@click.option(
    "--overlay",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory of packages whose page-config/ and workflow/ files are merged in.",
)
@click.option(
    "--warnings/--no-warnings",
    "show_warnings",
    default=True,
    help="Print warnings (the summary line counts them either way).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON lines.")
@click.pass_context
def validate_command(
    ctx: click.Context,
    path: Path,
    tolerant: bool,
    overlay: Path | None,
    show_warnings: bool,
    as_json: bool,
) -> None:
    """Validate the package at PATH, or every package in the directory PATH.

    Prints one summary line per package and each problem with file and JSON pointer;
    exits 1 if any package has an error.
    """
    reports = validate_path(
        path, _mode(tolerant), reference_dirs=_package_dirs(_settings(ctx)), overlay_root=overlay
    )
    if not reports:
        raise PackagesCliError(f"no package found at {path}")
    for report in reports:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "package": report.name,
                        "ok": not report.errors,
                        "problems": [
                            p.as_dict()
                            for p in report.problems
                            if show_warnings or p.severity == "error"
                        ],
                    }
                )
            )
            continue
        click.echo(_summary(report))
        for problem in report.problems:
            if show_warnings or problem.severity == "error":
                _print_problem(problem, report.path.name)
    bad = [r for r in reports if r.errors]
    if len(reports) > 1 and not as_json:
        click.echo(f"{len(reports)} packages, {len(bad)} with errors")
    if bad:
        ctx.exit(EXIT_PROBLEMS)


@contextmanager
def _manager(
    ctx: click.Context, tolerant: bool = False
) -> Iterator[tuple[PackageManager, Database]]:
    settings = _settings(ctx)
    try:
        db = Database.connect(settings.database_url)
        db.upgrade()
    except DataError as exc:
        raise PackagesCliError(f"metabuilder: database unavailable: {exc}") from exc
    try:
        catalog = Catalog(_package_dirs(settings), mode=_mode(tolerant))
        yield PackageManager(db, catalog), db
    finally:
        db.close()


def _tenant_id(db: Database, slug: str) -> str:
    tenant = db.tenants.get_by_slug(slug)
    if tenant is None:
        raise PackagesCliError(f"metabuilder: no tenant {slug!r} (create it with `tenant create`)")
    return str(tenant["id"])


def _report(report: LifecycleReport) -> None:
    click.echo(report.summary())
    for pid, version in report.changed:
        click.echo(f"  {pid} {version}")
    for pid in report.kept:
        click.echo(f"  {pid} (already installed, kept)")
    for warning in report.warnings:
        click.echo(f"  warning: {warning}")


class PackagesCommandFailed(click.ClickException):
    exit_code = EXIT_PROBLEMS

    def format_message(self) -> str:
        return self.message


def _fail(exc: Exception) -> click.ClickException:
    lines = [f"metabuilder: {exc}"]
    if isinstance(exc, PackageInvalid | ConfigInvalid):
        lines += [f"  {p}" for p in exc.problems if p.severity == "error"]
    return PackagesCommandFailed("\n".join(lines))


def _json_option(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise PackagesCliError(f"metabuilder: --config is not JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise PackagesCliError("metabuilder: --config must be a JSON object")
    return parsed


@packages_group.command("install")
@click.argument("target")
@click.option("--tenant", "tenant_slug", required=True, help="Tenant slug.")
@click.option("--version", help="A version or semver range of the package (by id).")
@click.option("--config", "config_json", help="Tenant config of the package, as JSON.")
@click.option("--tolerant", is_flag=True, help="Load a package directory in tolerant mode.")
@click.pass_context
def install_command(
    ctx: click.Context,
    target: str,
    tenant_slug: str,
    version: str | None,
    config_json: str | None,
    tolerant: bool,
) -> None:
    """Install a package by id (built-in) or by directory path, with its dependencies."""
    config = _json_option(config_json)
    with _manager(ctx, tolerant) as (manager, db):
        tenant_id = _tenant_id(db, tenant_slug)
        try:
            report = manager.install(
                tenant_id, target, version=version, config=config, mode=_mode(tolerant)
            )
        except (PackageError, DataError) as exc:
            raise _fail(exc) from exc
        _report(report)


@packages_group.command("upgrade")
@click.argument("package_id")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--version", help="A version or semver range (default: the newest).")
@click.option(
    "--path",
    "path",
    type=click.Path(path_type=Path, file_okay=False),
    help="Upgrade from a package directory.",
)
@click.pass_context
def upgrade_command(
    ctx: click.Context, package_id: str, tenant_slug: str, version: str | None, path: Path | None
) -> None:
    """Upgrade an installed package in a tenant."""
    with _manager(ctx) as (manager, db):
        tenant_id = _tenant_id(db, tenant_slug)
        try:
            report = manager.upgrade(tenant_id, package_id, version=version, target=path)
        except (PackageError, DataError) as exc:
            raise _fail(exc) from exc
        _report(report)


def _lifecycle_command(name: str, help_text: str) -> None:
    @packages_group.command(name, help=help_text)
    @click.argument("package_id")
    @click.option("--tenant", "tenant_slug", required=True)
    @click.pass_context
    def command(ctx: click.Context, package_id: str, tenant_slug: str) -> None:
        with _manager(ctx) as (manager, db):
            tenant_id = _tenant_id(db, tenant_slug)
            try:
                report = (
                    manager.enable(tenant_id, package_id)
                    if name == "enable"
                    else manager.disable(tenant_id, package_id)
                )
            except (PackageError, DataError) as exc:
                raise _fail(exc) from exc
            _report(report)


_lifecycle_command("enable", "Enable an installed package: routes shown, schedules resumed.")
_lifecycle_command("disable", "Disable an installed package: routes hidden, schedules paused.")


@packages_group.command("uninstall")
@click.argument("package_id")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--purge", is_flag=True, help="Also delete the tenant's rows of the package data.")
@click.pass_context
def uninstall_command(ctx: click.Context, package_id: str, tenant_slug: str, purge: bool) -> None:
    """Uninstall a package from a tenant (its data stays unless --purge)."""
    with _manager(ctx) as (manager, db):
        tenant_id = _tenant_id(db, tenant_slug)
        try:
            report = manager.uninstall(tenant_id, package_id, purge=purge)
        except (PackageError, DataError) as exc:
            raise _fail(exc) from exc
        _report(report)


@packages_group.command("import-original")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--head",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="The original's HEAD packages dir: its page-config/ and workflow/ are merged.",
)
@click.option(
    "--dbal",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="The original's dbal dir: package entity YAML is attached to its package.",
)
@click.option("--changes", is_flag=True, help="List every normalisation, not only the count.")
@click.pass_context
def import_original_command(
    ctx: click.Context,
    source: Path,
    out: Path,
    head: Path | None,
    dbal: Path | None,
    changes: bool,
) -> None:
    """Turn a directory of original-format packages into our format in OUT.

    One line per package with counts and whether the output validates strictly; the reasons
    for every package that does not follow it. Exit 0 even when some packages need manual
    work (the report says what); exit 1 if a package could not be read at all.
    """
    results = import_original(
        source, out, head=head, dbal=dbal, reference_dirs=_package_dirs(_settings(ctx))
    )
    for result in results:
        click.echo(result.summary())
        if changes:
            for change in result.changes:
                click.echo(f"  changed: {change}")
        for problem in result.errors:
            _print_problem(problem, result.package_id)
    valid = sum(r.valid for r in results)
    written = sum(r.out is not None for r in results)
    click.echo(
        f"imported {written} of {len(results)} packages into {out}: {valid} validate strictly, "
        f"{written - valid} need changes (listed above); "
        f"{sum(r.components for r in results)} components, {sum(r.pages for r in results)} "
        f"pages, {sum(r.entities for r in results)} entities, "
        f"{sum(r.workflows for r in results)} workflows"
    )
    if written < len(results):
        ctx.exit(EXIT_PROBLEMS)


def _load_for_command(ctx: click.Context, target: str, tolerant: bool) -> tuple[Package, Catalog]:
    """A package by id from the configured catalog, or from a directory; and a catalog that
    also holds it (for name resolution across dependencies)."""
    catalog = Catalog(_package_dirs(_settings(ctx)), mode=_mode(tolerant))
    path = Path(target)
    if "/" in target or (target not in catalog and path.is_dir()):
        result = load_package(path, _mode(tolerant))
        if result.package is None:
            for problem in result.errors:
                _print_problem(problem, path.name)
            raise PackagesCommandFailed(f"metabuilder: package at {path} does not load")
        return result.package, catalog.extended(result.package)
    found = catalog.find(target)
    if found is None:
        raise PackagesCliError(
            f"metabuilder: no package {target!r} (and no directory of that name)"
        )
    return found, catalog


def _component_renderer(catalog: Catalog) -> Renderer:
    renderer = WebRenderer(resolve=resolver_for(catalog))

    def render(package_id: str, component_id: str, props: dict[str, Any]) -> Any:
        found = catalog.resolve(package_id, component_id)
        if found is None:
            return None
        result = renderer.render(package_id, found.definition, props, RenderContext("test"))
        template = (found.definition.get("render") or {}).get("template") or {}
        return {
            "type": template.get("type") if isinstance(template, dict) else None,
            "html": result.html,
            "css": result.css,
            "placeholders": len(result.placeholders),
            "failedExpressions": len(result.failed_expressions),
        }

    return render


@packages_group.command("test")
@click.argument("target")
@click.option("--tolerant", is_flag=True, help="Load the package in tolerant mode.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per test case.")
@click.pass_context
def test_command(ctx: click.Context, target: str, tolerant: bool, as_json: bool) -> None:
    """Run the declarative tests (tests/*.test.json) of a package by id or directory.

    Exits 1 if a test fails; skipped tests (a capability not available) do not fail.
    """
    package, catalog = _load_for_command(ctx, target, tolerant)
    report = asyncio.run(_run_tests(package, catalog))
    for case in report.results:
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "package": package.id,
                        "suite": case.suite,
                        "test": case.test,
                        "case": case.case,
                        "outcome": case.outcome,
                        "message": case.message,
                        "file": case.file,
                        "pointer": case.pointer,
                    }
                )
            )
            continue
        line = f"{case.outcome.upper():7} {case.label}"
        if case.outcome != "passed":
            line += f"\n        {case.file}#{case.pointer}: {case.message}"
        click.echo(line)
    click.echo(report.summary())
    if not report.ok:
        ctx.exit(EXIT_PROBLEMS)


async def _run_tests(package: Package, catalog: Catalog) -> TestReport:
    renderer = _component_renderer(catalog)
    if not package.scripts:
        return await run_package_tests(package, catalog, renderer=renderer)
    async with SandboxPool(size=1) as pool:
        runner = SandboxScriptRunner(pool)
        return await run_package_tests(package, catalog, scripts=runner, renderer=renderer)


@packages_group.command("render")
@click.argument("target")
@click.option("--component", "component_ref", help="Render only this component (id or name).")
@click.option("--summary", is_flag=True, help="One JSON object per component, then totals.")
@click.option("--tolerant", is_flag=True, help="Load a package directory in tolerant mode.")
@click.pass_context
def render_command(
    ctx: click.Context, target: str, component_ref: str | None, summary: bool, tolerant: bool
) -> None:
    """Render a package's components to HTML on stdout (each with its default props)."""
    package, catalog = _load_for_command(ctx, target, tolerant)
    renderer = WebRenderer(resolve=resolver_for(catalog))
    components = package.components
    if component_ref is not None:
        found = package.component(component_ref)
        if found is None:
            raise PackagesCommandFailed(
                f"metabuilder: package {package.id} has no component {component_ref!r}"
            )
        components = [found]
    totals = {"components": 0, "ok": 0, "placeholders": 0, "failed_expressions": 0, "errors": 0}
    for component in components:
        totals["components"] += 1
        try:
            result = renderer.render(
                package.id, component.definition, {}, RenderContext(tenant="render")
            )
        except Exception as exc:  # a crash of one component is reported, the others render
            totals["errors"] += 1
            if summary:
                click.echo(
                    json.dumps(
                        {
                            "component": component.id,
                            "ok": False,
                            "placeholders": 0,
                            "failed_expressions": 0,
                            "error": f"{type(exc).__name__}: {exc}",
                        }
                    )
                )
            else:
                click.echo(f"<!-- component {component.id}: error {exc} -->")
            continue
        totals["ok"] += 1
        totals["placeholders"] += len(result.placeholders)
        totals["failed_expressions"] += len(result.failed_expressions)
        if summary:
            click.echo(
                json.dumps(
                    {
                        "component": component.id,
                        "ok": True,
                        "placeholders": len(result.placeholders),
                        "failed_expressions": len(result.failed_expressions),
                        "error": None,
                    }
                )
            )
        else:
            if len(components) > 1:
                click.echo(f"<!-- component {component.id} -->")
            if result.css:
                click.echo(f"<style>{result.css}</style>")
            click.echo(result.html)
    if summary:
        click.echo(json.dumps({"totals": totals}))
    if totals["errors"]:
        ctx.exit(EXIT_PROBLEMS)


@packages_group.command("config")
@click.argument("package_id")
@click.option("--tenant", "tenant_slug", required=True)
@click.option("--set", "config_json", help="Replace the tenant's config (JSON object).")
@click.pass_context
def config_command(
    ctx: click.Context, package_id: str, tenant_slug: str, config_json: str | None
) -> None:
    """Show, or with --set validate and replace, a package's config in a tenant."""
    config = _json_option(config_json)
    with _manager(ctx) as (manager, db):
        tenant_id = _tenant_id(db, tenant_slug)
        try:
            if config is not None:
                current = manager.set_config(tenant_id, package_id, config)
            else:
                row = manager.installed(tenant_id).get(package_id)
                if row is None:
                    raise PackagesCommandFailed(
                        f"metabuilder: {package_id} is not installed in {tenant_slug}"
                    )
                current = dict(row["config"] or {})
        except (PackageError, DataError) as exc:
            raise _fail(exc) from exc
        click.echo(json.dumps(current, sort_keys=True))
