"""A complete HTML document around a rendered fragment (pages, previews, static export).

CSS goes in `<style>` elements carrying the CSP nonce when one is given, so a policy such as
`default-src 'self'; style-src 'self' 'nonce-…'; script-src 'self'` holds: the renderer never
emits inline scripts or event attributes.
"""

from __future__ import annotations

from typing import Literal

from web.render.html import attrs, escape
from web.render.theme import base_stylesheet

Theme = Literal["light", "dark", "auto"]


def page_html(
    body: str,
    *,
    title: str,
    css: str = "",
    theme_css: str = "",
    lang: str = "en",
    theme: Theme = "auto",
    nonce: str | None = None,
    stylesheet_href: str | None = None,
    script_src: str | None = None,
    inline_base_css: bool = True,
) -> str:
    """`body` is renderer output (already safe HTML); everything else is escaped here."""
    style_attrs = attrs([("nonce", nonce)])
    head = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
    ]
    if stylesheet_href:
        head.append(f"<link{attrs([('rel', 'stylesheet'), ('href', stylesheet_href)])}>")
    elif inline_base_css:
        head.append(f"<style{style_attrs}>{_style_text(base_stylesheet())}</style>")
    if theme_css:
        head.append(f"<style{style_attrs}>{_style_text(theme_css)}</style>")
    if css:
        head.append(f"<style{style_attrs}>{_style_text(css)}</style>")
    if script_src:
        head.append(
            f"<script{attrs([('src', script_src), ('defer', True), ('nonce', nonce)])}></script>"
        )
    root = attrs([("lang", lang), ("data-theme", None if theme == "auto" else theme)])
    return f"<!doctype html><html{root}><head>{''.join(head)}</head><body>{body}</body></html>"


def _style_text(css: str) -> str:
    # Generated CSS never contains "<"; this guards against a `</style>` in any future source.
    return css.replace("<", "\\3c ")
