"""Small helpers for renderer tests: an in-memory resolver over component dicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from web.render import RenderContext, Renderer, RenderResult, ResolvedComponent


class MemoryPackages:
    """package id -> components, with dependencies searched after the package itself."""

    def __init__(self) -> None:
        self.components: dict[str, list[Mapping[str, Any]]] = {}
        self.dependencies: dict[str, list[str]] = {}

    def add(
        self, package_id: str, components: Iterable[Mapping[str, Any]], deps: Iterable[str] = ()
    ) -> None:
        self.components.setdefault(package_id, []).extend(components)
        self.dependencies[package_id] = list(deps)

    def resolve(
        self, package_id: str, ref: str, versions: Mapping[str, str] | None = None
    ) -> ResolvedComponent | None:
        for pkg in [package_id, *self.dependencies.get(package_id, [])]:
            for comp in self.components.get(pkg, []):
                if comp.get("id") == ref:
                    return ResolvedComponent(pkg, comp)
            for comp in self.components.get(pkg, []):
                if comp.get("name") == ref:
                    return ResolvedComponent(pkg, comp)
        return None


def component(template: Any, *, id: str = "c", props: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "name": extra.pop("name", id.title().replace("_", "")),
        "props": props or [],
        "render": {"type": "element", "template": template},
        **extra,
    }


def render(
    template: Any,
    *,
    props: Mapping[str, Any] | None = None,
    declared: Any = None,
    data: Mapping[str, Any] | None = None,
    packages: MemoryPackages | None = None,
    package_id: str = "pkg",
    **extra: Any,
) -> RenderResult:
    packages = packages or MemoryPackages()
    renderer = Renderer(resolve=packages.resolve)
    definition = component(template, props=declared, **extra)
    context = RenderContext(tenant="acme", data=data or {})
    return renderer.render(package_id, definition, props or {}, context)
