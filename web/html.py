"""The HTML document around a rendered page: head, theme, client runtime, main region.

`<main id="mb-main">` is the region the client runtime swaps after an action; a request with
`X-MB-Fragment: main` gets only its inner HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

RUNTIME_JS = "/static/build/runtime.js"
BASE_CSS = "/static/render/base.css"
FRAGMENT_HEADER = "x-mb-fragment"


@dataclass(frozen=True)
class Document:
    title: str
    tenant_slug: str
    csrf_token: str
    body: str
    css: str = ""
    head_css: str = ""


def main_fragment(body: str, css: str) -> str:
    style = f"<style>{css}</style>" if css else ""
    return style + body


def render_document(doc: Document) -> str:
    head_style = f"<style>{doc.head_css}</style>" if doc.head_css else ""
    return (
        "<!doctype html>"
        '<html lang="en">'
        "<head>"
        '<meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(doc.title)}</title>"
        f'<meta name="mb-tenant" content="{escape(doc.tenant_slug)}">'
        f'<meta name="mb-csrf" content="{escape(doc.csrf_token)}">'
        f'<link rel="stylesheet" href="{BASE_CSS}">'
        f"{head_style}"
        f'<script src="{RUNTIME_JS}" defer></script>'
        "</head>"
        "<body>"
        f'<main id="mb-main">{main_fragment(doc.body, doc.css)}</main>'
        '<div id="mb-toasts" class="mb-toasts" role="status" aria-live="polite"></div>'
        "</body>"
        "</html>"
    )


def message_page(title: str, lines: list[str], *, link: tuple[str, str] | None = None) -> str:
    """Body of a plain system page (404, access denied): escaped text, one optional link."""
    parts = [f'<section class="mb-system-page"><h1>{escape(title)}</h1>']
    parts += [f"<p>{escape(line)}</p>" for line in lines]
    if link is not None:
        href, text = link
        parts.append(f'<p><a href="{escape(href)}">{escape(text)}</a></p>')
    parts.append("</section>")
    return "".join(parts)
