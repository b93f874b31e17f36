"""The renderer: component definition + props + request context -> an HTML fragment and CSS.

Compiled components are cached per (package, component id, definition object): a package
version is loaded once into immutable dicts, so a new version brings new objects and a new
compile; `invalidate()` drops everything (e.g. after a package install).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any, Final, Literal

from scripts_runtime.expr import UNDEFINED, Scope
from web.render.bindings import NodeFn
from web.render.component import CompiledComponent
from web.render.nodes import TemplateCompiler
from web.render.primitives import PRIMITIVES, Primitive
from web.render.run import MAX_COMPONENT_DEPTH, RenderRun
from web.render.sx import StyleSheet
from web.render.types import RenderContext, RenderResult, ResolvedComponent, Resolver

Lookup = tuple[Literal["component", "primitive", "unknown"], Any]
_UNKNOWN: Final[Lookup] = ("unknown", None)
_MAX_CACHE: Final = 20_000


def _no_resolver(
    package_id: str, ref: str, versions: Mapping[str, str]
) -> ResolvedComponent | None:
    return None


_NO_VERSIONS: Final[Mapping[str, str]] = {}


class Renderer:
    def __init__(
        self,
        resolve: Resolver = _no_resolver,
        *,
        primitives: Mapping[str, Primitive] | None = None,
    ) -> None:
        self._resolve = resolve
        self._primitives: dict[str, Primitive] = dict(
            PRIMITIVES if primitives is None else primitives
        )
        self.styles = StyleSheet()
        self._compiler = TemplateCompiler(self.styles)
        self._compiled: dict[tuple[str, str, int], tuple[Mapping[str, Any], CompiledComponent]] = {}
        # keyed by (versions_id, package, ref or type): one tenant's package versions never
        # leak into another's page
        self._lookups: dict[tuple[int, str, str], Lookup] = {}
        self._refs: dict[tuple[int, str, str], CompiledComponent | None] = {}
        self._dynamic: dict[str, NodeFn] = {}
        self._versions: dict[tuple[tuple[str, str], ...], int] = {(): 0}
        self._versions_next = 1
        self._lock = threading.Lock()

    # -- public --------------------------------------------------------------------------------

    def render(
        self,
        package_id: str,
        definition: Mapping[str, Any],
        props: Mapping[str, Any] | None,
        context: RenderContext,
    ) -> RenderResult:
        compiled = self.compile(package_id, definition)
        run = RenderRun(self, context, _base_scope(context))
        html = self.render_compiled(compiled, dict(props or {}), run)
        return RenderResult(
            html=html,
            css="\n".join(css for css in run.css.values() if css),
            placeholders=run.placeholders,
            failed_expressions=run.failed,
        )

    def compile(self, package_id: str, definition: Mapping[str, Any]) -> CompiledComponent:
        key = (package_id, str(definition.get("id") or definition.get("name")), id(definition))
        found = self._compiled.get(key)
        if found is not None and found[0] is definition:
            return found[1]
        compiled = CompiledComponent(package_id, definition, self._compiler)
        with self._lock:
            if len(self._compiled) > _MAX_CACHE:
                self._compiled.clear()
            self._compiled[key] = (definition, compiled)
        return compiled

    def invalidate(self) -> None:
        with self._lock:
            self._compiled.clear()
            self._lookups.clear()
            self._refs.clear()
            self._dynamic.clear()

    def versions_id(self, versions: Mapping[str, str]) -> int:
        """A number per distinct set of package versions (0: none given, the newest); a
        number is never given to another set, even after the table was emptied."""
        key = tuple(sorted(versions.items())) if versions else ()
        found = self._versions.get(key)
        if found is None:
            with self._lock:
                if len(self._versions) > _MAX_CACHE:
                    self._versions = {(): 0}
                found = self._versions.get(key)
                if found is None:
                    found = self._versions[key] = self._versions_next
                    self._versions_next += 1
        return found

    @property
    def primitive_types(self) -> frozenset[str]:
        return frozenset(self._primitives)

    # -- used by compiled nodes ----------------------------------------------------------------

    def find_component(
        self,
        package_id: str,
        ref: str,
        versions: Mapping[str, str] = _NO_VERSIONS,
        versions_id: int = 0,
    ) -> CompiledComponent | None:
        """The component `ref` as seen from `package_id`, at `versions` (the tenant's
        installed versions; `versions_id` is `versions_id(versions)`)."""
        key = (versions_id, package_id, ref)
        if key in self._refs:
            return self._refs[key]
        found = self._resolve(package_id, ref, versions)
        if found is None and "." in ref:
            owner, _, name = ref.rpartition(".")
            found = self._resolve(owner, name, versions)
            found = found or self._resolve(package_id, name, versions)
        compiled = self.compile(found.package_id, found.definition) if found is not None else None
        self._refs[key] = compiled
        return compiled

    def lookup(
        self,
        package_id: str,
        node_type: str,
        versions: Mapping[str, str] = _NO_VERSIONS,
        versions_id: int = 0,
    ) -> Lookup:
        key = (versions_id, package_id, node_type)
        found = self._lookups.get(key)
        if found is not None:
            return found
        component = (
            self.find_component(package_id, node_type, versions, versions_id)
            if node_type[:1].isupper()
            else None
        )
        if component is not None:
            result: Lookup = ("component", component)
        elif node_type in self._primitives:
            result = ("primitive", self._primitives[node_type])
        else:
            result = _UNKNOWN
        self._lookups[key] = result
        return result

    def primitive(self, node_type: str) -> Lookup:
        found = self._primitives.get(node_type)
        return ("primitive", found) if found is not None else _UNKNOWN

    def render_compiled(
        self, compiled: CompiledComponent, props: Mapping[str, Any], run: RenderRun
    ) -> str:
        if run.depth >= MAX_COMPONENT_DEPTH:
            return run.placeholder(compiled.name, "components nested too deeply (recursion?)")
        saved = (run.package_id, run.component)
        run.depth += 1
        run.package_id, run.component = compiled.package_id, compiled.id
        try:
            return compiled.template(compiled.scope(props, run), run)
        finally:
            run.depth -= 1
            run.package_id, run.component = saved

    def render_in_scope(
        self, compiled: CompiledComponent, scope: Mapping[str, Any], run: RenderRun
    ) -> str:
        """`$ref`: the referenced template in the current scope (no new props).

        Names of the current scope win; the referenced component's own prop defaults, state
        and handlers fill in what the current scope does not define.
        """
        if run.depth >= MAX_COMPONENT_DEPTH:
            return run.placeholder(compiled.name, "components nested too deeply (recursion?)")
        if compiled.trivial_scope and compiled.package_id == run.package_id:
            caller = run.component
            run.depth += 1
            run.component = compiled.id
            try:
                return compiled.template(scope, run)
            finally:
                run.depth -= 1
                run.component = caller
        inherited = {
            name: scope[name]
            for name in compiled.prop_defaults
            if name in scope and scope[name] is not UNDEFINED
        }
        saved = (run.package_id, run.component)
        run.depth += 1
        run.package_id, run.component = compiled.package_id, compiled.id
        try:
            own = compiled.scope(inherited, run)
            return compiled.template(Scope(own, scope), run)
        finally:
            run.depth -= 1
            run.package_id, run.component = saved

    def dynamic_tree(self, tree: Any) -> NodeFn:
        """A node tree held in data (RenderComponent), compiled once per distinct tree."""
        try:
            key = json.dumps(tree, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return lambda scope, run: run.placeholder("RenderComponent", "tree is not JSON")
        found = self._dynamic.get(key)
        if found is None:
            found = self._compiler.children(tree)
            if len(self._dynamic) > 1000:
                self._dynamic.clear()
            self._dynamic[key] = found
        return found


def _base_scope(context: RenderContext) -> dict[str, Any]:
    user: Any = UNDEFINED
    if context.user is not None:
        user = {
            "id": context.user.id,
            "level": context.user.level,
            "username": context.user.username,
        }
    return {
        "data": dict(context.data),
        "params": dict(context.params),
        "user": user,
        "tenant": context.tenant,
    }
