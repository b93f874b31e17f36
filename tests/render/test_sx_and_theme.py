"""`sx` -> scoped CSS (reference section 2.11) and tokens.json -> CSS variables."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.render.helpers import render
from web.render.sx import StyleSheet, compile_rules
from web.render.theme import base_stylesheet, oklch_to_srgb, rgb_triplet, theme_css


@pytest.mark.parametrize(
    ("sx", "expected"),
    [
        ({"p": 2}, ".x{padding:16px}"),
        ({"py": 1.5}, ".x{padding-top:12px;padding-bottom:12px}"),
        ({"mx": "auto"}, ".x{margin-left:auto;margin-right:auto}"),
        ({"gap": 3}, ".x{gap:24px}"),
        ({"mt": "2"}, ".x{margin-top:16px}"),
        ({"color": "text.secondary"}, ".x{color:var(--mb-text-secondary)}"),
        ({"bgcolor": "primary.main"}, ".x{background-color:var(--mb-primary-main)}"),
        ({"borderColor": "divider"}, ".x{border-color:var(--mb-divider)}"),
        ({"bgcolor": "grey.800"}, ".x{background-color:var(--mb-grey-800)}"),
        ({"color": "#ff0000"}, ".x{color:#ff0000}"),
        (
            {"color": "rgba(var(--color-primary-rgb), 0.05)"},
            ".x{color:rgba(var(--color-primary-rgb), 0.05)}",
        ),
        ({"border": 2}, ".x{border:2px solid}"),
        ({"borderRadius": 2}, ".x{border-radius:8px}"),
        ({"width": 0.5}, ".x{width:50%}"),
        ({"width": 300}, ".x{width:300px}"),
        ({"fontWeight": 700, "lineHeight": 1.1}, ".x{font-weight:700;line-height:1.1}"),
        ({"fontSize": 14}, ".x{font-size:14px}"),
        ({"WebkitBackgroundClip": "text"}, ".x{-webkit-background-clip:text}"),
        ({"--accent": "red"}, ".x{--accent:red}"),
        (
            {"fontSize": {"xs": "2.5rem", "md": "4rem"}},
            ".x{font-size:2.5rem}\n@media (min-width:900px){.x{font-size:4rem}}",
        ),
        (
            {"p": {"sm": 1, "lg": 4}},
            "@media (min-width:600px){.x{padding:8px}}\n"
            "@media (min-width:1200px){.x{padding:32px}}",
        ),
        (
            {"&:hover": {"bgcolor": "action.hover"}},
            ".x:hover{background-color:var(--mb-action-hover)}",
        ),
        ({":focus": {"outline": "none"}}, ".x:focus{outline:none}"),
        ({"input": {"color": "red"}}, ".x input{color:red}"),
        ({"& .title, & .sub": {"m": 0}}, ".x .title,.x .sub{margin:0px}"),
    ],
)
def test_sx_compiles_to_css(sx: dict[str, Any], expected: str) -> None:
    assert "\n".join(compile_rules(".x", sx)) == expected


@pytest.mark.parametrize(
    "sx",
    [
        {"color": "red;} body{display:none"},
        {"background": "url(javascript:alert(1))"},
        {"width": "expression(alert(1))"},
        {"color": "</style><script>alert(1)</script>"},
        {"background": "url(http://x) ; x"},
        {"bad key!": "red"},
        {"@import url(x)": {"color": "red"}},
        {"} body {": {"color": "red"}},
    ],
)
def test_unsafe_sx_is_dropped(sx: dict[str, Any]) -> None:
    assert compile_rules(".x", sx) == []


def test_equal_styles_share_one_class() -> None:
    sheet = StyleSheet()
    first = sheet.class_for({"p": 1, "m": 2})
    assert first == sheet.class_for({"m": 2, "p": 1})
    assert first != sheet.class_for({"p": 2})


def test_sx_with_expressions_is_evaluated_per_render() -> None:
    node = {"type": "Box", "sx": {"color": "{{level === 'error' ? 'error.main' : 'grey.300'}}"}}
    error = render(node, props={"level": "error"})
    info = render(node, props={"level": "info"})
    assert "color:var(--mb-error-main)" in error.css
    assert "color:var(--mb-grey-300)" in info.css


def test_style_objects_become_classes_not_inline_styles() -> None:
    result = render({"type": "video", "src": "/a.mp4", "style": {"width": 320, "opacity": 0.5}})
    assert "style=" not in result.html
    assert re.search(r"\{width:320px;opacity:0.5\}", result.css)


def test_system_props_on_layout_primitives() -> None:
    result = render(
        {
            "type": "Stack",
            "direction": {"xs": "column", "sm": "row"},
            "spacing": 2,
            "alignItems": "center",
        }
    )
    assert "display:flex;flex-direction:column;gap:16px;align-items:center" in result.css
    assert "@media (min-width:600px)" in result.css


@pytest.mark.parametrize(
    ("color", "triplet"),
    [
        ("#3b82f6", "59, 130, 246"),
        ("#fff", "255, 255, 255"),
        ("oklch(1 0 0)", "255, 255, 255"),
        ("oklch(0 0 0)", "0, 0, 0"),
        ("rgb(1,2,3)", None),
    ],
)
def test_rgb_triplets_for_rgba_var_usage(color: str, triplet: str | None) -> None:
    assert rgb_triplet(color) == triplet


def test_oklch_conversion_matches_a_known_colour() -> None:
    # oklch(0.628 0.2577 29.23) is sRGB red within rounding.
    r, g, b = oklch_to_srgb(0.628, 0.2577, 29.23)
    assert r >= 250 and g <= 5 and b <= 5


def test_tokens_become_css_variables_light_and_dark() -> None:
    tokens = {
        "$schema": "x",
        "colors": {"primary": "#3b82f6", "background": "oklch(0.98 0 0)", "foreground": "#111111"},
        "spacing": {"cardPadding": "24px"},
        "shadows": {"card": "0 2px 8px rgba(0, 0, 0, 0.1)"},
        "typography": {"heroTitle": {"fontWeight": 700}},
    }
    css = theme_css(tokens)
    light, media, dark = css.split("\n")
    assert light.startswith(":root{")
    for declaration in (
        "--color-primary:#3b82f6",
        "--color-primary-rgb:59, 130, 246",
        "--mb-primary-main:var(--color-primary)",
        "--mb-background-default:var(--color-background)",
        "--spacing-card-padding:24px",
        "--shadow-card:0 2px 8px rgba(0, 0, 0, 0.1)",
        "--font-hero-title-font-weight:700",
    ):
        assert declaration in light
    assert media.startswith("@media (prefers-color-scheme:dark){:root:not([data-theme=light]){")
    assert dark.startswith("[data-theme=dark]{")
    assert "--color-background:oklch(0.12 0 0)" in dark
    assert "--color-foreground:#eeeeee" in dark
    assert "--color-primary:" not in dark


def test_explicit_dark_colors_win_over_derived_ones() -> None:
    css = theme_css({"colors": {"background": "#fff", "dark": {"background": "#000"}}})
    assert "[data-theme=dark]{--color-background:#000" in css


def test_unsafe_token_values_are_dropped() -> None:
    css = theme_css(
        {
            "colors": {"primary": "red;}body{display:none", "ok": "#000"},
            "spacing": {"x": "url(javascript:1)"},
        }
    )
    assert "display:none" not in css and "javascript" not in css
    assert "--color-ok:#000" in css


def test_base_stylesheet_defines_the_palette_and_primitives() -> None:
    css = base_stylesheet()
    for needle in (
        "--mb-primary-main",
        "--mb-text-secondary",
        "[data-theme=dark]",
        ".mb-button",
        ".mb-placeholder",
        "prefers-color-scheme: dark",
    ):
        assert needle in css
