"""Lower-case HTML tags used directly in templates (`span`, `form`, `input`, `video`, ...).

Only a safe list of tags and attributes passes; URLs are checked; a `form` always carries the
request's CSRF token so it can be posted without JavaScript.
"""

from __future__ import annotations

from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string
from web.render.element import Element, tag
from web.render.html import VOID_TAGS, attr_escape, safe_url
from web.render.primitives.base import Primitive
from web.render.primitives.inputs import plain_input

CONTAINER_TAGS: Final = (
    "div",
    "span",
    "p",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "main",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "small",
    "code",
    "pre",
    "blockquote",
    "figure",
    "figcaption",
    "label",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "fieldset",
    "legend",
    "details",
    "summary",
    "time",
    "mark",
    "abbr",
    "sub",
    "sup",
    "kbd",
    "output",
    "button",
    "canvas",
    "select",
    "option",
    "textarea",
)
_ATTRS: Final = (  # `id` comes with Element.common
    "title",
    "role",
    "name",
    "value",
    "type",
    "placeholder",
    "alt",
    "width",
    "height",
    "colSpan",
    "rowSpan",
    "htmlFor",
    "for",
    "disabled",
    "checked",
    "selected",
    "required",
    "readOnly",
    "multiple",
    "min",
    "max",
    "step",
    "rows",
    "cols",
    "open",
    "datetime",
    "controls",
    "muted",
    "loop",
    "autoPlay",
    "poster",
    "accept",
    "hidden",
    "tabIndex",
)
_URL_ATTRS: Final = ("href", "src", "poster")


def _extra(el: Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _ATTRS:
        if key in el.props:
            value = el.props[key]
            if value is None or value is UNDEFINED or isinstance(value, dict | list):
                continue
            name = {
                "htmlFor": "for",
                "colSpan": "colspan",
                "rowSpan": "rowspan",
                "readOnly": "readonly",
                "autoPlay": "autoplay",
                "tabIndex": "tabindex",
            }.get(key, key)
            out[name] = value if isinstance(value, bool) else display_string(value)
    for key in _URL_ATTRS:
        if key in el.props:
            out[key] = safe_url(el.props[key])
    return out


def container(name: str) -> Primitive:
    def render(el: Element) -> str:
        return tag(name, el.common("", extra=_extra(el)), el.content("text"))

    return render


def form(el: Element) -> str:
    token = el.run.context.csrf_token
    hidden = (
        f'<input type="hidden" name="csrf_token" value="{attr_escape(token)}">' if token else ""
    )
    return tag(
        "form",
        el.common(
            "mb-form", extra={"method": "post", "novalidate": el.props.get("noValidate") is True}
        ),
        hidden + el.children(),
    )


def anchor(el: Element) -> str:
    extra = _extra(el)
    if el.props.get("target") == "_blank":
        extra.update({"target": "_blank", "rel": "noopener noreferrer"})
    return tag("a", el.common("", extra=extra), el.content("text"))


def media(name: str) -> Primitive:
    def render(el: Element) -> str:
        extra = _extra(el)
        if name == "video":
            extra.setdefault("controls", True)
        if extra.get("src") is None:
            extra.pop("src", None)
        return tag(name, el.common(f"mb-{name}", extra=extra), el.children())

    return render


def void(name: str) -> Primitive:
    def render(el: Element) -> str:
        return f"<{name}{el.common('', extra=_extra(el))}>"

    return render


PRIMITIVES: Final[dict[str, Primitive]] = {
    **{name: container(name) for name in CONTAINER_TAGS},
    **{name: void(name) for name in VOID_TAGS if name not in ("input", "base", "link", "meta")},
    "input": plain_input,
    "form": form,
    "a": anchor,
    "video": media("video"),
    "audio": media("audio"),
}
