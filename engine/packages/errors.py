"""The package subsystem's exception tree.

    PackageError                      base of everything raised by engine.packages
    ├── PackageNotFound               no package with that id (or version) in the catalog
    ├── PackageInvalid                a package failed to load; carries the problems
    ├── DependencyError               resolution failed; carries the chain of package ids
    │   ├── MissingDependency
    │   ├── DependencyCycle
    │   └── VersionConflict
    ├── InvalidVersion                a version or a semver range does not parse
    └── LifecycleError                install / enable / disable / upgrade / uninstall failed
        ├── ConfigInvalid             a tenant config does not match the package config schema
        ├── NotInstalled
        └── StepFailed                one install step failed; the transaction was rolled back

Loading itself never raises for a bad package: problems are data (`Problem`), collected
in a `LoadResult`. Exceptions are for callers that need a valid package and did not get one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.packages.problems import Problem


class PackageError(Exception):
    """Base class of the package subsystem's errors."""

    code = "package_error"


class PackageNotFound(PackageError):
    code = "package_not_found"


class PackageInvalid(PackageError):
    code = "package_invalid"

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class InvalidVersion(PackageError):
    code = "invalid_version"


class DependencyError(PackageError):
    code = "dependency_error"

    def __init__(self, message: str, chain: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.chain = list(chain)


class MissingDependency(DependencyError):
    code = "missing_dependency"


class DependencyCycle(DependencyError):
    code = "dependency_cycle"


class VersionConflict(DependencyError):
    code = "version_conflict"


class LifecycleError(PackageError):
    code = "lifecycle_error"


class ConfigInvalid(LifecycleError):
    code = "config_invalid"

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class NotInstalled(LifecycleError):
    code = "not_installed"


class StepFailed(LifecycleError):
    code = "install_step_failed"

    def __init__(self, message: str, step: str, package_id: str) -> None:
        super().__init__(message)
        self.step = step
        self.package_id = package_id
