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
    event_name,
    is_event_key,
    serialise_input,
)
from web.render.element import Element
from web.render.html import Markup, escape, json_attr, text
from web.render.primitives import SHELL_SAFE
from web.render.run import RenderRun
from web.render.shells import ShellCache

if TYPE_CHECKING:
    from web.render.sx import StyleSheet

Getter = Callable[[Mapping[str, Any], RenderRun], Any]
NodeFn = Callable[[Mapping[str, Any], RenderRun], str]

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


def is_node(value: Any) -> bool:
    return isinstance(value, Mapping) and (isinstance(value.get("type"), str) or "$ref" in value)


def _empty(scope: Mapping[str, Any], run: RenderRun) -> str:
    return ""


def _constant(value: Any) -> Getter:
    return lambda scope, run: value


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class TemplateCompiler:
    """Compiles the nodes of one component; `styles` memoises static sx classes."""

    def __init__(self, styles: StyleSheet) -> None:
        self.styles = styles
        # Render functions whose output never depends on the scope (no binding anywhere below).
        self._static: set[int] = set()
        self._keep: list[NodeFn] = []

    def _mark_static(self, fn: NodeFn) -> NodeFn:
        self._static.add(id(fn))
        self._keep.append(fn)
        return fn

    def is_static(self, fn: NodeFn) -> bool:
        return id(fn) in self._static

    # -- values --------------------------------------------------------------------------------

    def string(self, source: str) -> Getter:
        if "{{" not in source:
            return _constant(source)
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
            if not _is_dynamic(raw):
                return _constant(raw)
            getters = {str(k): self.value(v) for k, v in raw.items()}
            return lambda scope, run: {k: g(scope, run) for k, g in getters.items()}
        if isinstance(raw, list):
            if not _is_dynamic(raw):
                return _constant(raw)
            items = [self.value(v) for v in raw]
            return lambda scope, run: [g(scope, run) for g in items]
        return _constant(raw)

    def handler(self, raw: Any) -> Callable[[Mapping[str, Any], RenderRun], ActionRef | None]:
        def resolve(scope: Mapping[str, Any], run: RenderRun) -> ActionRef | None:
            return HandlerResolver(run.package_id, run.eval_state).from_raw(raw, scope)

        return resolve

    # -- children ------------------------------------------------------------------------------

    def children(self, raw: Any) -> NodeFn:
        if raw is None:
            return _empty
        if isinstance(raw, str):
            getter = self.string(raw)
            if "{{" not in raw:
                static = escape(raw)
                return self._mark_static(lambda scope, run: static)
            return _text_child(getter)
        if isinstance(raw, list):
            parts = [self.children(item) for item in raw]
            if len(parts) == 1:
                return parts[0]
            joined: NodeFn = lambda scope, run: "".join([p(scope, run) for p in parts])  # noqa: E731
            if all(self.is_static(p) for p in parts):
                self._mark_static(joined)
            return joined
        if is_node(raw):
            return self.node(raw)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            static = escape(raw)
            return self._mark_static(lambda scope, run: static)
        return _empty

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
            compiled = run.renderer.find_component(run.package_id, target)
            if compiled is None:
                return run.placeholder("$ref", f"no component {target!r}")
            return run.renderer.render_in_scope(compiled, scope, run)

        return render_ref

    def conditional(self, condition: Any, then: Any, otherwise: Any) -> NodeFn:
        test = self.value(condition) if condition is not None else _constant(False)
        then_fn = self.children(then)
        else_fn = self.children(otherwise)

        def render_conditional(scope: Mapping[str, Any], run: RenderRun) -> str:
            if truthy(test(scope, run)):
                return then_fn(scope, run)
            return else_fn(scope, run)

        return render_conditional

    def loop(self, raw: Mapping[str, Any]) -> NodeFn:
        source = next((raw[k] for k in ("items", "source", "over", "dataSource") if k in raw), None)
        items_fn = self.value(source) if source is not None else _constant([])
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
            compiled = run.renderer.find_component(run.package_id, ref)
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
        merged: dict[str, Any] = {k: v for k, v in raw.items() if k not in _NODE_META_KEYS}
        inner_props = raw.get("props")
        if isinstance(inner_props, Mapping):
            merged.update(inner_props)
        events = raw.get("events")
        if isinstance(events, Mapping):
            merged.update(
                {
                    k if is_event_key(k) else "on" + k[:1].upper() + k[1:]: v
                    for k, v in events.items()
                    if isinstance(k, str) and k
                }
            )
        children_raw = raw.get("children")
        if children_raw is None and "children" in merged:
            children_raw = merged.pop("children")
        merged.pop("children", None)
        sx_raw = merged.pop("sx", None)
        style_raw = merged.pop("style", None)
        class_raw = merged.pop("className", None)
        values, handlers = self.props_getters(merged)
        static_values = {k: _constant_value(merged[k]) for k in values if _is_constant(merged[k])}
        dynamic_values = [(k, g) for k, g in values.items() if k not in static_values]
        static_key = tuple(static_values.values())
        children = self.children(children_raw)
        # Styles: static sx/style/className are resolved now; dynamic ones per render.
        static_classes: list[str] = []
        static_css: dict[str, str] = {}
        style_fns: list[Getter] = []
        for raw_style, system in ((sx_raw, True), (style_raw, False)):
            if not isinstance(raw_style, Mapping) or not raw_style:
                continue
            if not _is_dynamic(raw_style):
                name, css = self.styles.class_for(raw_style, system=system)
                if name:
                    static_classes.append(name)
                    static_css[name] = css
            else:
                style_fns.append(_dynamic_class(self.value(raw_style), self.styles, system))
        class_fn: Getter | None = None
        if isinstance(class_raw, str) and "{{" not in class_raw:
            static_classes.append(_class_names(class_raw))
        elif class_raw is not None:
            class_fn = self.value(class_raw)
        static_class_text = " ".join(c for c in static_classes if c)
        first_css = next(iter(static_css), None)
        dynamic_type = self.string(node_type) if "{{" in node_type else None
        shells = ShellCache()
        shell_ok = node_type in SHELL_SAFE and dynamic_type is None
        uses_thead = node_type == "TableCell"
        has_children = children_raw is not None
        has_fallback = any(key in merged for key in _FALLBACK_PROPS)
        foldable = (
            shell_ok
            and not dynamic_values
            and not handlers
            and not style_fns
            and class_fn is None
            and (children is _empty or self.is_static(children))
        )

        def render_element(scope: Mapping[str, Any], run: RenderRun) -> str:
            type_name = node_type
            if dynamic_type is not None:
                type_name = display_string(dynamic_type(scope, run)) or "Box"
            kind, target = run.renderer.lookup(run.package_id, type_name)
            if kind == "component":
                if target.id == run.component and target.package_id == run.package_id:
                    # A component named like a primitive that uses that primitive (Breadcrumbs).
                    kind, target = run.renderer.primitive(type_name)
                else:
                    return render_as_component(target, scope, run)
            if dynamic_values:
                props = dict(static_values)
                for key, getter in dynamic_values:
                    props[key] = getter(scope, run)
                values_key: tuple[Any, ...] = tuple(props.values())
            else:
                props = static_values
                values_key = static_key
            if first_css is not None and first_css not in run.css:
                run.css.update(static_css)
            class_text = static_class_text
            if style_fns or class_fn is not None:
                classes = [static_class_text, *(fn(scope, run) for fn in style_fns)]
                if class_fn is not None:
                    classes.append(_class_names(class_fn(scope, run)))
                class_text = " ".join(c for c in classes if c)
            element_events: list[tuple[str, ActionRef]] = []
            for key, h in handlers.items():
                ref = h(scope, run)
                if ref is not None:
                    element_events.append((event_name(key), ref))
            if shell_ok and kind == "primitive" and not shells.disabled:
                shell = _shell(values_key, class_text, element_events, props, target, run)
                if shell is not None and shell[1] is not None:
                    prefix: str = shell[0]
                    if not has_children:
                        return prefix
                    inner = children(scope, run)
                    if inner or not has_fallback:
                        suffix: str = shell[1]
                        return prefix + inner + suffix
            el = Element(
                type_name,
                props if dynamic_values else dict(props),
                lambda: children(scope, run),
                element_events,
                class_text,
                run,
            )
            if kind == "primitive":
                rendered: str = target(el)
                return rendered
            return run.placeholder(type_name, "unknown component type", el.children())

        def _shell(
            values_key: tuple[Any, ...],
            class_text: str,
            element_events: list[tuple[str, ActionRef]],
            props: dict[str, Any],
            target: Any,
            run: RenderRun,
        ) -> Any:
            memo_key = (
                values_key,
                class_text,
                _events_key(element_events) if element_events else None,
                uses_thead and bool(run.ui.get("thead")),
            )
            try:
                shell = shells.entries.get(memo_key)
            except TypeError:  # a list or dict prop value: key on a frozen copy
                memo_key = (_freeze(values_key), *memo_key[1:])
                shell = shells.entries.get(memo_key)
            if shell is None:
                probe = Element(node_type, dict(props), None, list(element_events), class_text, run)
                return shells.build(memo_key, target, probe, has_children)
            for name, css in shell[2].items():
                if name not in run.css:
                    run.css[name] = css
            return shell

        def render_as_component(target: Any, scope: Mapping[str, Any], run: RenderRun) -> str:
            props = dict(static_values)
            for key, getter in dynamic_values:
                props[key] = getter(scope, run)
            for key, h in handlers.items():
                props[key] = h(scope, run)
            html = children(scope, run)
            if html:
                props["children"] = Markup(html)
            if sx_raw is not None:
                props.setdefault("sx", sx_raw)
            return run.renderer.render_compiled(target, props, run)

        if not foldable:
            return render_element
        folds: dict[tuple[str, bool], tuple[str, dict[str, str]]] = {}

        def render_folded(scope: Mapping[str, Any], run: RenderRun) -> str:
            """A subtree without bindings renders once per package; later renders reuse it."""
            key = (run.package_id, bool(run.ui.get("thead")))
            found = folds.get(key)
            if found is not None:
                html, css = found
                for name, rule in css.items():
                    if name not in run.css:
                        run.css[name] = rule
                return html
            outer_css, marks = run.css, (len(run.placeholders), len(run.failed))
            run.css = {}
            try:
                html = render_element(scope, run)
            finally:
                captured, run.css = run.css, outer_css
                for name, rule in captured.items():
                    if name not in outer_css:
                        outer_css[name] = rule
            if marks == (len(run.placeholders), len(run.failed)) and len(folds) < 8:
                folds[key] = (html, captured)
            return html

        return self._mark_static(render_folded)


_FALLBACK_PROPS: Final = frozenset(
    {
        "text",
        "label",
        "content",
        "value",
        "title",
        "message",
        "icon",
        "description",
        "code",
        "source",
    }
)


def _events_key(events: list[tuple[str, ActionRef]]) -> tuple[Any, ...]:
    return tuple(
        (
            name,
            ref.action,
            ref.package,
            json_attr(serialise_input(ref.input)) if ref.input is not None else None,
        )
        for name, ref in events
    )


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


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return ("{", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("[", tuple(_freeze(v) for v in value))
    return value


def _constant_value(raw: Any) -> Any:
    return raw


def _dynamic_class(getter: Getter, styles: StyleSheet, system: bool) -> Getter:
    def use(scope: Mapping[str, Any], run: RenderRun) -> str:
        value = getter(scope, run)
        if not isinstance(value, Mapping):
            return ""
        name, css = styles.class_for(value, system=system)
        if name and name not in run.css:
            run.css[name] = css
        return name

    return use


def _class_names(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(display_string(v) for v in value if v)
    names = display_string(value).split()
    return " ".join(
        n
        for n in names
        if n.replace("-", "")
        .replace("_", "")
        .replace(":", "")
        .replace("/", "")
        .replace(".", "")
        .isalnum()
    )


def _is_dynamic(raw: Any) -> bool:
    if isinstance(raw, str):
        return "{{" in raw
    if isinstance(raw, Mapping):
        return is_node(raw) or any(_is_dynamic(v) for v in raw.values())
    if isinstance(raw, list):
        return any(_is_dynamic(v) for v in raw)
    return False


def _is_constant(raw: Any) -> bool:
    return not _is_dynamic(raw)
