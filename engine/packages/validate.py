"""Validate a package directory, or a directory of packages, as `metabuilder packages validate`
does: every file against its schema, cross-file references, and dependencies resolved against
the packages being validated plus the reference catalogs (the built-in packages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.packages.catalog import Catalog
from engine.packages.errors import DependencyError, InvalidVersion
from engine.packages.jsonread import LoadMode
from engine.packages.loader import load_package
from engine.packages.model import Package
from engine.packages.problems import Problem, pointer
from engine.packages.resolve import resolve

__all__ = ["PackageReport", "package_dirs", "validate_path"]


@dataclass
class PackageReport:
    path: Path
    package: Package | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.package.id if self.package is not None else self.path.name

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.package is not None and not self.errors


def package_dirs(path: Path) -> list[Path]:
    """``path`` itself if it holds a package.json, else its package subdirectories."""
    if (path / "package.json").is_file() or (path / "seed" / "metadata.json").is_file():
        return [path]
    if not path.is_dir():
        return [path]
    return sorted(
        child
        for child in path.iterdir()
        if child.is_dir()
        and ((child / "package.json").is_file() or (child / "seed" / "metadata.json").is_file())
    )


def validate_path(
    path: Path,
    mode: LoadMode = "strict",
    *,
    reference_dirs: Iterable[Path] = (),
    overlay_root: Path | None = None,
) -> list[PackageReport]:
    """Load every package under ``path`` in ``mode`` and check dependencies across them.

    A package that fails strict loading is still read tolerantly, so that its dependency
    problems are reported together with its other problems.
    """
    checked: list[tuple[PackageReport, Package | None]] = []
    for directory in package_dirs(Path(path)):
        overlay = overlay_root / directory.name if overlay_root is not None else None
        result = load_package(directory, mode, overlay=overlay)
        candidate = result.package
        if candidate is None and mode == "strict":
            candidate = load_package(directory, "tolerant", overlay=overlay).package
        checked.append((PackageReport(directory, result.package, list(result.problems)), candidate))
    catalog = Catalog(reference_dirs, mode="tolerant")
    for _, candidate in checked:
        if candidate is not None:
            catalog.add(candidate)
    for report, candidate in checked:
        if candidate is not None:
            found = dependency_problems(catalog, candidate)
            if mode == "tolerant":
                found = [replace(p, severity="warning") for p in found]
            report.problems.extend(found)
    return [report for report, _ in checked]


def dependency_problems(catalog: Catalog, package: Package) -> list[Problem]:
    problems: list[Problem] = []
    for dep_id, range_ in package.dependencies.items():
        try:
            resolve(catalog, [_root(package, dep_id, range_)])
        except DependencyError as exc:
            problems.append(
                Problem(
                    "error", exc.code, str(exc), "package.json", pointer("dependencies", dep_id)
                )
            )
        except InvalidVersion as exc:
            problems.append(
                Problem(
                    "error", exc.code, str(exc), "package.json", pointer("dependencies", dep_id)
                )
            )
    return _dedupe(problems)


def _root(package: Package, dep_id: str, range_: str) -> Package:
    """The package restricted to one dependency, so each problem points at its entry."""
    return Package(
        id=package.id,
        name=package.name,
        version=package.version,
        description=package.description,
        min_level=package.min_level,
        primary=package.primary,
        dependencies={dep_id: range_},
        root=package.root,
    )


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.code, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
