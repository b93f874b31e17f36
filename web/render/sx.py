"""`sx` (MUI system style objects) -> scoped CSS classes.

    {"p": 2, "fontSize": {"xs": "1rem", "md": "2rem"}, "&:hover": {"bgcolor": "primary.main"}}
 -> .sx-1a2b3c4d{padding:16px;font-size:1rem}
    @media (min-width:900px){.sx-1a2b3c4d{font-size:2rem}}
    .sx-1a2b3c4d:hover{background-color:var(--mb-primary-main)}

Spacing numbers are multiples of 8px, `borderRadius` numbers multiples of 4px, palette paths
become CSS variables of the theme. Class names hash the style object, so equal styles share one
class. Values that could escape a declaration (`;{}<`, `expression(`, `javascript:`) are dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from scripts_runtime.expr import UNDEFINED

SPACING_UNIT: Final = 8
RADIUS_UNIT: Final = 4
BREAKPOINTS: Final = {"xs": 0, "sm": 600, "md": 900, "lg": 1200, "xl": 1536}

_SPACING_KEYS: Final = {
    "p": ("padding",),
    "pt": ("padding-top",),
    "pr": ("padding-right",),
    "pb": ("padding-bottom",),
    "pl": ("padding-left",),
    "px": ("padding-left", "padding-right"),
    "py": ("padding-top", "padding-bottom"),
    "m": ("margin",),
    "mt": ("margin-top",),
    "mr": ("margin-right",),
    "mb": ("margin-bottom",),
    "ml": ("margin-left",),
    "mx": ("margin-left", "margin-right"),
    "my": ("margin-top", "margin-bottom"),
    "padding": ("padding",),
    "paddingTop": ("padding-top",),
    "paddingRight": ("padding-right",),
    "paddingBottom": ("padding-bottom",),
    "paddingLeft": ("padding-left",),
    "paddingX": ("padding-left", "padding-right"),
    "paddingY": ("padding-top", "padding-bottom"),
    "margin": ("margin",),
    "marginTop": ("margin-top",),
    "marginRight": ("margin-right",),
    "marginBottom": ("margin-bottom",),
    "marginLeft": ("margin-left",),
    "marginX": ("margin-left", "margin-right"),
    "marginY": ("margin-top", "margin-bottom"),
    "gap": ("gap",),
    "rowGap": ("row-gap",),
    "columnGap": ("column-gap",),
}
_ALIASES: Final = {"bgcolor": "background-color", "bg": "background"}
_COLOR_KEYS: Final = frozenset(
    {
        "color",
        "bgcolor",
        "backgroundColor",
        "background",
        "borderColor",
        "borderTopColor",
        "borderBottomColor",
        "borderLeftColor",
        "borderRightColor",
        "outlineColor",
        "fill",
        "stroke",
        "caretColor",
        "textDecorationColor",
    }
)
_SIZE_KEYS: Final = frozenset(
    {"width", "height", "minWidth", "maxWidth", "minHeight", "maxHeight", "flexBasis"}
)
_UNITLESS: Final = frozenset(
    {
        "fontWeight",
        "lineHeight",
        "opacity",
        "zIndex",
        "flex",
        "flexGrow",
        "flexShrink",
        "order",
        "zoom",
        "gridColumn",
        "gridRow",
        "columnCount",
        "aspectRatio",
    }
)
_BORDER_KEYS: Final = frozenset(
    {"border", "borderTop", "borderRight", "borderBottom", "borderLeft"}
)
_PALETTE_ROOTS: Final = frozenset(
    {
        "primary",
        "secondary",
        "error",
        "warning",
        "info",
        "success",
        "text",
        "background",
        "grey",
        "divider",
        "action",
        "common",
    }
)
_PALETTE_PATH: Final = re.compile(r"^([a-z]+)(?:\.([A-Za-z0-9]+))?$")
_PROPERTY: Final = re.compile(r"^-?[a-zA-Z][a-zA-Z0-9-]*$")
_BAD_VALUE: Final = re.compile(r"[;{}<>\\]|expression\s*\(|javascript:|@import|behavior\s*:", re.I)
_SELECTOR: Final = re.compile(r"^[a-zA-Z0-9&:.#\-_ >+~*()\[\]=\"',]+$")


def kebab(name: str) -> str:
    out = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name)
    if name[:1].isupper() or name.startswith(("Webkit", "Moz", "ms")):
        out = "-" + out.lstrip("-")
    return out


def palette_value(value: str) -> str:
    match = _PALETTE_PATH.match(value)
    if match and match.group(1) in _PALETTE_ROOTS:
        root, leaf = match.group(1), match.group(2)
        return f"var(--mb-{root}-{kebab(leaf).lstrip('-')})" if leaf else f"var(--mb-{root})"
    return value


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 4))


def css_value(key: str, value: Any, *, system: bool = True) -> str | None:
    """One declaration value, or None when the value is unusable or unsafe."""
    if value is None or value is UNDEFINED or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, int | float):
        if not system:
            return _number(value) if key in _UNITLESS else f"{_number(value)}px"
        if key in _SPACING_KEYS:
            return f"{_number(value * SPACING_UNIT)}px"
        if key == "borderRadius":
            return f"{_number(value * RADIUS_UNIT)}px"
        if key in _BORDER_KEYS:
            return f"{_number(value)}px solid"
        if key in _SIZE_KEYS:
            return f"{_number(value * 100)}%" if 0 < value <= 1 else f"{_number(value)}px"
        if key in _UNITLESS:
            return _number(value)
        return f"{_number(value)}px"
    text = str(value).strip()
    if not text or _BAD_VALUE.search(text) or len(text) > 2000:
        return None
    if "url(" in text.lower() and not re.search(
        r"url\(\s*['\"]?(?:https?:|/|data:image/)", text, re.I
    ):
        return None
    if system and key in _COLOR_KEYS:
        return palette_value(text)
    if system and key in _SPACING_KEYS and re.fullmatch(r"-?\d+(\.\d+)?", text):
        return f"{_number(float(text) * SPACING_UNIT)}px"
    return text


def _declarations(key: str, value: Any, *, system: bool) -> list[str]:
    css = css_value(key, value, system=system)
    if css is None:
        return []
    if system and key in _SPACING_KEYS:
        props = _SPACING_KEYS[key]
    elif key in _ALIASES:
        props = (_ALIASES[key],)
    elif key.startswith("--") and re.fullmatch(r"--[a-zA-Z0-9-]+", key):
        props = (key,)
    elif _PROPERTY.match(key):
        props = (kebab(key),)
    else:
        return []
    return [f"{p}:{css}" for p in props]


def _is_responsive(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(k in BREAKPOINTS for k in value)


def compile_rules(selector: str, style: Mapping[str, Any], *, system: bool = True) -> list[str]:
    """CSS rules for one style object under `selector` (nested selectors and media included)."""
    base: list[str] = []
    media: dict[int, list[str]] = {}
    nested: list[str] = []
    for key, value in style.items():
        if not isinstance(key, str):
            continue
        if _is_responsive(value):
            for bp, bp_value in value.items():
                decls = _declarations(key, bp_value, system=system)
                if BREAKPOINTS[bp] == 0:
                    base.extend(decls)
                else:
                    media.setdefault(BREAKPOINTS[bp], []).extend(decls)
        elif isinstance(value, Mapping):
            if key.startswith("@media") and not _BAD_VALUE.search(key):
                inner = compile_rules(selector, value, system=system)
                if inner:
                    nested.append(f"{key}{{{''.join(inner)}}}")
                continue
            sub = _nested_selector(selector, key)
            if sub is not None:
                nested.extend(compile_rules(sub, value, system=system))
        else:
            base.extend(_declarations(key, value, system=system))
    rules: list[str] = []
    if base:
        rules.append(f"{selector}{{{';'.join(base)}}}")
    for width in sorted(media):
        if media[width]:
            rules.append(f"@media (min-width:{width}px){{{selector}{{{';'.join(media[width])}}}}}")
    rules.extend(nested)
    return rules


def _nested_selector(parent: str, key: str) -> str | None:
    if not _SELECTOR.match(key) or len(key) > 200:
        return None
    parts = []
    for piece in key.split(","):
        piece = piece.strip()
        if "&" in piece:
            parts.append(piece.replace("&", parent))
        elif piece.startswith(":"):
            parts.append(parent + piece)
        else:
            parts.append(f"{parent} {piece}")
    return ",".join(parts)


def _canonical(style: Mapping[str, Any], system: bool) -> str:
    return json.dumps([system, style], sort_keys=True, default=str, separators=(",", ":"))


class StyleSheet:
    """Class names and CSS for style objects, memoised across renders (bounded)."""

    MAX_ENTRIES: Final = 50_000

    def __init__(self) -> None:
        self._by_key: dict[str, tuple[str, str]] = {}

    def class_for(self, style: Mapping[str, Any], *, system: bool = True) -> tuple[str, str]:
        """(class name, css) for a style object; the css is empty if nothing survives."""
        key = _canonical(style, system)
        found = self._by_key.get(key)
        if found is not None:
            return found
        digest = hashlib.blake2s(key.encode(), digest_size=5).hexdigest()
        name = f"sx-{digest}"
        css = "\n".join(compile_rules(f".{name}", style, system=system))
        result = (name, css) if css else ("", "")
        if len(self._by_key) >= self.MAX_ENTRIES:
            self._by_key.clear()
        self._by_key[key] = result
        return result
