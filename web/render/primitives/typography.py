"""Text primitives: Typography, Text, Label, Markdown-less plain text, headings."""

from __future__ import annotations

from typing import Any, Final

from scripts_runtime.expr import UNDEFINED
from web.render.element import Element, tag
from web.render.primitives.base import (
    Primitive,
    element_tag,
    join,
    modifier,
    style_class,
    system_class,
)

VARIANT_TAGS: Final = {
    "h1": "h1",
    "h2": "h2",
    "h3": "h3",
    "h4": "h4",
    "h5": "h5",
    "h6": "h6",
    "subtitle1": "h6",
    "subtitle2": "h6",
    "body1": "p",
    "body2": "p",
    "caption": "span",
    "overline": "span",
    "inherit": "p",
    "lead": "p",
    "large": "p",
    "small": "small",
    "muted": "p",
    "code": "code",
}


# On text, the original data writes "secondary" (75 times, always for muted descriptions) and the
# MUI v4 spellings "textSecondary"/"textPrimary": all mean the text palette, not the accent.
_TEXT_COLORS: Final = {
    "secondary": "text.secondary",
    "textSecondary": "text.secondary",
    "textPrimary": "text.primary",
    "muted": "text.secondary",
}


def _text_style(el: Element) -> dict[str, Any]:
    props = el.props
    style: dict[str, Any] = {}
    color = props.get("color")
    if isinstance(color, str) and color and color not in ("inherit", "default"):
        palette = color in ("primary", "error", "warning", "info", "success")
        style["color"] = _TEXT_COLORS.get(color) or (f"{color}.main" if palette else color)
    align = props.get("align", props.get("textAlign"))
    if isinstance(align, str) and align in ("left", "right", "center", "justify"):
        style["textAlign"] = align
    for key in (
        "fontWeight",
        "fontSize",
        "lineHeight",
        "letterSpacing",
        "textTransform",
        "fontFamily",
    ):
        if props.get(key) not in (None, UNDEFINED, ""):
            style[key] = props[key]
    return style


def typography(default_tag: str, base: str = "mb-typography") -> Primitive:
    def render(el: Element) -> str:
        variant = el.props.get("variant")
        name = VARIANT_TAGS.get(variant, default_tag) if isinstance(variant, str) else default_tag
        cls = join(
            base,
            modifier("mb-text", variant),
            "mb-text--gutter" if el.props.get("gutterBottom") else "",
            "mb-text--nowrap" if el.props.get("noWrap") else "",
            style_class(el, _text_style(el)),
            system_class(el, _SPACING),
        )
        return tag(
            element_tag(el, name), el.common(cls), el.content("text", "content", "label", "value")
        )

    return render


_SPACING: Final = frozenset(
    {"p", "px", "py", "pt", "pb", "m", "mt", "mb", "ml", "mr", "mx", "my", "display", "flex"}
)


def label(el: Element) -> str:
    target = el.props.get("htmlFor", el.props.get("for"))
    extra = {"for": target} if isinstance(target, str) else None
    cls = join("mb-label", "mb-label--required" if el.props.get("required") else "")
    return tag("label", el.common(cls, extra=extra), el.content("text", "label"))


def alert_title(el: Element) -> str:
    return tag("div", el.common("mb-alert__title"), el.content("text", "title"))


def markdown(el: Element) -> str:
    """Markdown source is shown as preformatted text (never as raw HTML)."""
    body = el.content("content", "text", "source", "value")
    return tag("div", el.common("mb-markdown"), f'<pre class="mb-markdown__source">{body}</pre>')


def code(el: Element) -> str:
    return tag("pre", el.common("mb-code"), f"<code>{el.content('code', 'text', 'value')}</code>")


PRIMITIVES: Final[dict[str, Primitive]] = {
    "Typography": typography("p"),
    "Text": typography("span", "mb-text"),
    "Label": label,
    "AlertTitle": alert_title,
    "Markdown": markdown,
}
