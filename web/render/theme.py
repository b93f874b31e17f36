"""Design tokens (`styles/tokens.json`) -> CSS custom properties, light and dark.

    {"colors": {"primary": "oklch(0.45 0.15 265)"}, "spacing": {"card": "24px"}}
 -> :root{--color-primary:oklch(0.45 0.15 265);--color-primary-rgb:52, 68, 160;...
          --mb-primary-main:var(--color-primary);...;--spacing-card:24px}
    [data-theme=dark]{--color-background:...}   and the same under prefers-color-scheme: dark

Every token group becomes `--<group>-<name>`; colours also get an `-rgb` triplet (the original
data writes `rgba(var(--color-primary-rgb), 0.05)`) and feed the renderer's palette variables
(`--mb-primary-main`, `--mb-text-secondary`, ...) that `sx` palette paths read. A dark theme is
taken from `colors.dark` / `darkColors` when the package has one, else derived by mirroring the
lightness of the neutral colours (background, foreground, muted, border...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from web.render.sx import kebab

BASE_STYLESHEET_PATH: Final = Path(__file__).with_name("static") / "base.css"

_SKIP_GROUPS: Final = frozenset(
    {"$schema", "schemaVersion", "package", "description", "components", "customStyles"}
)
_GROUP_PREFIX: Final = {
    "colors": "color",
    "spacing": "spacing",
    "shadows": "shadow",
    "typography": "font",
    "borders": "border",
    "borderRadius": "radius",
    "transitions": "transition",
    "breakpoints": "breakpoint",
    "gradients": "gradient",
    "zIndex": "z",
    "sizing": "size",
    "dimensions": "size",
    "animations": "animation",
    "layout": "layout",
}
_PALETTE: Final = {
    "primary": ("--mb-primary-main",),
    "secondary": ("--mb-secondary-main",),
    "accent": ("--mb-secondary-main",),
    "error": ("--mb-error-main",),
    "destructive": ("--mb-error-main",),
    "danger": ("--mb-error-main",),
    "warning": ("--mb-warning-main",),
    "success": ("--mb-success-main",),
    "info": ("--mb-info-main",),
    "background": ("--mb-background-default",),
    "foreground": ("--mb-text-primary",),
    "text": ("--mb-text-primary",),
    "mutedForeground": ("--mb-text-secondary",),
    "textSecondary": ("--mb-text-secondary",),
    "muted": ("--mb-background-muted",),
    "border": ("--mb-divider",),
    "divider": ("--mb-divider",),
    "card": ("--mb-background-paper",),
    "surface": ("--mb-background-paper",),
    "paper": ("--mb-background-paper",),
}
_NEUTRAL: Final = frozenset(
    {
        "background",
        "foreground",
        "text",
        "muted",
        "mutedForeground",
        "border",
        "divider",
        "card",
        "surface",
        "paper",
        "textSecondary",
        "input",
    }
)
_UNSAFE: Final = re.compile(r"[;{}<>\\]|expression\s*\(|javascript:|@import|url\s*\(", re.I)
_HEX: Final = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_OKLCH: Final = re.compile(
    r"^oklch\(\s*([\d.]+)(%?)\s+([\d.]+)\s+([\d.]+)(?:deg)?\s*(?:/\s*[\d.%]+\s*)?\)$", re.I
)


def _safe(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 500 or _UNSAFE.search(text):
        return None
    return text


def _name(*parts: str) -> str:
    joined = "-".join(kebab(p).strip("-") for p in parts if p)
    return re.sub(r"[^a-z0-9-]", "", joined.lower())


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if isinstance(key, str):
                yield from _flatten(_name(prefix, key), inner)
        return
    safe = _safe(value)
    if safe is not None:
        yield prefix, safe


def rgb_triplet(color: str) -> str | None:
    """`#3b82f6` or `oklch(...)` -> "59, 130, 246" for `rgba(var(--x-rgb), a)`."""
    match = _HEX.match(color.strip())
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return ", ".join(str(int(digits[i : i + 2], 16)) for i in (0, 2, 4))
    found = _OKLCH.match(color.strip())
    if found:
        lightness = float(found.group(1)) / (100 if found.group(2) else 1)
        r, g, b = oklch_to_srgb(lightness, float(found.group(3)), float(found.group(4)))
        return f"{r}, {g}, {b}"
    return None


def oklch_to_srgb(lightness: float, chroma: float, hue: float) -> tuple[int, int, int]:
    a = chroma * math.cos(math.radians(hue))
    b = chroma * math.sin(math.radians(hue))
    l_ = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    m_ = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    s_ = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    linear = (
        4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_,
        -1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_,
        -0.0041960863 * l_ - 0.7034186147 * m_ + 1.7076147010 * s_,
    )

    def encode(c: float) -> int:
        c = min(1.0, max(0.0, c))
        v = 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
        return round(v * 255)

    r, g, b_ = (encode(c) for c in linear)
    return r, g, b_


def _mirror(color: str, floor: float = 0.12) -> str:
    """A dark-mode counterpart of a neutral colour: mirror OKLCH lightness or hex luminance."""
    found = _OKLCH.match(color.strip())
    if found:
        lightness = float(found.group(1)) / (100 if found.group(2) else 1)
        mirrored = round(min(0.98, max(floor, 1.1 - lightness)), 3)
        return f"oklch({mirrored} {found.group(3)} {found.group(4)})"
    match = _HEX.match(color.strip())
    if match:
        triplet = rgb_triplet(color)
        assert triplet is not None
        r, g, b = (255 - int(x) for x in triplet.split(", "))
        return f"#{r:02x}{g:02x}{b:02x}"
    return color


def _color_declarations(colors: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key, value in colors.items():
        if not isinstance(key, str) or key in ("dark", "light"):
            continue
        if isinstance(value, Mapping):
            for name, inner in _flatten(_name("color", key), value):
                out.append(f"--{name}:{inner}")
            main = value.get("main", value.get("DEFAULT"))
            if isinstance(main, str) and _safe(main) and key in _PALETTE:
                out.extend(f"{var}:{main}" for var in _PALETTE[key])
            continue
        safe = _safe(value)
        if safe is None:
            continue
        name = _name("color", key)
        out.append(f"--{name}:{safe}")
        triplet = rgb_triplet(safe)
        if triplet:
            out.append(f"--{name}-rgb:{triplet}")
        out.extend(f"{var}:var(--{name})" for var in _PALETTE.get(key, ()))
    return out


def _dark_colors(tokens: Mapping[str, Any]) -> Mapping[str, Any]:
    colors = tokens.get("colors")
    colors = colors if isinstance(colors, Mapping) else {}
    for candidate in (
        colors.get("dark"),
        tokens.get("darkColors"),
        (tokens.get("dark") or {}).get("colors")
        if isinstance(tokens.get("dark"), Mapping)
        else None,
    ):
        if isinstance(candidate, Mapping):
            return candidate
    # Borders stay visible on dark surfaces: they mirror to no darker than L=0.36.
    return {
        k: _mirror(v, 0.36 if k in ("border", "divider", "input") else 0.12)
        for k, v in colors.items()
        if k in _NEUTRAL and isinstance(v, str)
    }


def theme_css(tokens: Mapping[str, Any], *, selector: str = ":root") -> str:
    """CSS custom properties for one package's tokens, light and dark."""
    light: list[str] = []
    for group, value in tokens.items():
        if not isinstance(group, str) or group in _SKIP_GROUPS:
            continue
        if group == "colors" and isinstance(value, Mapping):
            light.extend(_color_declarations(value))
            continue
        prefix = _GROUP_PREFIX.get(group, _name(group))
        light.extend(f"--{name}:{inner}" for name, inner in _flatten(prefix, value))
    dark = _color_declarations(_dark_colors(tokens))
    rules = [f"{selector}{{{';'.join(light)}}}"] if light else []
    if dark:
        body = ";".join(dark)
        scoped = f" {selector}" if selector != ":root" else ""
        media = "@media (prefers-color-scheme:dark)"
        rules.append(f"{media}{{:root:not([data-theme=light]){scoped}{{{body}}}}}")
        rules.append(f"[data-theme=dark]{scoped}{{{body}}}")
    return "\n".join(rules)


_BASE_CACHE: dict[str, str] = {}


def base_stylesheet() -> str:
    """The design system's base CSS (palette defaults light/dark, `.mb-*` primitive styles)."""
    css = _BASE_CACHE.get("css")
    if css is None:
        css = BASE_STYLESHEET_PATH.read_text(encoding="utf-8")
        _BASE_CACHE["css"] = css
    return css
