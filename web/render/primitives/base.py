"""Helpers shared by the primitive modules: system props -> classes, tag factories."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string
from web.render.element import Element, tag
from web.render.html import safe_tag

Primitive = Callable[[Element], str]

# MUI "system props" accepted directly on layout primitives (Box, Stack, Grid, Typography...).
SYSTEM_PROPS: Final = frozenset(
    {
        "p",
        "pt",
        "pr",
        "pb",
        "pl",
        "px",
        "py",
        "m",
        "mt",
        "mr",
        "mb",
        "ml",
        "mx",
        "my",
        "padding",
        "margin",
        "gap",
        "rowGap",
        "columnGap",
        "display",
        "alignItems",
        "alignContent",
        "alignSelf",
        "justifyContent",
        "justifyItems",
        "justifySelf",
        "flexDirection",
        "flexWrap",
        "flex",
        "flexGrow",
        "flexShrink",
        "flexBasis",
        "order",
        "width",
        "height",
        "minWidth",
        "maxWidth",
        "minHeight",
        "maxHeight",
        "bgcolor",
        "color",
        "textAlign",
        "position",
        "top",
        "right",
        "bottom",
        "left",
        "zIndex",
        "overflow",
        "overflowX",
        "overflowY",
        "borderRadius",
        "border",
        "borderColor",
        "borderTop",
        "borderBottom",
        "boxShadow",
        "fontSize",
        "fontWeight",
        "fontFamily",
        "lineHeight",
        "letterSpacing",
        "whiteSpace",
        "textTransform",
        "gridTemplateColumns",
        "gridColumn",
        "gridRow",
        "opacity",
    }
)


def style_class(el: Element, style: Mapping[str, Any], *, system: bool = True) -> str:
    if not style:
        return ""
    name, css = el.run.renderer.styles.class_for(style, system=system)
    if name and name not in el.run.css:
        el.run.css[name] = css
    return name


def system_class(el: Element, keys: Iterable[str] = SYSTEM_PROPS) -> str:
    props = el.props
    style = {
        k: props[k]
        for k in keys
        if k in props and props[k] is not None and props[k] is not UNDEFINED and props[k] != ""
    }
    return style_class(el, style) if style else ""


def join(*classes: str) -> str:
    return " ".join(c for c in classes if c)


def modifier(base: str, value: Any) -> str:
    """`mb-button` + "contained" -> `mb-button--contained` (only simple words)."""
    word = display_string(value) if value is not None and value is not UNDEFINED else ""
    if word and word.replace("-", "").replace("_", "").isalnum() and len(word) <= 32:
        return f"{base}--{word}"
    return ""


def element_tag(el: Element, default: str) -> str:
    return safe_tag(el.props.get("component"), default)


def simple(default_tag: str, base_class: str, *fallbacks: str, system: bool = False) -> Primitive:
    """A container primitive: `<tag class="base">children</tag>` with variant/size modifiers."""

    def render(el: Element) -> str:
        cls = join(
            base_class,
            modifier(base_class, el.props.get("variant")),
            modifier(base_class, el.props.get("size")),
            system_class(el) if system else "",
        )
        return tag(element_tag(el, default_tag), el.common(cls), el.content(*fallbacks))

    return render


def void(tag_name: str, base_class: str) -> Primitive:
    def render(el: Element) -> str:
        return f"<{tag_name}{el.common(base_class)}>"

    return render
