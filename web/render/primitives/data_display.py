"""Data display: List family, Table family, Chip, Avatar, Badge, Tooltip, Divider, TreeView,
Image, Iframe, StatCard."""

from __future__ import annotations

from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string
from web.render.actions import ActionRef, action_attrs
from web.render.element import Element, tag
from web.render.html import escape, safe_url, text
from web.render.primitives.base import (
    Primitive,
    element_tag,
    join,
    modifier,
    style_class,
    system_class,
)
from web.render.primitives.icons import svg

_COLORS: Final = ("default", "primary", "secondary", "error", "warning", "info", "success")


def _clickable(el: Element) -> dict[str, Any]:
    return {"role": "button", "tabindex": "0"} if el.events else {}


# -- lists -------------------------------------------------------------------------------------


def list_(el: Element) -> str:
    cls = join(
        "mb-list", "mb-list--dense" if el.props.get("dense") is True else "", system_class(el)
    )
    return tag(element_tag(el, "ul"), el.common(cls), el.children())


def list_item(el: Element) -> str:
    props = el.props
    cls = join(
        "mb-list-item",
        "mb-list-item--button" if props.get("button") is True or el.events else "",
        "mb-list-item--selected" if props.get("selected") is True else "",
        "mb-list-item--divider" if props.get("divider") is True else "",
        "mb-list-item--dense" if props.get("disablePadding") is True else "",
        system_class(el, ("p", "px", "py", "bgcolor")),
    )
    extra = _clickable(el)
    if props.get("selected") is True:
        extra["aria-current"] = "true"
    secondary = props.get("secondaryAction")
    tail = f'<div class="mb-list-item__secondary">{text(secondary)}</div>' if secondary else ""
    return tag("li", el.common(cls, extra=extra), el.children() + tail)


def list_item_button(el: Element) -> str:
    cls = join(
        "mb-list-item mb-list-item--button",
        "mb-list-item--selected" if el.props.get("selected") is True else "",
    )
    href = safe_url(el.props.get("href"))
    if href is not None:
        return tag("a", el.common(cls, extra={"href": href}), el.children())
    return tag("div", el.common(cls, extra={"role": "button", "tabindex": "0"}), el.children())


def list_item_text(el: Element) -> str:
    primary = el.props.get("primary")
    secondary = el.props.get("secondary")
    inner = ""
    if primary not in (None, UNDEFINED, ""):
        inner += f'<span class="mb-list-item-text__primary">{text(primary)}</span>'
    if secondary not in (None, UNDEFINED, ""):
        inner += f'<span class="mb-list-item-text__secondary">{text(secondary)}</span>'
    return tag("div", el.common("mb-list-item-text"), inner + el.children())


# -- tables ------------------------------------------------------------------------------------


def table(el: Element) -> str:
    cls = join(
        "mb-table",
        modifier("mb-table", el.props.get("size")),
        "mb-table--sticky" if el.props.get("stickyHeader") is True else "",
    )
    caption = el.props.get("caption", el.props.get("aria-label"))
    head = (
        f'<caption class="mb-visually-hidden">{text(caption)}</caption>'
        if caption not in (None, UNDEFINED, "")
        else ""
    )
    return tag("table", el.common(cls), head + el.children())


def table_head(el: Element) -> str:
    el.run.push("thead", True)
    try:
        inner = el.children()
    finally:
        el.run.pop("thead")
    return tag("thead", el.common("mb-table__head"), inner)


def table_cell(el: Element) -> str:
    props = el.props
    header = bool(el.run.ui.get("thead")) or props.get("variant") == "head"
    align = props.get("align")
    cls = join(
        "mb-table__cell",
        modifier("mb-table__cell", align if align in ("left", "right", "center") else None),
        "mb-table__cell--sortable" if props.get("sortable") else "",
        system_class(el, ("width", "p", "px", "py", "fontWeight")),
    )
    extra: dict[str, Any] = {
        "colspan": display_string(props.get("colSpan"))
        if props.get("colSpan") not in (None, UNDEFINED)
        else None
    }
    if header:
        extra["scope"] = "col"
        if el.events:
            # A sortable header: the action goes on a button inside the cell.
            button = (
                f'<button type="button" class="mb-table__sort"{el.event_attrs()}>'
                f"{el.content('label', 'text')}</button>"
            )
            return tag("th", el.common(cls, extra=extra), button)
        return tag("th", el.common(cls, extra=extra), el.content("label", "text"))
    return tag(
        "td",
        el.common(cls, extra={**extra, **_clickable(el)}),
        el.content("label", "text", "value"),
    )


def table_row(el: Element) -> str:
    cls = join(
        "mb-table__row",
        "mb-table__row--selected" if el.props.get("selected") is True else "",
        "mb-table__row--hover" if el.props.get("hover") is True or el.events else "",
    )
    return tag("tr", el.common(cls, extra=_clickable(el)), el.children())


def table_container(el: Element) -> str:
    return tag(
        element_tag(el, "div"),
        el.common(join("mb-table-container", system_class(el))),
        el.children(),
    )


# -- chips, avatars, badges ----------------------------------------------------------------------


def chip(el: Element) -> str:
    props = el.props
    color = props.get("color", "default")
    cls = join(
        "mb-chip",
        modifier("mb-chip", color if color in _COLORS else "default"),
        modifier("mb-chip", props.get("variant")),
        modifier("mb-chip", props.get("size")),
        style_class(el, {"bgcolor": color})
        if isinstance(color, str) and color.startswith(("#", "rgb", "var("))
        else "",
    )
    delete = el.take_event("delete")
    icon = props.get("icon", props.get("avatar"))
    inner = f'<span class="mb-chip__icon" aria-hidden="true">{text(icon)}</span>' if icon else ""
    inner += f'<span class="mb-chip__label">{el.content("label", "text")}</span>'
    if delete is not None:
        inner += _delete_button(delete)
    if el.events:
        return tag("button", el.common(cls, extra={"type": "button"}), inner)
    return tag("span", el.common(cls), inner)


def _delete_button(ref: ActionRef) -> str:
    return (
        '<button type="button" class="mb-chip__delete" aria-label="Remove"'
        f"{action_attrs([('click', ref)])}>&#x2715;</button>"
    )


def _initials(value: Any) -> str:
    words = display_string(value).split()
    return "".join(w[0] for w in words[:2]).upper()


def avatar(el: Element) -> str:
    props = el.props
    cls = join(
        "mb-avatar",
        modifier("mb-avatar", props.get("variant")),
        modifier("mb-avatar", props.get("size")),
        system_class(el, ("width", "height", "bgcolor", "color", "fontSize")),
    )
    src = safe_url(props.get("src"))
    alt = props.get("alt", "")
    if src is not None:
        extra = {"src": src, "alt": display_string(alt), "loading": "lazy"}
        return f"<img{el.common(cls, extra=extra)}>"
    inner = el.children() or escape(_initials(alt or props.get("name", "")))
    return tag(
        "span",
        el.common(
            cls, extra={"role": "img" if alt else None, "aria-label": display_string(alt) or None}
        ),
        inner,
    )


def badge(el: Element) -> str:
    props = el.props
    content = props.get("badgeContent", props.get("text", props.get("label", props.get("count"))))
    color = props.get("color", "primary")
    variant = props.get("variant")
    cls = join(
        "mb-badge",
        modifier("mb-badge", color if color in _COLORS else None),
        modifier("mb-badge", variant),
    )
    children = el.children()
    if children and content not in (None, UNDEFINED, ""):
        bubble = f'<span class="mb-badge__content">{text(content)}</span>'
        return tag("span", el.common(cls + " mb-badge--anchored"), children + bubble)
    if variant == "dot" and children:
        return tag(
            "span",
            el.common(cls + " mb-badge--anchored"),
            children + '<span class="mb-badge__dot" aria-hidden="true"></span>',
        )
    return tag("span", el.common(cls + " mb-badge--standalone"), children or text(content))


def tooltip(el: Element) -> str:
    title = display_string(el.get("title", el.get("content", "")))
    return tag(
        "span",
        el.common("mb-tooltip", extra={"title": title or None, "data-tooltip": title or None}),
        el.children(),
    )


def divider(el: Element) -> str:
    vertical = el.props.get("orientation") == "vertical"
    children = el.children()
    if children:
        return tag(
            "div",
            el.common("mb-divider mb-divider--text", extra={"role": "separator"}),
            f"<span>{children}</span>",
        )
    if vertical:
        return tag(
            "span",
            el.common(
                "mb-divider mb-divider--vertical",
                extra={"role": "separator", "aria-orientation": "vertical"},
            ),
        )
    return f"<hr{el.common(join('mb-divider', system_class(el, ('m', 'my', 'mt', 'mb'))))}>"


# -- trees -------------------------------------------------------------------------------------


def tree_view(el: Element) -> str:
    return tag("ul", el.common("mb-tree", extra={"role": "tree"}), el.children())


def tree_item(el: Element) -> str:
    label = el.props.get("label", el.props.get("nodeId", ""))
    children = el.children()
    if children:
        inner = (
            f'<details open><summary class="mb-tree__label">{text(label)}</summary>'
            f'<ul role="group">{children}</ul></details>'
        )
    else:
        inner = f'<span class="mb-tree__label">{text(label)}</span>'
    return tag("li", el.common("mb-tree__item", extra={"role": "treeitem"}), inner)


# -- media -------------------------------------------------------------------------------------


def image(el: Element) -> str:
    src = safe_url(el.props.get("src"))
    alt = display_string(el.props.get("alt", ""))
    extra: dict[str, Any] = {"src": src, "alt": alt, "loading": "lazy"}
    for key in ("width", "height"):
        value = el.props.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            extra[key] = display_string(value)
    if src is None:
        return tag(
            "span",
            el.common(
                "mb-image mb-image--missing", extra={"role": "img", "aria-label": alt or "image"}
            ),
        )
    return f"<img{el.common('mb-image', extra=extra)}>"


def iframe(el: Element) -> str:
    src = safe_url(el.props.get("src"))
    if src is None or not src.startswith(("https://", "http://", "/")):
        return tag("div", el.common("mb-iframe mb-iframe--blocked"), "Embedded content unavailable")
    extra = {
        "src": src,
        "title": display_string(el.props.get("title", "Embedded content")),
        "loading": "lazy",
        "sandbox": "allow-same-origin",
        "referrerpolicy": "no-referrer",
    }
    return tag("iframe", el.common("mb-iframe", extra=extra))


def stat_card(el: Element) -> str:
    props = el.props
    label = props.get("label", props.get("title"))
    value = props.get("value")
    icon = props.get("icon")
    color = props.get("color")
    cls = join(
        "mb-card mb-stat-card", modifier("mb-stat-card", color if color in _COLORS else None)
    )
    head = (
        f'<span class="mb-stat-card__label">{text(label)}</span>'
        if label not in (None, UNDEFINED)
        else ""
    )
    icon_html = ""
    if isinstance(icon, str) and icon:
        shown = svg(icon)
        icon_html = f'<span class="mb-stat-card__icon" aria-hidden="true">{shown}</span>'
    elif icon:
        icon_html = f'<span class="mb-stat-card__icon" aria-hidden="true">{text(icon)}</span>'
    body = f'<span class="mb-stat-card__value">{text(value)}</span>'
    return tag("div", el.common(cls), icon_html + head + body + el.children())


PRIMITIVES: Final[dict[str, Primitive]] = {
    "List": list_,
    "ListItem": list_item,
    "ListItemButton": list_item_button,
    "ListItemText": list_item_text,
    "ListItemIcon": lambda el: tag("span", el.common("mb-list-item-icon"), el.children()),
    "ListItemAvatar": lambda el: tag("span", el.common("mb-list-item-avatar"), el.children()),
    "Table": table,
    "TableHead": table_head,
    "TableBody": lambda el: tag("tbody", el.common("mb-table__body"), el.children()),
    "TableFooter": lambda el: tag("tfoot", el.common("mb-table__foot"), el.children()),
    "TableRow": table_row,
    "TableCell": table_cell,
    "TableContainer": table_container,
    "Chip": chip,
    "Avatar": avatar,
    "Badge": badge,
    "Tooltip": tooltip,
    "Divider": divider,
    "Separator": divider,
    "TreeView": tree_view,
    "TreeItem": tree_item,
    "Image": image,
    "Iframe": iframe,
    "StatCard": stat_card,
}
