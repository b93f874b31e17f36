"""Buttons: Button, IconButton, ButtonGroup, ToggleButton, ToggleButtonGroup."""

from __future__ import annotations

import html
import re
from typing import Final

from scripts_runtime.expr import UNDEFINED, display_string
from web.render.element import Element, tag
from web.render.html import safe_url, text
from web.render.primitives.base import Primitive, join, modifier, system_class

_BUTTON_TYPES: Final = frozenset({"button", "submit", "reset"})


def _button_type(el: Element) -> str:
    for key in ("inputType", "type", "htmlType"):
        value = el.props.get(key)
        if isinstance(value, str) and value in _BUTTON_TYPES:
            return value
    return "button"


_SPINNER: Final = (
    '<span class="mb-spinner mb-spinner--inline" role="progressbar" aria-label="Loading"></span>'
)


def _icon(side: str, icon: object) -> str:
    return (
        f'<span class="mb-button__icon mb-button__icon--{side}" aria-hidden="true">'
        f"{text(icon)}</span>"
    )


def _label(el: Element) -> str:
    return el.content("text", "label", "title", "value")


def button(el: Element) -> str:
    props = el.props
    variant = props.get("variant", "text")
    cls = join(
        "mb-button",
        modifier("mb-button", variant if variant is not UNDEFINED else "text"),
        modifier("mb-button", props.get("color", "primary")),
        modifier("mb-button", props.get("size")),
        "mb-button--full-width" if props.get("fullWidth") else "",
        system_class(el, ("m", "mt", "mb", "ml", "mr", "px", "py", "width", "minWidth")),
    )
    start = props.get("startIcon")
    end = props.get("endIcon")
    inner = ""
    if start:
        inner += _icon("start", start)
    inner += _label(el)
    if props.get("loading") is True:
        inner += _SPINNER
    if end:
        inner += _icon("end", end)
    disabled = props.get("disabled") is True or props.get("loading") is True
    href = safe_url(props.get("href"))
    if href is not None and not disabled:
        return tag("a", el.common(cls, extra={"href": href, "role": "button"}), inner)
    extra = {
        "type": _button_type(el),
        "disabled": disabled,
        "name": _str(props.get("name")),
        "value": _str(props.get("value")),
    }
    return tag("button", el.common(cls, extra=extra), inner)


def _str(value: object) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return display_string(value)
    return None


_ICON_NAME: Final = re.compile(r'data-icon="([^"]+)"')


def _humanize(name: str) -> str:
    """`DeleteOutline` / `trash-2` -> "Delete outline" / "Trash 2"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[-_]+", " ", html.unescape(name)).split()
    return " ".join(words).capitalize()


def icon_button(el: Element) -> str:
    props = el.props
    label = props.get("aria-label", props.get("title", props.get("label", props.get("tooltip"))))
    cls = join(
        "mb-icon-button",
        modifier("mb-icon-button", props.get("color")),
        modifier("mb-icon-button", props.get("size")),
        system_class(el, ("m", "ml", "mr", "p")),
    )
    extra = {"type": _button_type(el), "disabled": props.get("disabled") is True}
    inner = el.content("icon", "children")
    if not (isinstance(label, str) and label) and "aria-label" not in props:
        # No label given: name the button after its icon, so it is not announced as "button".
        el.cacheable = False
        found = _ICON_NAME.search(inner)
        label = _humanize(found.group(1)) if found else None
    if isinstance(label, str) and "aria-label" not in props:
        extra["aria-label"] = label
    href = safe_url(props.get("href"))
    if href is not None:
        return tag(
            "a", el.common(cls, extra={"href": href, "aria-label": extra.get("aria-label")}), inner
        )
    return tag("button", el.common(cls, extra=extra), inner)


def button_group(el: Element) -> str:
    cls = join(
        "mb-button-group",
        modifier("mb-button-group", el.props.get("variant")),
        modifier("mb-button-group", el.props.get("orientation")),
    )
    return tag("div", el.common(cls, extra={"role": "group"}), el.children())


def toggle_button(el: Element) -> str:
    selected = el.props.get("selected") is True
    cls = join("mb-toggle-button", "mb-toggle-button--selected" if selected else "")
    extra = {
        "type": "button",
        "aria-pressed": "true" if selected else "false",
        "value": _str(el.props.get("value")),
        "disabled": el.props.get("disabled") is True,
    }
    return tag("button", el.common(cls, extra=extra), _label(el))


def toggle_button_group(el: Element) -> str:
    cls = join("mb-toggle-group", modifier("mb-toggle-group", el.props.get("orientation")))
    return tag("div", el.common(cls, extra={"role": "group"}), el.children())


PRIMITIVES: Final[dict[str, Primitive]] = {
    "Button": button,
    "IconButton": icon_button,
    "ButtonGroup": button_group,
    "ToggleButton": toggle_button,
    "ToggleButtonGroup": toggle_button_group,
}
