"""A catalog of packages found in package directories, with the component registry.

Several versions of one package may be present (built-in plus extra dirs); `get` returns the
newest unless a version is asked for. Packages that fail to load are left out and their
problems kept in `Catalog.problems`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

from engine.packages.errors import PackageNotFound
from engine.packages.jsonread import LoadMode
from engine.packages.loader import load_package
from engine.packages.model import ComponentDef, Package, ResolvedRef
from engine.packages.problems import Problem
from engine.packages.semver import Range, Version, is_version

__all__ = ["Catalog"]

_NONE: Mapping[str, str] = MappingProxyType({})


def _version_key(version: str) -> Version:
    return Version.parse(version) if is_version(version) else Version(0, 0, 0, ("invalid",))


class Catalog:
    def __init__(
        self,
        dirs: Iterable[Path] = (),
        *,
        mode: LoadMode = "strict",
        packages: Iterable[Package] = (),
    ) -> None:
        self._packages: dict[str, dict[str, Package]] = {}
        self.problems: dict[str, list[Problem]] = {}
        self.mode: LoadMode = mode
        for directory in dirs:
            self.scan(Path(directory))
        for package in packages:
            self.add(package)

    def scan(self, directory: Path) -> None:
        if not directory.is_dir():
            return
        for child in sorted(directory.iterdir()):
            if child.is_dir() and (child / "package.json").is_file():
                self.load(child)

    def load(self, path: Path) -> Package | None:
        result = load_package(path, self.mode)
        key = path.name
        if result.package is not None:
            key = result.package.id
            self.add(result.package)
        if result.problems:
            self.problems.setdefault(key, []).extend(result.problems)
        return result.package if result.ok or self.mode == "tolerant" else None

    def add(self, package: Package) -> None:
        self._packages.setdefault(package.id, {})[package.version] = package

    def __contains__(self, package_id: object) -> bool:
        return package_id in self._packages

    def __len__(self) -> int:
        return len(self._packages)

    def ids(self) -> list[str]:
        return sorted(self._packages)

    def versions(self, package_id: str) -> list[str]:
        return sorted(self._packages.get(package_id, {}), key=_version_key)

    def get(self, package_id: str, version: str | None = None) -> Package:
        versions = self._packages.get(package_id)
        if not versions:
            raise PackageNotFound(f"no package {package_id!r} in the catalog")
        if version is None:
            return versions[max(versions, key=_version_key)]
        if version in versions:
            return versions[version]
        raise PackageNotFound(f"package {package_id!r} has no version {version!r}")

    def find(self, package_id: str, version: str | None = None) -> Package | None:
        try:
            return self.get(package_id, version)
        except PackageNotFound:
            return None

    def pick(self, package_id: str, installed: str | None) -> Package | None:
        """What a tenant runs of a package: the version it installed while the catalog still
        has it, else (none given, or that version gone) the newest."""
        found = self.find(package_id, installed) if installed is not None else None
        return found or self.find(package_id)

    def best(self, package_id: str, range_: str) -> Package | None:
        """The newest version of a package that satisfies a semver range."""
        versions = self._packages.get(package_id, {})
        wanted = Range.parse(range_)
        matching = [v for v in versions if is_version(v) and wanted.matches(v)]
        return versions[max(matching, key=_version_key)] if matching else None

    def every_version(self) -> list[Package]:
        return [p for pid in self.ids() for p in self._packages[pid].values()]

    def extended(self, *packages: Package) -> Catalog:
        """A copy of this catalog that also holds ``packages`` (e.g. one loaded from a path)."""
        copy = Catalog(mode=self.mode, packages=self.every_version())
        copy.problems = {k: list(v) for k, v in self.problems.items()}
        for package in packages:
            copy.add(package)
        return copy

    def all(self) -> list[Package]:
        """The newest version of every package, sorted by id."""
        return [self.get(pid) for pid in self.ids()]

    def dependency(
        self, dep_id: str, range_: str, installed: Mapping[str, str] = _NONE
    ) -> Package | None:
        """The version of a dependency a package sees: the one installed (`installed`: the
        tenant's package versions) when it is in the catalog and in `range_`, else the newest
        in `range_`."""
        version = installed.get(dep_id)
        if version is not None and is_version(version) and Range.parse(range_).matches(version):
            found = self.find(dep_id, version)
            if found is not None:
                return found
        return self.best(dep_id, range_) if dep_id in self else None

    def dependency_packages(
        self, package: Package, installed: Mapping[str, str] = _NONE
    ) -> list[Package]:
        deps = []
        for dep_id, range_ in package.dependencies.items():
            dep = self.dependency(dep_id, range_, installed)
            if dep is not None:
                deps.append(dep)
        return deps

    def lookup_in(
        self, package: Package, ref: str, installed: Mapping[str, str] = _NONE
    ) -> tuple[Package, ComponentDef] | None:
        """Resolve a component reference as the original data expects: in the package by id,
        then by name; a ``dep.Name`` form in that package; then in its dependencies (at the
        versions `dependency` chooses)."""
        own = package.component(ref)
        if own is not None:
            return package, own
        head, _, tail = ref.partition(".")
        if tail:
            target = package if head == package.id else None
            if target is None and head in package.dependencies:
                target = self.dependency(head, package.dependencies[head], installed)
            if target is not None:
                found = target.component(tail)
                if found is not None:
                    return target, found
        for dep in self.dependency_packages(package, installed):
            found = dep.component(ref)
            if found is not None:
                return dep, found
        return None

    def resolve(
        self, package_id: str, ref: str, installed: Mapping[str, str] = _NONE
    ) -> ResolvedRef | None:
        """(owning package id, component definition) for a reference made inside a package,
        at the versions a tenant installed (`installed`; `pick` and `dependency` choose)."""
        package = self.pick(package_id, installed.get(package_id))
        if package is None:
            return None
        found = self.lookup_in(package, ref, installed)
        return ResolvedRef(found[0].id, found[1].definition) if found else None
