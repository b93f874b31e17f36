"""Template nodes -> render closures `fn(scope, run) -> html`, compiled once per component.

Structural nodes (reference section 2.4) are handled here: conditional, the loop family with
every key variant, Fragment, ComponentRef/component, ConditionalRender, RenderComponent and
`{"$ref": id}`. Any other `type` is looked up at render time: a component of the package (or
its dependencies) by id or name, else a primitive, else a visible placeholder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from scripts_runtime.expr import (
    UNDEFINED,
    ExpressionError,
    Scope,
    compile_template,
    display_string,
    truthy,
)
from web.render.actions import (
    ActionRef,
    HandlerResolver,
    is_event_key,
)
from web.render.bindings import Getter, NodeFn, constant, empty, is_dynamic, is_node
from web.render.elements import compile_element
from web.render.html import Markup, escape, text
from web.render.run import RenderRun

if TYPE_CHECKING:
    from web.render.sx import StyleSheet

MAX_LOOP_ITEMS: Final = 10_000
LOOP_TYPES: Final = frozenset({"each", "loop", "map", "repeat", "iterate", "iterator", "for_each"})
STRUCTURAL_TYPES: Final = LOOP_TYPES | {
    "conditional",
    "Fragment",
    "ComponentRef",
    "component",
    "ConditionalRender",
    "RenderComponent",
}
_NODE_META_KEYS: Final = frozenset({"type", "children", "props", "events", "key"})
_RUNTIME_FAILURES = (
    TypeError,
    ValueError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class TemplateCompiler:
    """Compiles the nodes of one component; `styles` memoises static sx classes."""

    def __init__(self, styles: StyleSheet) -> None:
        self.styles = styles
        # Render functions whose output never depends on the scope (no binding anywhere below).
        self._static: set[int] = set()
        self._keep: list[NodeFn] = []

    def mark_static(self, fn: NodeFn) -> NodeFn:
        self._static.add(id(fn))
        self._keep.append(fn)
        return fn

    def is_static(self, fn: NodeFn) -> bool:
        return id(fn) in self._static

    # -- values --------------------------------------------------------------------------------

    def string(self, source: str) -> Getter:
        if "{{" not in source:
            return constant(source)
        try:
            template = compile_template(source)
        except ExpressionError as exc:
            message = exc.message

            def broken(scope: Mapping[str, Any], run: RenderRun) -> Any:
                run.fail(source, message)
                return UNDEFINED

            return broken
        single = template.single
        if single is not None:
            fn = single.fn
            expr_source = single.source

            def whole(scope: Mapping[str, Any], run: RenderRun) -> Any:
                try:
                    return fn(scope, run.eval_state)
                except ExpressionError as exc:
                    run.fail(expr_source, exc.message)
                except _RUNTIME_FAILURES as exc:
                    run.fail(expr_source, f"{type(exc).__name__}: {exc}")
                return UNDEFINED

            return whole
        parts: list[tuple[str, Any]] = [
            (p, None) if isinstance(p, str) else ("", p) for p in template.parts
        ]

        def mixed(scope: Mapping[str, Any], run: RenderRun) -> Any:
            out: list[str] = []
            for literal, expr in parts:
                if expr is None:
                    out.append(literal)
                    continue
                try:
                    out.append(display_string(expr.fn(scope, run.eval_state)))
                except ExpressionError as exc:
                    run.fail(expr.source, exc.message)
                except _RUNTIME_FAILURES as exc:
                    run.fail(expr.source, f"{type(exc).__name__}: {exc}")
            return "".join(out)

        return mixed

    def value(self, raw: Any) -> Getter:
        """A getter for an attribute value: templates evaluated, nested nodes rendered."""
        if isinstance(raw, str):
            return self.string(raw)
        if is_node(raw):
            node = self.node(raw)
            return lambda scope, run: Markup(node(scope, run))
        if isinstance(raw, Mapping):
            if not is_dynamic(raw):
                return constant(raw)
            getters = {str(k): self.value(v) for k, v in raw.items()}
            return lambda scope, run: {k: g(scope, run) for k, g in getters.items()}
        if isinstance(raw, list):
            if not is_dynamic(raw):
                return constant(raw)
            items = [self.value(v) for v in raw]
            return lambda scope, run: [g(scope, run) for g in items]
        return constant(raw)

    def handler(self, raw: Any) -> Callable[[Mapping[str, Any], RenderRun], ActionRef | None]:
        def resolve(scope: Mapping[str, Any], run: RenderRun) -> ActionRef | None:
            return HandlerResolver(run.package_id, run.eval_state).from_raw(raw, scope)

        return resolve

    # -- children ------------------------------------------------------------------------------

    def children(self, raw: Any) -> NodeFn:
        if raw is None:
            return empty
        if isinstance(raw, str):
            getter = self.string(raw)
            if "{{" not in raw:
                static = escape(raw)
                return self.mark_static(lambda scope, run: static)
            return _text_child(getter)
        if isinstance(raw, list):
            parts = [self.children(item) for item in raw]
            if len(parts) == 1:
                return parts[0]
            joined: NodeFn = lambda scope, run: "".join([p(scope, run) for p in parts])  # noqa: E731
            if all(self.is_static(p) for p in parts):
                self.mark_static(joined)
            return joined
        if is_node(raw):
            return self.node(raw)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            static = escape(raw)
            return self.mark_static(lambda scope, run: static)
        return empty

    # -- nodes ---------------------------------------------------------------------------------

    def node(self, raw: Mapping[str, Any]) -> NodeFn:
        if "$ref" in raw and not isinstance(raw.get("type"), str):
            return self.ref(raw)
        node_type = raw.get("type")
        if not isinstance(node_type, str):
            return lambda scope, run: run.placeholder("?", "node without a type")
        if node_type == "conditional":
            return self.conditional(raw.get("condition"), raw.get("then"), raw.get("else"))
        if node_type == "ConditionalRender":
            props = raw.get("props") if isinstance(raw.get("props"), Mapping) else {}
            condition = raw.get("condition", props.get("condition") if props else None)
            return self.conditional(condition, raw.get("children"), None)
        if node_type in LOOP_TYPES:
            return self.loop(raw)
        if node_type == "Fragment":
            return self.children(raw.get("children"))
        if node_type in ("ComponentRef", "component"):
            return self.component_ref(raw)
        if node_type == "RenderComponent":
            return self.render_component(raw)
        return self.element(node_type, raw)

    def ref(self, raw: Mapping[str, Any]) -> NodeFn:
        target = raw.get("$ref")

        def render_ref(scope: Mapping[str, Any], run: RenderRun) -> str:
            if not isinstance(target, str):
                return run.placeholder("$ref", "reference is not a string")
            compiled = run.renderer.find_component(
                run.package_id, target, run.context.versions, run.versions_id
            )
            if compiled is None:
                return run.placeholder("$ref", f"no component {target!r}")
            return run.renderer.render_in_scope(compiled, scope, run)

        return render_ref

    def conditional(self, condition: Any, then: Any, otherwise: Any) -> NodeFn:
        test = self.value(condition) if condition is not None else constant(False)
        then_fn = self.children(then)
        else_fn = self.children(otherwise)

        def render_conditional(scope: Mapping[str, Any], run: RenderRun) -> str:
            if truthy(test(scope, run)):
                return then_fn(scope, run)
            return else_fn(scope, run)

        return render_conditional

    def loop(self, raw: Mapping[str, Any]) -> NodeFn:
        source = next((raw[k] for k in ("items", "source", "over", "dataSource") if k in raw), None)
        items_fn = self.value(source) if source is not None else constant([])
        var = raw.get("as") or raw.get("iterator")
        if not isinstance(var, str) or not var.isidentifier():
            var = "item"
        index_raw = raw.get("index")
        index = index_raw if isinstance(index_raw, str) else "index"
        body_raw = next(
            (raw[k] for k in ("render", "template", "itemTemplate", "children") if k in raw), None
        )
        body = self.children(body_raw)
        node_type = str(raw.get("type"))

        def render_loop(scope: Mapping[str, Any], run: RenderRun) -> str:
            items = items_fn(scope, run)
            if isinstance(items, Mapping):
                items = list(items.values())
            elif isinstance(items, str | int) and not isinstance(items, bool):
                items = (
                    list(items)
                    if isinstance(items, str)
                    else list(range(min(items, MAX_LOOP_ITEMS)))
                )
            elif not isinstance(items, list | tuple):
                return ""
            if len(items) > MAX_LOOP_ITEMS:
                run.placeholder(node_type, f"only the first {MAX_LOOP_ITEMS} items are shown")
                items = items[:MAX_LOOP_ITEMS]
            out = []
            if type(scope) is dict and len(scope) <= 64:
                # Copying a small dict is cheaper than chained lookups for every binding.
                for i, item in enumerate(items):
                    child = scope.copy()
                    child[var] = item
                    child[index] = i
                    out.append(body(child, run))
            else:
                for i, item in enumerate(items):
                    out.append(body(Scope({var: item, index: i}, scope), run))
            return "".join(out)

        return render_loop

    def props_getters(
        self, raw: Mapping[str, Any]
    ) -> tuple[
        dict[str, Getter], dict[str, Callable[[Mapping[str, Any], RenderRun], ActionRef | None]]
    ]:
        values: dict[str, Getter] = {}
        handlers: dict[str, Callable[[Mapping[str, Any], RenderRun], ActionRef | None]] = {}
        for key, value in raw.items():
            if is_event_key(key):
                handlers[key] = self.handler(value)
            else:
                values[key] = self.value(value)
        return values, handlers

    def component_ref(self, raw: Mapping[str, Any]) -> NodeFn:
        props_raw = raw.get("props") if isinstance(raw.get("props"), Mapping) else {}
        assert isinstance(props_raw, Mapping)
        ref_raw = raw.get("ref", props_raw.get("ref", raw.get("name", raw.get("component"))))
        ref_fn = self.value(ref_raw)
        merged: dict[str, Any] = {}
        for key, value in raw.items():
            if key in ("type", "ref", "props", "name", "key", "component", "children"):
                continue
            if key.startswith("bind") and len(key) > 4 and key[4].isupper():
                merged[_lower_first(key[4:])] = value
            else:
                merged[key] = value
        merged.update({k: v for k, v in props_raw.items() if k != "ref"})
        values, handlers = self.props_getters(merged)
        children = self.children(raw.get("children"))

        def render_ref(scope: Mapping[str, Any], run: RenderRun) -> str:
            ref = ref_fn(scope, run)
            if not isinstance(ref, str) or not ref:
                return run.placeholder(str(raw.get("type")), "reference is not a component id")
            compiled = run.renderer.find_component(
                run.package_id, ref, run.context.versions, run.versions_id
            )
            if compiled is None:
                return run.placeholder(ref, "component not found")
            props = {k: g(scope, run) for k, g in values.items()}
            for key, h in handlers.items():
                props[key] = h(scope, run)
            html = children(scope, run)
            if html:
                props["children"] = Markup(html)
            return run.renderer.render_compiled(compiled, props, run)

        return render_ref

    def render_component(self, raw: Mapping[str, Any]) -> NodeFn:
        tree_fn = self.value(
            raw.get(
                "component",
                raw.get("props", {}).get("component")
                if isinstance(raw.get("props"), Mapping)
                else None,
            )
        )

        def render_dynamic(scope: Mapping[str, Any], run: RenderRun) -> str:
            tree = tree_fn(scope, run)
            if isinstance(tree, Markup):
                return tree
            if is_node(tree) or isinstance(tree, list):
                return run.renderer.dynamic_tree(tree)(scope, run)
            if tree is None or tree is UNDEFINED:
                return ""
            return text(tree)

        return render_dynamic

    def element(self, node_type: str, raw: Mapping[str, Any]) -> NodeFn:
        return compile_element(self, node_type, raw)


_FAILED_MARKER: Final = (
    '<span class="mb-expr-failed" role="img" aria-label="Value unavailable"'
    ' title="A value on this page could not be computed"></span>'
)


def _text_child(getter: Getter) -> NodeFn:
    """Text from a binding; a binding that failed shows a small visible marker instead."""

    def render_text(scope: Mapping[str, Any], run: RenderRun) -> str:
        failures = run.failures
        value = getter(scope, run)
        if run.failures > failures:
            return _FAILED_MARKER
        return text(value)

    return render_text
