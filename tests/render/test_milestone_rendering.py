"""Core rendering rules: primitives, interpolation, escaping, the event protocol."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.render.helpers import MemoryPackages, component, render
from web.render import RenderContext, Renderer


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"type": "Box", "children": "hi"}, '<div class="mb-box">hi</div>'),
        (
            {"type": "Box", "component": "section", "children": "x"},
            '<section class="mb-box">x</section>',
        ),
        ({"type": "Typography", "variant": "h2", "children": "T"}, "<h2 "),
        ({"type": "Typography", "variant": "body2", "children": "T"}, "<p "),
        ({"type": "Text", "children": "T"}, '<span class="mb-text">T</span>'),
        ({"type": "Text", "props": {"text": "wrapped"}}, ">wrapped</span>"),
        (
            {"type": "Button", "variant": "contained", "children": "Go"},
            '<button class="mb-button mb-button--contained mb-button--primary" type="button">'
            "Go</button>",
        ),
        (
            {"type": "Card", "children": [{"type": "CardContent", "children": "c"}]},
            '<div class="mb-card"><div class="mb-card-content">c</div></div>',
        ),
        ({"type": "Stack", "children": "s"}, 'class="mb-stack sx-'),
    ],
)
def test_primitive_renders_semantic_html(node: dict[str, Any], expected: str) -> None:
    result = render(node)
    assert expected in result.html
    assert result.placeholders == []


def test_whole_string_binding_keeps_value_and_mixed_interpolates() -> None:
    template = {
        "type": "Box",
        "children": [
            {"type": "Text", "children": "{{title}}"},
            {"type": "Text", "children": "Page {{page}} of {{pages}}"},
            {"type": "Text", "children": "{{data.greeting}} {{state.count}}"},
            {"type": "Text", "children": "{{props.title}}"},
        ],
    }
    result = render(
        template,
        declared=[{"name": "title", "default": "Default title"}, {"name": "page", "default": 1}],
        props={"pages": 5},
        data={"greeting": "hello"},
        state=[{"name": "count", "type": "number", "default": 3}],
    )
    texts = re.findall(r'<span class="mb-text">(.*?)</span>', result.html)
    assert texts == ["Default title", "Page 1 of 5", "hello 3", "Default title"]
    assert result.failed_expressions == []


def test_passed_props_override_defaults() -> None:
    result = render(
        {"type": "Text", "children": "{{title}}"},
        declared=[{"name": "title", "default": "d"}],
        props={"title": "given"},
    )
    assert ">given<" in result.html


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", '" onmouseover="x', "' onfocus='y", "<img src=x onerror=z>"],
)
def test_text_and_attributes_are_escaped_by_construction(payload: str) -> None:
    template = {
        "type": "Box",
        "title": "{{v}}",
        "children": [{"type": "Text", "children": "{{v}}"}, "pre {{v}} post"],
    }
    html = render(template, props={"v": payload}).html
    assert "<script" not in html and "<img" not in html
    assert 'onmouseover="' not in html and "onfocus='" not in html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:x",
        "data:text/html,<b>",
    ],
)
def test_dangerous_urls_are_dropped_from_href(url: str) -> None:
    html = render({"type": "Button", "href": "{{u}}", "children": "x"}, props={"u": url}).html
    assert "href" not in html


def test_safe_urls_are_kept() -> None:
    html = render({"type": "Button", "href": "/docs?a=1&b=2", "children": "x"}).html
    assert 'href="/docs?a=1&amp;b=2"' in html


def _action(html: str) -> dict[str, Any]:
    found = re.search(
        r'data-mb-action="([^"]*)" data-mb-event="([^"]*)" data-mb-package="([^"]*)"'
        r"(?: data-mb-input='([^']*)')?",
        html,
    )
    assert found, html
    out: dict[str, Any] = {
        "action": found.group(1),
        "event": found.group(2),
        "package": found.group(3),
    }
    if found.group(4) is not None:
        out["input"] = json.loads(
            found.group(4)
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
        )
    return out


@pytest.mark.parametrize(
    ("handler", "scope", "expected"),
    [
        ("increment", {}, {"action": "increment", "event": "click", "package": "pkg"}),
        ("{{increment}}", {}, {"action": "increment", "event": "click", "package": "pkg"}),
        (
            "{{() => onSelect(item)}}",
            {"item": {"id": 7}},
            {"action": "onSelect", "event": "click", "package": "pkg", "input": [{"id": 7}]},
        ),
        (
            "{{onNavigate(2)}}",
            {},
            {"action": "onNavigate", "event": "click", "package": "pkg", "input": [2]},
        ),
        (
            "{{(e) => setName(e.target.value)}}",
            {},
            {
                "action": "setName",
                "event": "click",
                "package": "pkg",
                "input": [{"$event": "target.value"}],
            },
        ),
        (
            "{{handlers.save}}",
            {"handlers": {}},
            {"action": "save", "event": "click", "package": "pkg"},
        ),
        (
            "{{sortable ? sort : null}}",
            {"sortable": True},
            {"action": "sort", "event": "click", "package": "pkg"},
        ),
        (
            "{{onClose}}",
            {"onClose": "closeDialog"},
            {"action": "closeDialog", "event": "click", "package": "pkg"},
        ),
    ],
)
def test_event_handlers_follow_the_action_protocol(
    handler: str, scope: dict[str, Any], expected: dict[str, Any]
) -> None:
    result = render({"type": "Button", "onClick": handler, "children": "x"}, props=scope)
    assert _action(result.html) == expected
    assert "onclick" not in result.html.lower()


def test_events_map_and_wrapped_props_style() -> None:
    node = {
        "type": "Button",
        "props": {"size": "sm", "disabled": "{{loading}}"},
        "events": {"onClick": "loadLogs"},
        "children": [{"type": "Text", "props": {"text": "Refresh"}}],
    }
    result = render(node, props={"loading": False})
    assert _action(result.html)["action"] == "loadLogs"
    assert ">Refresh<" in result.html and "disabled" not in result.html
    assert "mb-button--sm" in result.html


def test_conditional_hides_handler_when_branch_is_null() -> None:
    html = render(
        {"type": "Button", "onClick": "{{sortable ? sort : null}}", "children": "x"},
        props={"sortable": False},
    ).html
    assert "data-mb-action" not in html


def test_handler_passed_down_keeps_declaring_package() -> None:
    packages = MemoryPackages()
    child = component(
        {"type": "Button", "onClick": "{{onPick}}", "children": "pick"},
        id="child",
        name="Child",
        props=[{"name": "onPick", "type": "function"}],
    )
    packages.add("lib", [child])
    parent = component({"type": "Child", "onPick": "{{() => choose(item)}}"}, id="parent")
    packages.add("app", [parent], deps=["lib"])
    renderer = Renderer(resolve=packages.resolve)
    result = renderer.render("app", parent, {"item": "a"}, RenderContext(tenant="t"))
    assert _action(result.html) == {
        "action": "choose",
        "event": "click",
        "package": "app",
        "input": ["a"],
    }


def test_compiled_components_are_cached_per_definition() -> None:
    renderer = Renderer()
    definition = component({"type": "Text", "children": "x"})
    assert renderer.compile("p", definition) is renderer.compile("p", definition)
    changed = dict(definition)
    assert renderer.compile("p", changed) is not renderer.compile("p", definition)


def test_sx_becomes_a_scoped_class_with_css() -> None:
    result = render(
        {
            "type": "Box",
            "sx": {"p": 2, "color": "text.secondary", "&:hover": {"bgcolor": "primary.main"}},
        }
    )
    cls = re.search(r"(sx-[0-9a-f]+)", result.html)
    assert cls
    assert f".{cls.group(1)}{{padding:16px;color:var(--mb-text-secondary)}}" in result.css
    assert f".{cls.group(1)}:hover{{background-color:var(--mb-primary-main)}}" in result.css


@pytest.mark.parametrize(
    ("node", "event"),
    [
        ({"type": "ListItem", "onSelect": "pick", "children": "x"}, "click"),
        ({"type": "Box", "onSend": "send", "children": "x"}, "click"),
        ({"type": "TextField", "onKeyPress": "key"}, "keypress"),
        ({"type": "TextField", "onBlur": "left"}, "blur"),
        ({"type": "form", "onSubmit": "save", "children": "x"}, "submit"),
    ],
)
def test_custom_handler_names_become_browser_events(node: dict[str, Any], event: str) -> None:
    assert f'data-mb-event="{event}"' in render(node).html


def test_several_handlers_on_one_element() -> None:
    html = render({"type": "TextField", "onChange": "typed", "onBlur": "left"}).html
    assert 'data-mb-action="typed" data-mb-event="change"' in html
    assert 'data-mb-events=\'{"blur":{"action":"left","package":"pkg"}}\'' in html
