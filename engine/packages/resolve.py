"""Dependency resolution: choose a version of every package a set of roots needs and order them
so that dependencies come first.

Versions are semver; a dependency is a range. A package already installed in the tenant is kept
if it satisfies every range that reaches it; otherwise resolution fails with a
`VersionConflict` rather than silently upgrading something a tenant relies on. Errors name the
chain of packages that led to them, e.g. ``ui_level2 -> ui_header -> missing_pkg``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.packages.catalog import Catalog
from engine.packages.errors import (
    DependencyCycle,
    InvalidVersion,
    MissingDependency,
    VersionConflict,
)
from engine.packages.model import Package
from engine.packages.semver import Range, Version, is_version

__all__ = ["Plan", "Requirement", "resolve"]


@dataclass(frozen=True)
class Requirement:
    package_id: str
    range: str = "*"
    chain: tuple[str, ...] = ()

    def describe(self) -> str:
        via = " -> ".join((*self.chain, self.package_id))
        return f"{via} ({self.range})"


@dataclass
class Plan:
    """Packages in install order (dependencies first); `keep` are already installed as is."""

    order: list[Package] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    @property
    def to_install(self) -> list[Package]:
        return [p for p in self.order if p.id not in self.keep]

    def ids(self) -> list[str]:
        return [p.id for p in self.order]


def _chain(*parts: str) -> str:
    return " -> ".join(parts)


def resolve(
    catalog: Catalog,
    roots: Iterable[Package | Requirement | str],
    installed: Mapping[str, str] | None = None,
) -> Plan:
    """Resolve ``roots`` (packages, requirements or ids) against ``catalog``.

    ``installed`` maps package id -> version already installed in the tenant.
    """
    installed = dict(installed or {})
    chosen: dict[str, Package] = {}
    reasons: dict[str, list[Requirement]] = {}
    plan = Plan()
    done: set[str] = set()

    def choose(req: Requirement, pinned: Package | None) -> Package | None:
        try:
            wanted = Range.parse(req.range)
        except InvalidVersion as exc:
            raise InvalidVersion(f"{req.describe()}: {exc}") from None
        if req.package_id in reasons and req.package_id not in chosen:
            # kept at the installed version the catalog does not know
            if not _satisfies(installed[req.package_id], wanted):
                raise VersionConflict(
                    f"version conflict on {req.package_id}: the tenant has "
                    f"{installed[req.package_id]} installed, "
                    f"but {req.describe()} does not accept it",
                    [*req.chain, req.package_id],
                )
            reasons[req.package_id].append(req)
            return None
        if req.package_id in chosen:
            current = chosen[req.package_id]
            if not _satisfies(current.version, wanted):
                first = reasons[req.package_id][0]
                raise VersionConflict(
                    f"version conflict on {req.package_id}: {first.describe()} chose "
                    f"{current.version}, but {req.describe()} does not accept it",
                    [*req.chain, req.package_id],
                )
            reasons[req.package_id].append(req)
            return current
        if pinned is not None:
            package = pinned
        elif req.package_id in installed:
            version = installed[req.package_id]
            if not _satisfies(version, wanted):
                raise VersionConflict(
                    f"version conflict on {req.package_id}: the tenant has {version} installed, "
                    f"but {req.describe()} needs another version; upgrade it first",
                    [*req.chain, req.package_id],
                )
            found = catalog.find(req.package_id, version)
            if found is None:
                # installed from a directory this catalog does not know: kept as it is
                reasons[req.package_id] = [req]
                if req.package_id not in done:
                    plan.keep.append(req.package_id)
                    done.add(req.package_id)
                return None
            package = found
        else:
            if req.package_id not in catalog:
                raise MissingDependency(
                    f"missing dependency: {req.describe()} is not available",
                    [*req.chain, req.package_id],
                )
            best = catalog.best(req.package_id, req.range)
            if best is None:
                available = ", ".join(catalog.versions(req.package_id)) or "none"
                raise VersionConflict(
                    f"no version of {req.package_id} satisfies {req.describe()} "
                    f"(available: {available})",
                    [*req.chain, req.package_id],
                )
            package = best
        chosen[req.package_id] = package
        reasons[req.package_id] = [req]
        return package

    def visit(package: Package, stack: tuple[str, ...]) -> None:
        if package.id in done:
            return
        if package.id in stack:
            cycle = [*stack[stack.index(package.id) :], package.id]
            raise DependencyCycle(f"dependency cycle: {_chain(*cycle)}", cycle)
        path = (*stack, package.id)
        for dep_id, range_ in sorted(package.dependencies.items()):
            dep = choose(Requirement(dep_id, range_, path), None)
            if dep is not None:
                visit(dep, path)
        done.add(package.id)
        plan.order.append(package)
        if installed.get(package.id) == package.version:
            plan.keep.append(package.id)

    for root in roots:
        package: Package | None
        if isinstance(root, Package):
            package = choose(Requirement(root.id, root.version, ()), root)
        else:
            req = root if isinstance(root, Requirement) else Requirement(root)
            package = choose(req, None)
        if package is not None:
            visit(package, ())
    return plan


def _satisfies(version: str, wanted: Range) -> bool:
    if not is_version(version):
        return wanted.source in ("*", "")
    return wanted.matches(Version.parse(version))
