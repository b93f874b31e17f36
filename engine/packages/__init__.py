"""engine.packages: the package format, loader, validation, dependency resolution, registry,
importer of original packages, per-tenant lifecycle and declarative test runner."""

from engine.packages.catalog import Catalog
from engine.packages.errors import (
    ConfigInvalid,
    DependencyCycle,
    DependencyError,
    InvalidVersion,
    LifecycleError,
    MissingDependency,
    NotInstalled,
    PackageError,
    PackageInvalid,
    PackageNotFound,
    StepFailed,
    VersionConflict,
)
from engine.packages.jsonread import LoadMode
from engine.packages.loader import load_package
from engine.packages.model import (
    ComponentDef,
    LoadResult,
    Package,
    PageRoute,
    ResolvedRef,
    ScriptManifest,
)
from engine.packages.problems import Problem

__all__ = [
    "Catalog",
    "ComponentDef",
    "ConfigInvalid",
    "DependencyCycle",
    "DependencyError",
    "InvalidVersion",
    "LifecycleError",
    "LoadMode",
    "LoadResult",
    "MissingDependency",
    "NotInstalled",
    "Package",
    "PackageError",
    "PackageInvalid",
    "PackageNotFound",
    "PageRoute",
    "Problem",
    "ResolvedRef",
    "ScriptManifest",
    "StepFailed",
    "VersionConflict",
    "load_package",
]
