"""Icons by name (MUI, Lucide and Phosphor spellings) as inline SVG.

Inline SVG needs no font, no image request and no script, and `currentColor` makes icons follow
the text colour. An unknown name shows its initial in a small rounded badge rather than nothing.
"""

from __future__ import annotations

import re
from typing import Any, Final

from scripts_runtime.expr import display_string
from web.render.element import Element, tag
from web.render.html import escape
from web.render.primitives.base import Primitive, join, modifier, style_class
from web.render.primitives.icon_shapes import NAMES, SHAPES

_SIZES: Final = {"small": "1.25rem", "medium": "1.5rem", "large": "2.1875rem", "inherit": "inherit"}
_PALETTE: Final = ("primary", "secondary", "error", "warning", "info", "success")
_SVG_OPEN: Final = (
    '<svg class="mb-icon__svg" viewBox="0 0 24 24" fill="none" stroke="currentColor"'
    ' stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"'
    ' focusable="false">'
)


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def shape(name: str) -> str | None:
    """The SVG elements for an icon name, or None when the name is unknown."""
    base = re.sub(r"(Outlined|Rounded|Sharp|TwoTone|Icon)$", "", name)
    key = NAMES.get(name) or NAMES.get(base)
    if key is None:
        kebab = _kebab(base)
        key = kebab if kebab in SHAPES else None
    return SHAPES.get(key) if key else None


def svg(name: str) -> str:
    found = shape(name)
    if found is None:
        initial = escape(name.strip()[:1].upper())
        return f'<span class="mb-icon__initial">{initial}</span>' if initial else ""
    return f"{_SVG_OPEN}{found}</svg>"


def icon(el: Element) -> str:
    name = display_string(el.get("name", el.get("icon", "")))
    size = el.get("fontSize", el.get("size"))
    style: dict[str, Any] = {}
    if isinstance(size, int | float) and not isinstance(size, bool):
        style["fontSize"] = f"{size}px"
    elif isinstance(size, str) and size in _SIZES:
        style["fontSize"] = _SIZES[size]
    elif isinstance(size, str) and re.fullmatch(r"\d+(\.\d+)?(px|rem|em)", size):
        style["fontSize"] = size
    color = el.get("color")
    if isinstance(color, str) and color not in ("inherit", "action", "disabled", ""):
        style["color"] = f"{color}.main" if color in _PALETTE else color
    known = shape(name) is not None
    cls = join(
        "mb-icon",
        "" if known else "mb-icon--fallback",
        modifier("mb-icon", color if color in ("action", "disabled") else None),
        style_class(el, style),
    )
    label = el.get("aria-label", el.get("title"))
    extra: dict[str, Any] = {"data-icon": name or None}
    if isinstance(label, str) and label:
        extra["role"] = "img"
    else:
        extra["aria-hidden"] = "true"
    return tag("span", el.common(cls, extra=extra), svg(name))


PRIMITIVES: Final[dict[str, Primitive]] = {"Icon": icon}
