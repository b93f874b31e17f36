"""Element nodes (primitives and component-name types) -> render closures.

The hot path of rendering: props are split at compile time into constant and bound ones, static
styles resolve to classes once, and a primitive's output is memoised as a shell (`shells.py`);
a subtree without any binding is rendered once per package and reused ("folded").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from scripts_runtime.expr import display_string
from web.render.actions import ActionRef, event_name, is_event_key, serialise_input
from web.render.bindings import Getter, NodeFn, empty, is_dynamic
from web.render.element import Element
from web.render.html import Markup, json_attr
from web.render.primitives import SHELL_SAFE
from web.render.run import RenderRun
from web.render.shells import ShellCache

if TYPE_CHECKING:
    from web.render.nodes import TemplateCompiler
    from web.render.sx import StyleSheet

log = logging.getLogger(__name__)

_NODE_META_KEYS: Final = frozenset({"type", "children", "props", "events", "key"})


def compile_element(compiler: TemplateCompiler, node_type: str, raw: Mapping[str, Any]) -> NodeFn:
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
    values, handlers = compiler.props_getters(merged)
    static_values = {k: _constant_value(merged[k]) for k in values if _is_constant(merged[k])}
    dynamic_values = [(k, g) for k, g in values.items() if k not in static_values]
    static_key = tuple(static_values.values())
    children = compiler.children(children_raw)
    # Styles: static sx/style/className are resolved now; dynamic ones per render.
    static_classes: list[str] = []
    static_css: dict[str, str] = {}
    style_fns: list[Getter] = []
    for raw_style, system in ((sx_raw, True), (style_raw, False)):
        if not isinstance(raw_style, Mapping) or not raw_style:
            continue
        if not is_dynamic(raw_style):
            name, css = compiler.styles.class_for(raw_style, system=system)
            if name:
                static_classes.append(name)
                static_css[name] = css
        else:
            style_fns.append(_dynamic_class(compiler.value(raw_style), compiler.styles, system))
    class_fn: Getter | None = None
    if isinstance(class_raw, str) and "{{" not in class_raw:
        static_classes.append(_class_names(class_raw))
    elif class_raw is not None:
        class_fn = compiler.value(class_raw)
    static_class_text = " ".join(c for c in static_classes if c)
    first_css = next(iter(static_css), None)
    dynamic_type = compiler.string(node_type) if "{{" in node_type else None
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
        and (children is empty or compiler.is_static(children))
    )

    def render_element(scope: Mapping[str, Any], run: RenderRun) -> str:
        type_name = node_type
        if dynamic_type is not None:
            type_name = display_string(dynamic_type(scope, run)) or "Box"
        kind, target = run.renderer.lookup(
            run.package_id, type_name, run.context.versions, run.versions_id
        )
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
            try:
                shell = _shell(values_key, class_text, element_events, props, target, run)
            except Exception:  # a primitive bug: the direct path below reports it
                shell = None
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
            try:
                rendered: str = target(el)
            except Exception:  # a bug in one primitive must not take the page down
                log.exception(
                    "primitive %s failed in %s/%s", type_name, run.package_id, run.component
                )
                return run.placeholder(type_name, "could not be rendered")
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
    folds: dict[tuple[str, int, bool], tuple[str, dict[str, str]]] = {}

    def render_folded(scope: Mapping[str, Any], run: RenderRun) -> str:
        """A subtree without bindings renders once per package (and set of installed package
        versions: its components may differ between them); later renders reuse it."""
        key = (run.package_id, run.versions_id, bool(run.ui.get("thead")))
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

    return compiler.mark_static(render_folded)


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


def _is_constant(raw: Any) -> bool:
    return not is_dynamic(raw)
