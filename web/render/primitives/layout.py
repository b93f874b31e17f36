"""Layout primitives: Box, Stack, Flex, Grid, Container, Paper-less structure, Toolbar."""

from __future__ import annotations

from typing import Any, Final

from scripts_runtime.expr import UNDEFINED
from web.render.element import Element, tag
from web.render.primitives.base import (
    SYSTEM_PROPS,
    Primitive,
    element_tag,
    join,
    modifier,
    style_class,
    system_class,
)
from web.render.sx import BREAKPOINTS

_DIRECTIONS: Final = {"row", "column", "row-reverse", "column-reverse"}


def _spacing_value(value: Any) -> Any:
    return value


def box(el: Element) -> str:
    return tag(element_tag(el, "div"), el.common(join("mb-box", system_class(el))), el.children())


def stack(el: Element) -> str:
    props = el.props
    direction = props.get("direction", "column")
    style: dict[str, Any] = {
        "display": "flex",
        "flexDirection": direction if direction not in (None, UNDEFINED) else "column",
    }
    if isinstance(direction, dict):
        style["flexDirection"] = {
            k: v for k, v in direction.items() if k in BREAKPOINTS and v in _DIRECTIONS
        }
    spacing = props.get("spacing", props.get("gap"))
    if spacing is not None and spacing is not UNDEFINED:
        style["gap"] = spacing
    for key in ("alignItems", "justifyContent", "flexWrap"):
        if props.get(key) not in (None, UNDEFINED):
            style[key] = props[key]
    if props.get("wrap") in (True, "wrap"):
        style["flexWrap"] = "wrap"
    cls = join("mb-stack", style_class(el, style), system_class(el, _EXTRA_STACK))
    return tag(element_tag(el, "div"), el.common(cls), el.children())


_EXTRA_STACK: Final = frozenset(
    {
        "p",
        "px",
        "py",
        "pt",
        "pb",
        "m",
        "mt",
        "mb",
        "mx",
        "my",
        "width",
        "height",
        "flex",
        "bgcolor",
        "minHeight",
        "maxWidth",
    }
)


def flex(el: Element) -> str:
    props = el.props
    style: dict[str, Any] = {"display": "flex"}
    direction = props.get("direction", props.get("flexDirection"))
    if direction not in (None, UNDEFINED):
        style["flexDirection"] = direction
    for src, dest in (("align", "alignItems"), ("justify", "justifyContent"), ("wrap", "flexWrap")):
        if props.get(src) not in (None, UNDEFINED, False):
            style[dest] = "wrap" if props[src] is True else props[src]
    cls = join("mb-flex", style_class(el, style), system_class(el))
    return tag(element_tag(el, "div"), el.common(cls), el.children())


def _grid_span(value: Any) -> str:
    if value is True or value == "auto":
        return "auto" if value == "auto" else "1 / -1"
    return str(value)


def grid(el: Element) -> str:
    props = el.props
    style: dict[str, Any] = {}
    if props.get("container"):
        style["display"] = "grid"
        columns = props.get("columns", 12)
        style["gridTemplateColumns"] = f"repeat({columns}, minmax(0, 1fr))"
        spacing = props.get("spacing")
        if spacing not in (None, UNDEFINED):
            style["gap"] = spacing
    sizes = {
        bp: props.get(bp) for bp in BREAKPOINTS if props.get(bp) not in (None, UNDEFINED, False)
    }
    size = props.get("size")
    if isinstance(size, dict):
        sizes.update({k: v for k, v in size.items() if k in BREAKPOINTS})
    elif size not in (None, UNDEFINED):
        sizes["xs"] = size
    if sizes:
        spans: dict[str, Any] = {}
        for bp, value in sizes.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                spans[bp] = f"span {int(value)} / span {int(value)}"
            elif value is True:
                spans[bp] = "span 12 / span 12" if bp == "xs" else "auto"
        if spans:
            if "xs" not in spans:
                spans = {"xs": "1 / -1", **spans}
            style["gridColumn"] = spans
    elif props.get("item") and not props.get("container"):
        style["gridColumn"] = "1 / -1"
    cls = join("mb-grid", style_class(el, style), system_class(el))
    return tag(element_tag(el, "div"), el.common(cls), el.children())


# A Container's maxWidth names a breakpoint (a modifier class), not a CSS length.
CONTAINER_SYSTEM_PROPS: Final = SYSTEM_PROPS - {"maxWidth"}


def container(el: Element) -> str:
    max_width = el.props.get("maxWidth", "lg")
    cls = join(
        "mb-container",
        modifier("mb-container", max_width) if max_width else "",
        system_class(el, CONTAINER_SYSTEM_PROPS),
    )
    return tag(element_tag(el, "div"), el.common(cls), el.children())


def toolbar(el: Element) -> str:
    cls = join("mb-toolbar", modifier("mb-toolbar", el.props.get("variant")), system_class(el))
    return tag(element_tag(el, "div"), el.common(cls), el.children())


def scroll_area(el: Element) -> str:
    cls = join("mb-scroll-area", system_class(el))
    return tag("div", el.common(cls, extra={"tabindex": 0}), el.children())


PRIMITIVES: Final[dict[str, Primitive]] = {
    "Box": box,
    "Stack": stack,
    "Flex": flex,
    "Grid": grid,
    "Container": container,
    "Toolbar": toolbar,
    "ScrollArea": scroll_area,
}
