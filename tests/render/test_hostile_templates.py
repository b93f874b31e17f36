"""Templates and data written to attack the page cannot inject markup, script or styles."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from tests.render.helpers import render


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.mark.parametrize(
    ("node", "props"),
    [
        ({"type": "Box", "onmouseover": "alert(1)", "children": "x"}, {}),
        ({"type": "Box", "data-x": XSS, "aria-label": XSS, "title": XSS, "id": XSS}, {}),
        ({"type": "Box", "className": 'a" onclick="alert(1)', "children": "x"}, {}),
        ({"type": "Box", "className": "{{v}}"}, {"v": XSS}),
        ({"type": "Box", "component": "script", "children": "alert(1)"}, {}),
        ({"type": "Box", "component": "iframe", "children": "x"}, {}),
        ({"type": "script", "children": "alert(1)"}, {}),
        ({"type": "a", "href": "javascript:alert(1)", "children": "x"}, {}),
        ({"type": "Link", "href": "{{v}}", "children": "x"}, {"v": "javascript:alert(1)"}),
        ({"type": "Image", "src": "data:image/svg+xml;base64,PHN2Zy8+", "alt": "x"}, {}),
        ({"type": "Iframe", "src": "javascript:alert(1)"}, {}),
        ({"type": "Avatar", "src": "vbscript:msgbox", "alt": XSS}, {}),
        ({"type": "Text", "children": "{{v}}"}, {"v": XSS}),
        ({"type": "Text", "children": "prefix {{v}}"}, {"v": XSS}),
        ({"type": "Chip", "label": "{{v}}"}, {"v": XSS}),
        (
            {"type": "TextField", "label": "{{v}}", "value": "{{v}}", "placeholder": "{{v}}"},
            {"v": XSS},
        ),
        ({"type": "Select", "options": [{"value": XSS, "label": XSS}]}, {}),
        (
            {"type": "Button", "onClick": "{{() => go(v)}}", "children": "x"},
            {"v": "'><script>alert(1)</script>"},
        ),
        ({"type": "Icon", "name": "{{v}}"}, {"v": XSS}),
        ({"type": "Box", "children": [{"type": "{{v}}"}]}, {"v": "script"}),
    ],
)
def test_no_script_or_handler_attribute_reaches_the_page(
    node: dict[str, Any], props: dict[str, Any]
) -> None:
    html = render(node, props=props).html
    parsed = _Collect()
    parsed.feed(html)
    for tag, attributes in parsed.tags:
        assert tag not in ("script", "img") or (tag == "img" and attributes.get("src") != "x")
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        for name in ("href", "src"):
            value = (attributes.get(name) or "").lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:image/svg")), value
        assert tag != "iframe" or "sandbox" in attributes


@pytest.mark.parametrize(
    "sx",
    [
        {"color": "red}</style><script>alert(1)</script>"},
        {"&:hover": {"color": "red;}</style><script>"}},
        {"</style><script>": {"color": "red"}},
        {"background": "url(javascript:alert(1))"},
    ],
)
def test_no_style_breakout(sx: dict[str, Any]) -> None:
    result = render({"type": "Box", "sx": sx})
    assert "<" not in result.css and "javascript" not in result.css


def test_handler_input_json_cannot_break_out_of_its_attribute() -> None:
    html = render(
        {"type": "Button", "onClick": "{{() => go(v)}}", "children": "x"},
        props={"v": "' onclick='alert(1)"},
    ).html
    assert "data-mb-input='[\"&#x27; onclick=&#x27;alert(1)\"]'" in html
