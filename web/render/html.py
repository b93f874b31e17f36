"""HTML building blocks: escaping by construction, attribute serialisation, URL checks.

Renderer code never concatenates user text into HTML directly: text goes through `escape`, and
only `Markup` (HTML the renderer itself produced) passes through unchanged.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string

VOID_TAGS: Final = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)

_ESCAPE_TABLE: Final = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
)
_SAFE_URL: Final = re.compile(
    r"^(?:https?:|mailto:|tel:|#|/|\./|\.\./|\?|[^:/?#]*(?:[/?#]|$))", re.I
)
_SAFE_DATA_IMAGE: Final = re.compile(
    r"^data:image/(?:png|gif|jpe?g|webp|avif);base64,[a-z0-9+/=]+$", re.I
)
_CONTROL_CHARS: Final = re.compile(r"[\x00-\x20\x7f]+")
_TAG_NAME: Final = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_ATTR_NAME: Final = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_.:-]{0,63}$")


class Markup(str):
    """HTML produced by the renderer; it is not escaped again."""

    __slots__ = ()


def escape(value: Any) -> str:
    if isinstance(value, Markup):
        return value
    return display_string(value).translate(_ESCAPE_TABLE)


_TAGS: Final = re.compile(r"<[^>]*>")


def attr_escape(value: Any) -> str:
    """An attribute value is always text: rendered HTML (a node given as a value) is reduced
    to its text first, then everything is escaped."""
    if isinstance(value, Markup):
        value = html.unescape(_TAGS.sub("", value))
    return display_string(value).translate(_ESCAPE_TABLE)


def text(value: Any) -> str:
    """A child value as HTML: Markup stays, lists are joined, everything else is escaped text."""
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPE_TABLE)  # type: ignore[no-any-return]
    if kind is int:
        return str(value)
    if isinstance(value, Markup):
        return value
    if isinstance(value, list):
        return "".join(text(v) for v in value)
    return display_string(value).translate(_ESCAPE_TABLE)


def safe_url(value: Any) -> str | None:
    """The URL if it is safe in href/src, else None (javascript:, vbscript:, non-image data:)."""
    if value is None or value is UNDEFINED or isinstance(value, bool):
        return None
    url = display_string(value).strip()
    if not url:
        return None
    probe = _CONTROL_CHARS.sub("", url)
    if _SAFE_DATA_IMAGE.match(probe):
        return url
    if _SAFE_URL.match(probe) and not probe.lower().startswith(
        ("javascript:", "vbscript:", "data:")
    ):
        return url
    return None


def safe_tag(name: Any, default: str) -> str:
    if (
        isinstance(name, str)
        and _TAG_NAME.match(name)
        and name
        not in (
            "script",
            "style",
            "iframe",
            "object",
            "embed",
            "base",
            "meta",
            "link",
            "template",
            "noscript",
            "frame",
            "frameset",
            "svg",
            "math",
        )
    ):
        return name
    return default


def attrs(pairs: Iterable[tuple[str, Any]]) -> str:
    """Serialise attributes; `None`/`False`/undefined are dropped, `True` is a bare attribute."""
    out: list[str] = []
    for name, value in pairs:
        if value is None or value is False or value is UNDEFINED:
            continue
        if not _ATTR_NAME.match(name) or name.lower().startswith("on"):
            continue
        if value is True:
            out.append(f" {name}")
        else:
            out.append(f' {name}="{attr_escape(value)}"')
    return "".join(out)


def json_attr(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def class_list(*parts: Any) -> str | None:
    names = [p for p in parts if isinstance(p, str) and p]
    return " ".join(names) if names else None


def style_value(mapping: Mapping[str, Any]) -> str:
    return ";".join(f"{k}:{v}" for k, v in mapping.items())
