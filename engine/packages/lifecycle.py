"""Per-tenant package lifecycle: install (dependencies first), enable, disable, upgrade,
uninstall, config. Each operation is one database transaction, all or nothing:

    migrate    entity tables created / extended (shared by tenants, rows carry tenant_id)
    routes     page routes written for the tenant (a path another package or the tenant owns
               is left alone and reported)
    seed       `x-seed` rows of new entities inserted for the tenant
    workflows  flow definitions stored for the tenant
    record     the installed_packages row (version, enabled, validated config)
    schedules  cron schedules and init scripts handed to the engine (`sinks`), last; what was
               handed over is withdrawn again if the transaction does not commit

`on_step(step, package_id)` is called before each step; a failure raised there or in the step
rolls everything back and surfaces as `StepFailed` naming the step and package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from dbal import tables
from dbal.database import Database
from dbal.engine import write_tx
from dbal.ids import new_id, utcnow
from engine.packages.catalog import Catalog
from engine.packages.errors import (
    ConfigInvalid,
    DependencyError,
    LifecycleError,
    NotInstalled,
    PackageError,
    PackageInvalid,
    StepFailed,
    VersionConflict,
)
from engine.packages.jsonread import LoadMode
from engine.packages.loader import load_package
from engine.packages.migrate import DbalEntityMigrator, EntityMigrator
from engine.packages.model import Package
from engine.packages.resolve import Plan, Requirement, resolve
from engine.packages.schemas import check_config
from engine.packages.semver import Range
from engine.packages.sinks import (
    CronSchedule,
    InitRequest,
    InitScriptSink,
    ScheduleSink,
    cron_schedules,
)

__all__ = ["OPS", "STEPS", "ChangeCheck", "LifecycleReport", "PackageManager", "StepHook"]

STEPS = ("migrate", "routes", "seed", "workflows", "record", "schedules")
OPS = ("install", "upgrade", "enable", "disable", "uninstall")
StepHook = Callable[[str, str], None]

_ip = tables.installed_packages
_pc = tables.page_configs
_wf = tables.workflows


@dataclass
class LifecycleReport:
    action: str
    tenant_id: str
    changed: list[tuple[str, str]] = field(default_factory=list)  # (package id, version)
    kept: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    init_scripts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        changed = ", ".join(f"{p}@{v}" for p, v in self.changed) or "nothing"
        return (
            f"{self.action}: {changed}; {len(self.routes)} routes, "
            f"{len(self.migrations)} migration steps, {len(self.schedules)} schedules, "
            f"{len(self.warnings)} warnings"
        )


@dataclass(frozen=True)
class ChangeCheck:
    """A change that passed `PackageManager.check`: for install and upgrade, the version to
    apply and what dependency resolution adds (`plan.to_install`, the target last)."""

    op: str
    installed: dict[str, dict[str, Any]]
    target: Package | None = None
    plan: Plan | None = None


class _Handover:
    """Sink calls made during a transaction, with their inverses for when it fails."""

    def __init__(self, schedules: ScheduleSink | None, init: InitScriptSink | None) -> None:
        self.schedules = schedules
        self.init = init
        self._undo: list[Callable[[], None]] = []

    def upsert(self, schedule: CronSchedule) -> None:
        if self.schedules is None:
            return
        sink = self.schedules
        before = sink.get(*schedule.key)
        sink.upsert(schedule)
        if before is None:
            self._undo.append(lambda: sink.delete(*schedule.key))
        else:
            self._undo.append(lambda: sink.upsert(before))

    def delete(self, key: tuple[str, str, str]) -> None:
        if self.schedules is None:
            return
        sink = self.schedules
        before = sink.get(*key)
        if before is not None:
            sink.delete(*key)
            self._undo.append(lambda: sink.upsert(before))

    def pause(self, key: tuple[str, str, str], paused: bool) -> None:
        if self.schedules is None:
            return
        sink = self.schedules
        before = sink.get(*key)
        if before is not None and before.paused != paused:
            sink.set_paused(*key, paused)
            self._undo.append(lambda: sink.set_paused(*key, before.paused))

    def submit(self, request: InitRequest) -> None:
        if self.init is None:
            return
        sink = self.init
        sink.submit(request)
        self._undo.append(lambda: sink.withdraw(request))

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


class PackageManager:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        *,
        schedules: ScheduleSink | None = None,
        init_scripts: InitScriptSink | None = None,
        migrator: EntityMigrator | None = None,
        on_step: StepHook | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.schedules = schedules
        self.init_scripts = init_scripts
        self.migrator: EntityMigrator = migrator or DbalEntityMigrator(db.schema)
        self.on_step = on_step

    # -- reading -----------------------------------------------------------------------------

    def installed(self, tenant_id: str) -> dict[str, dict[str, Any]]:
        """Every package installed in the tenant (enabled or not), by id."""
        rows = self.db.installed_packages.list(tenant_id, enabled_only=False)
        return {row["package_id"]: row for row in rows}

    def load_target(
        self, target: str | Path | Package, version: str | None = None, mode: LoadMode = "strict"
    ) -> Package:
        """A package by id (newest, or ``version``: a version or a range), by directory, or
        as given."""
        if isinstance(target, Package):
            return target
        path = Path(target)
        as_path = isinstance(target, Path) or "/" in target
        if as_path or (target not in self.catalog and path.is_dir()):
            if not path.is_dir():
                raise PackageError(f"no package directory at {path}")
            result = load_package(path, mode)
            if result.package is None or (mode == "strict" and result.errors):
                first = "; ".join(str(p) for p in result.errors[:3])
                raise PackageInvalid(f"package at {path} is invalid: {first}", result.problems)
            return result.package
        if version is None:
            return self.catalog.get(str(target))
        if self.catalog.find(str(target), version) is not None:
            return self.catalog.get(str(target), version)
        best = self.catalog.best(str(target), version)
        if best is None:
            raise VersionConflict(
                f"no version of {target} matches {version} "
                f"(available: {', '.join(self.catalog.versions(str(target))) or 'none'})",
                [str(target)],
            )
        return best

    def check(
        self,
        tenant_id: str,
        package_id: str,
        op: str,
        *,
        version: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> ChangeCheck:
        """Whether `op` can be done, without changing anything; the typed error if not.

        install: the catalog has the package (at `version`, a version or a range), it is not
        installed at another version, its dependencies resolve; `config` only on a fresh
        install. upgrade: it is installed, the target resolves, and every installed package
        that depends on it accepts the target version. enable, disable, uninstall: it is
        installed; uninstall: nothing installed depends on it.
        """
        if op not in OPS:
            raise LifecycleError(f"unknown package change {op!r}")
        installed = self.installed(tenant_id)
        row = installed.get(package_id)
        if op in ("install", "upgrade"):
            if op == "upgrade" and row is None:
                raise NotInstalled(f"{package_id} is not installed in this tenant")
            target = self.load_target(package_id, version)
            if op == "install" and row is not None and row["version"] != target.version:
                raise LifecycleError(
                    f"{package_id} {row['version']} is installed in this tenant; "
                    f"use upgrade to move to {target.version}"
                )
            if row is not None and config is not None:
                raise ConfigInvalid(
                    f"{package_id} is installed: its config stays as it is (config is for a "
                    "fresh install)",
                    [],
                )
            catalog = self.catalog.extended(target)
            if op == "upgrade":
                _check_dependents_accept(catalog, installed, target)
            versions = {pid: r["version"] for pid, r in installed.items()}
            if op == "upgrade":
                versions.pop(package_id)
            return ChangeCheck(op, installed, target, resolve(catalog, [target], versions))
        if row is None:
            raise NotInstalled(f"{package_id} is not installed in this tenant")
        if op == "uninstall":
            _check_no_dependents(self.catalog, installed, package_id)
        return ChangeCheck(op, installed)

    # -- operations --------------------------------------------------------------------------

    def install(
        self,
        tenant_id: str,
        target: str | Path | Package,
        *,
        version: str | None = None,
        config: dict[str, Any] | None = None,
        mode: LoadMode = "strict",
    ) -> LifecycleReport:
        package = self.load_target(target, version, mode)
        catalog = self.catalog.extended(package)
        installed = self.installed(tenant_id)
        current = installed.get(package.id)
        if current is not None and current["version"] != package.version:
            raise LifecycleError(
                f"{package.id} {current['version']} is installed in this tenant; "
                f"use upgrade to move to {package.version}"
            )
        versions = {pid: row["version"] for pid, row in installed.items()}
        plan = resolve(catalog, [package], versions)
        report = LifecycleReport("install", tenant_id, kept=list(plan.keep))
        todo = plan.to_install
        configs = {p.id: self._config(p, config if p.id == package.id else None) for p in todo}
        with self._transaction() as (conn, handover):
            for pkg in todo:
                self._apply(conn, tenant_id, pkg, None, report, configs[pkg.id], handover)
        return report

    def install_many(
        self, tenant_id: str, targets: Sequence[str | Path | Package]
    ) -> LifecycleReport:
        """Install several packages (and their dependencies) in one transaction."""
        packages = [self.load_target(t) for t in targets]
        catalog = self.catalog.extended(*packages)
        installed = self.installed(tenant_id)
        versions = {pid: row["version"] for pid, row in installed.items()}
        plan = resolve(catalog, packages, versions)
        report = LifecycleReport("install", tenant_id, kept=list(plan.keep))
        todo = plan.to_install
        configs = {p.id: self._config(p, None) for p in todo}
        with self._transaction() as (conn, handover):
            for pkg in todo:
                self._apply(conn, tenant_id, pkg, None, report, configs[pkg.id], handover)
        return report

    def upgrade(
        self,
        tenant_id: str,
        package_id: str,
        *,
        version: str | None = None,
        target: Path | Package | None = None,
    ) -> LifecycleReport:
        installed = self.installed(tenant_id)
        row = installed.get(package_id)
        if row is None:
            raise NotInstalled(f"{package_id} is not installed in this tenant")
        new = self.load_target(target if target is not None else package_id, version)
        if new.id != package_id:
            raise LifecycleError(f"{target} holds package {new.id}, not {package_id}")
        catalog = self.catalog.extended(new)
        old = catalog.find(package_id, row["version"])
        _check_dependents_accept(catalog, installed, new)
        versions = {pid: r["version"] for pid, r in installed.items() if pid != package_id}
        plan = resolve(catalog, [new], versions)
        report = LifecycleReport("upgrade", tenant_id, kept=list(plan.keep))
        config = self._config(new, dict(row["config"] or {}))
        with self._transaction() as (conn, handover):
            for pkg in plan.to_install:
                if pkg.id == package_id:
                    self._apply(conn, tenant_id, pkg, old, report, config, handover)
                else:
                    self._apply(
                        conn, tenant_id, pkg, None, report, self._config(pkg, None), handover
                    )
        return report

    def set_enabled(self, tenant_id: str, package_id: str, enabled: bool) -> LifecycleReport:
        row = self.installed(tenant_id).get(package_id)
        if row is None:
            raise NotInstalled(f"{package_id} is not installed in this tenant")
        package = self.catalog.find(package_id, row["version"])
        report = LifecycleReport("enable" if enabled else "disable", tenant_id)
        with self._transaction() as (conn, handover):
            self._step("record", package_id)
            conn.execute(
                update(_ip)
                .where(_ip.c.tenant_id == tenant_id, _ip.c.package_id == package_id)
                .values(enabled=enabled, updated_at=utcnow())
            )
            self._step("routes", package_id)
            if enabled and package is not None:
                self._write_routes(conn, tenant_id, package, None, report)
            else:
                conn.execute(
                    update(_pc)
                    .where(_pc.c.tenant_id == tenant_id, _pc.c.package_id == package_id)
                    .values(is_published=False, updated_at=utcnow())
                )
            self._step("schedules", package_id)
            for script in package.scripts if package is not None else []:
                if script.kind == "cron":
                    handover.pause((tenant_id, package_id, script.name), not enabled)
                    report.schedules.append(f"{'resumed' if enabled else 'paused'} {script.name}")
        report.changed.append((package_id, row["version"]))
        return report

    def enable(self, tenant_id: str, package_id: str) -> LifecycleReport:
        return self.set_enabled(tenant_id, package_id, True)

    def disable(self, tenant_id: str, package_id: str) -> LifecycleReport:
        return self.set_enabled(tenant_id, package_id, False)

    def uninstall(self, tenant_id: str, package_id: str, *, purge: bool = False) -> LifecycleReport:
        """Remove routes, flows, schedules and the install record; tenant rows in the
        package's entity tables stay unless ``purge``."""
        installed = self.installed(tenant_id)
        row = installed.get(package_id)
        if row is None:
            raise NotInstalled(f"{package_id} is not installed in this tenant")
        _check_no_dependents(self.catalog, installed, package_id)
        package = self.catalog.find(package_id, row["version"])
        report = LifecycleReport("uninstall", tenant_id)
        with self._transaction() as (conn, handover):
            self._step("routes", package_id)
            conn.execute(
                delete(_pc).where(_pc.c.tenant_id == tenant_id, _pc.c.package_id == package_id)
            )
            self._step("workflows", package_id)
            conn.execute(
                delete(_wf).where(_wf.c.tenant_id == tenant_id, _wf.c.package_id == package_id)
            )
            if purge:
                self._step("seed", package_id)
                self._purge(conn, tenant_id, package_id, package)
            self._step("record", package_id)
            conn.execute(
                delete(_ip).where(_ip.c.tenant_id == tenant_id, _ip.c.package_id == package_id)
            )
            self._step("schedules", package_id)
            for script in package.scripts if package is not None else []:
                if script.kind == "cron":
                    handover.delete((tenant_id, package_id, script.name))
                    report.schedules.append(f"deleted {script.name}")
        report.changed.append((package_id, row["version"]))
        return report

    def set_config(self, tenant_id: str, package_id: str, config: dict[str, Any]) -> dict[str, Any]:
        row = self.installed(tenant_id).get(package_id)
        if row is None:
            raise NotInstalled(f"{package_id} is not installed in this tenant")
        package = self.catalog.find(package_id, row["version"])
        if package is None:
            raise LifecycleError(
                f"{package_id} {row['version']} is not in the package catalog, so its config "
                "schema is unknown; add its directory to the catalog"
            )
        merged = self._config(package, config)
        with write_tx(self.db.engine, "package config") as conn:
            conn.execute(
                update(_ip)
                .where(_ip.c.tenant_id == tenant_id, _ip.c.package_id == package_id)
                .values(config=merged, updated_at=utcnow())
            )
        return merged

    # -- steps -------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[tuple[Connection, _Handover]]:
        handover = _Handover(self.schedules, self.init_scripts)
        try:
            with write_tx(self.db.engine, "package lifecycle") as conn:
                yield conn, handover
        except BaseException:
            handover.undo()
            raise

    def _step(self, step: str, package_id: str) -> None:
        if self.on_step is not None:
            try:
                self.on_step(step, package_id)
            except Exception as exc:
                raise StepFailed(
                    f"{step} failed for {package_id}: {exc}", step, package_id
                ) from exc

    @contextmanager
    def _guard(self, step: str, package_id: str) -> Iterator[None]:
        self._step(step, package_id)
        try:
            yield
        except LifecycleError:
            raise
        except Exception as exc:
            raise StepFailed(f"{step} failed for {package_id}: {exc}", step, package_id) from exc

    def _config(self, package: Package, given: dict[str, Any] | None) -> dict[str, Any]:
        config = {**package.default_config, **(given or {})}
        if package.default_route is not None:
            config.setdefault("defaultRoute", package.default_route)
        if package.config_schema is not None:
            problems = check_config(config, package.config_schema, f"{package.id} config")
            if problems:
                detail = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in problems)
                raise ConfigInvalid(f"config of {package.id} is invalid: {detail}", problems)
        return config

    def _apply(
        self,
        conn: Connection,
        tenant_id: str,
        package: Package,
        old: Package | None,
        report: LifecycleReport,
        config: dict[str, Any],
        handover: _Handover,
    ) -> None:
        """Install ``package`` (or upgrade from ``old``) into the tenant inside ``conn``."""
        with self._guard("migrate", package.id):
            steps = self.migrator.migrate(conn, package.id, package.entities)
            report.migrations.extend(str(s) for s in steps)
        with self._guard("routes", package.id):
            self._write_routes(conn, tenant_id, package, old, report)
        with self._guard("seed", package.id):
            self._seed(conn, tenant_id, package, old)
        with self._guard("workflows", package.id):
            self._write_workflows(conn, tenant_id, package)
        with self._guard("record", package.id):
            self._record(conn, tenant_id, package, config)
        with self._guard("schedules", package.id):
            self._hand_over(tenant_id, package, old, report, handover)
        report.changed.append((package.id, package.version))

    def _write_routes(
        self,
        conn: Connection,
        tenant_id: str,
        package: Package,
        old: Package | None,
        report: LifecycleReport,
    ) -> None:
        paths = [r.path for r in package.pages]
        owners = {
            row.path: row.package_id
            for row in conn.execute(
                select(_pc.c.path, _pc.c.package_id).where(
                    _pc.c.tenant_id == tenant_id,
                    (_pc.c.path.in_(paths)) | (_pc.c.package_id == package.id),
                )
            )
        }
        now = utcnow()
        for route in package.pages:
            values = {
                "package_id": package.id,
                "component": route.component,
                "title": route.title,
                "description": route.description,
                "icon": route.icon,
                # a package's minLevel is a floor for every page it contributes
                "level": max(route.level, package.min_level),
                "requires_auth": route.requires_auth,
                "sort_order": route.sort_order,
                "is_published": route.is_published,
                "meta": {**route.meta, "routeId": route.id, "packageVersion": package.version},
                "updated_at": now,
            }
            if route.path not in owners:
                conn.execute(
                    _pc.insert().values(
                        id=new_id(), tenant_id=tenant_id, path=route.path, created_at=now, **values
                    )
                )
            elif owners[route.path] == package.id:
                conn.execute(
                    update(_pc)
                    .where(_pc.c.tenant_id == tenant_id, _pc.c.path == route.path)
                    .values(**values)
                )
            else:
                owner = owners[route.path] or "the tenant"
                report.warnings.append(
                    f"{package.id}: route {route.path} is already taken by {owner}; kept theirs"
                )
                continue
            report.routes.append(route.path)
        stale = [p for p, owner in owners.items() if owner == package.id and p not in paths]
        if stale:
            conn.execute(
                delete(_pc).where(
                    _pc.c.tenant_id == tenant_id,
                    _pc.c.package_id == package.id,
                    _pc.c.path.in_(stale),
                )
            )

    def _seed(
        self, conn: Connection, tenant_id: str, package: Package, old: Package | None
    ) -> None:
        seeded = [e for e in package.entities if isinstance(e.get("x-seed"), list) and e["x-seed"]]
        if not seeded:
            return
        known = {str(e.get("x-entity") or e.get("title")) for e in (old.entities if old else [])}
        built = self.migrator.tables(conn, package.id, package.entities)
        now = utcnow()
        for entity in seeded:
            name = str(entity.get("x-entity") or entity.get("title"))
            table = built.get(name)
            if table is None or name in known:
                continue
            count = conn.execute(
                select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            ).scalar_one()
            if count:
                continue  # the tenant has data already (an earlier install kept it)
            columns = set(table.c.keys())
            rows = [
                {
                    **{k: v for k, v in row.items() if k in columns},
                    "id": str(row.get("id") or new_id()),
                    "tenant_id": tenant_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for row in entity["x-seed"]
                if isinstance(row, dict)
            ]
            if rows:
                conn.execute(table.insert(), rows)

    def _purge(
        self, conn: Connection, tenant_id: str, package_id: str, package: Package | None
    ) -> None:
        if package is not None and package.entities:
            for table in self.migrator.tables(conn, package_id, package.entities).values():
                conn.execute(delete(table).where(table.c.tenant_id == tenant_id))
        pd = tables.package_data
        conn.execute(delete(pd).where(pd.c.tenant_id == tenant_id, pd.c.package_id == package_id))

    def _write_workflows(self, conn: Connection, tenant_id: str, package: Package) -> None:
        conn.execute(
            delete(_wf).where(_wf.c.tenant_id == tenant_id, _wf.c.package_id == package.id)
        )
        now = utcnow()
        rows = [
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "package_id": package.id,
                "name": str(flow.get("id") or flow.get("name")),
                "description": flow.get("description")
                if isinstance(flow.get("description"), str)
                else None,
                "definition": flow,
                "enabled": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for flow in package.workflows
        ]
        if rows:
            conn.execute(_wf.insert(), rows)

    def _record(
        self, conn: Connection, tenant_id: str, package: Package, config: dict[str, Any]
    ) -> None:
        now = utcnow()
        where = (_ip.c.tenant_id == tenant_id) & (_ip.c.package_id == package.id)
        exists = conn.execute(select(_ip.c.package_id).where(where)).first()
        values = {"version": package.version, "config": config, "updated_at": now}
        if exists is None:
            conn.execute(
                _ip.insert().values(
                    tenant_id=tenant_id,
                    package_id=package.id,
                    enabled=True,
                    installed_at=now,
                    **values,
                )
            )
        else:
            conn.execute(update(_ip).where(where).values(**values))

    def _hand_over(
        self,
        tenant_id: str,
        package: Package,
        old: Package | None,
        report: LifecycleReport,
        handover: _Handover,
    ) -> None:
        current = {s.name for s in package.scripts if s.kind == "cron"}
        for script in old.scripts if old is not None else []:
            if script.kind == "cron" and script.name not in current:
                handover.delete((tenant_id, package.id, script.name))
                report.schedules.append(f"deleted {script.name}")
        for schedule in cron_schedules(tenant_id, package):
            handover.upsert(schedule)
            report.schedules.append(f"{schedule.script} {schedule.cron}")
        for script in package.scripts:
            if script.kind == "init":
                handover.submit(
                    InitRequest(
                        tenant_id,
                        package.id,
                        package.version,
                        script.name,
                        "upgrade" if old is not None else "install",
                    )
                )
                report.init_scripts.append(script.name)


def requirement(package_id: str, range_: str = "*") -> Requirement:
    return Requirement(package_id, range_)


def _check_dependents_accept(
    catalog: Catalog, installed: dict[str, dict[str, Any]], new: Package
) -> None:
    """VersionConflict when an installed package's range for `new.id` excludes `new`."""
    for dependent_id, dependent_row in installed.items():
        dependent = catalog.find(dependent_id, dependent_row["version"])
        wanted = dependent.dependencies.get(new.id) if dependent else None
        if wanted is not None and not Range.parse(wanted).matches(new.version):
            raise VersionConflict(
                f"cannot upgrade {new.id} to {new.version}: {dependent_id} "
                f"{dependent_row['version']} requires {new.id} {wanted}",
                [dependent_id, new.id],
            )


def _check_no_dependents(
    catalog: Catalog, installed: dict[str, dict[str, Any]], package_id: str
) -> None:
    """DependencyError when another installed package depends on `package_id`."""
    dependents = sorted(
        pid
        for pid, other in installed.items()
        if pid != package_id
        and (pkg := catalog.find(pid, other["version"])) is not None
        and package_id in pkg.dependencies
    )
    if dependents:
        raise DependencyError(
            f"cannot uninstall {package_id}: {', '.join(dependents)} depend on it",
            [*dependents, package_id],
        )
