"""The loaded, normalised form of a package: what the web app, the worker and the installer read.

Levels are always 0..5 here (public, user, moderator, admin, god, supergod); the loader
normalises the original's 1..6 scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from engine.packages.jsonread import LoadMode
from engine.packages.problems import Problem

ScriptKind = Literal["init", "action", "cron"]
BodyKind = Literal["python", "json-script"]

MIN_LEVEL = 0
MAX_LEVEL = 5

__all__ = [
    "MAX_LEVEL",
    "MIN_LEVEL",
    "BodyKind",
    "ComponentDef",
    "LoadMode",
    "LoadResult",
    "Package",
    "PageRoute",
    "ResolvedRef",
    "ScriptKind",
    "ScriptManifest",
]


class ResolvedRef(NamedTuple):
    """A component found for a reference: the package that defines it and its definition
    (same shape as the renderer's `ResolvedComponent`)."""

    package_id: str
    definition: dict[str, Any]


@dataclass(frozen=True)
class ComponentDef:
    id: str
    name: str
    definition: dict[str, Any]
    file: str = ""
    pointer: str = ""


@dataclass(frozen=True)
class PageRoute:
    id: str
    path: str
    title: str
    component: str
    level: int = 0
    requires_auth: bool = False
    is_published: bool = True
    sort_order: int = 0
    description: str | None = None
    icon: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    file: str = ""
    pointer: str = ""


@dataclass(frozen=True)
class ScriptManifest:
    name: str
    kind: ScriptKind
    body_file: Path
    source: str
    schedule: str | None = None
    input_schema: dict[str, Any] | None = None
    min_level: int = 0
    timeout_s: float = 10.0
    memory_mb: int = 256
    retry: dict[str, Any] = field(default_factory=dict)
    body_kind: BodyKind = "python"
    description: str = ""
    # translated JSON-script: generated line -> JSON pointer in the body file
    line_map: dict[int, str] = field(default_factory=dict)
    # cron only: the schedule's time zone, overlap policy and catch-up window
    time_zone: str = "UTC"
    overlap: str = "skip"
    catchup_window_s: float = 60.0

    @property
    def language(self) -> Literal["python", "jsonscript"]:
        """The sandbox language of `source`."""
        return "python" if self.body_kind == "python" else "jsonscript"


@dataclass
class Package:
    id: str
    name: str
    version: str
    description: str
    min_level: int
    primary: bool
    dependencies: dict[str, str]
    root: Path
    components: list[ComponentDef] = field(default_factory=list)
    pages: list[PageRoute] = field(default_factory=list)
    scripts: list[ScriptManifest] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    workflows: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, Any] = field(default_factory=dict)
    config_schema: dict[str, Any] | None = None
    default_config: dict[str, Any] = field(default_factory=dict)
    permissions: dict[str, Any] = field(default_factory=dict)
    tests: list[dict[str, Any]] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    default_route: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    mode: LoadMode = "strict"

    def component(self, ref: str) -> ComponentDef | None:
        """Find a component of this package by id, then by name (the original's lookup)."""
        for c in self.components:
            if c.id == ref:
                return c
        for c in self.components:
            if c.name == ref:
                return c
        return None

    def script(self, name: str) -> ScriptManifest | None:
        return next((s for s in self.scripts if s.name == name), None)

    def home_component(self) -> ComponentDef | None:
        """The original's home rule: first of id home_page / name HomePage|Home, else the first."""
        for c in self.components:
            if c.id == "home_page" or c.name in ("HomePage", "Home"):
                return c
        return self.components[0] if self.components else None

    @property
    def key(self) -> tuple[str, str]:
        return (self.id, self.version)


@dataclass
class LoadResult:
    package: Package | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.package is not None and not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]
