"""Structural nodes of reference section 2.4, every key variant, and composition rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.render.helpers import MemoryPackages, component, render
from web.render import RenderContext, Renderer, UserInfo

ITEMS = [{"id": 1, "label": "one"}, {"id": 2, "label": "two"}]


def texts(html: str) -> list[str]:
    return re.findall(r'<span class="mb-text">(.*?)</span>', html)


@pytest.mark.parametrize(
    "node",
    [
        {
            "type": "each",
            "items": "{{items}}",
            "as": "it",
            "render": {"type": "Text", "children": "{{it.label}}"},
        },
        {
            "type": "each",
            "items": "{{items}}",
            "as": "it",
            "index": "i",
            "render": {"type": "Text", "children": "{{it.label}}"},
        },
        {
            "type": "loop",
            "items": "{{items}}",
            "iterator": "it",
            "template": {"type": "Text", "children": "{{it.label}}"},
        },
        {
            "type": "loop",
            "source": "{{items}}",
            "render": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "loop",
            "source": "{{items}}",
            "itemKey": "id",
            "template": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "loop",
            "items": "{{items}}",
            "key": "{{item.id}}",
            "template": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "map",
            "items": "{{items}}",
            "template": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "map",
            "items": "{{items}}",
            "render": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "repeat",
            "items": "{{items}}",
            "template": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "iterate",
            "items": "{{items}}",
            "render": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "iterate",
            "over": "{{items}}",
            "as": "x",
            "render": {"type": "Text", "children": "{{x.label}}"},
        },
        {
            "type": "iterator",
            "items": "{{items}}",
            "render": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "iterator",
            "items": "{{items}}",
            "itemTemplate": {"type": "Text", "children": "{{item.label}}"},
        },
        {
            "type": "for_each",
            "items": "{{items}}",
            "as": "row",
            "render": {"type": "Text", "children": "{{row.label}}"},
        },
    ],
    ids=lambda node: f"{node['type']}-{'-'.join(sorted(k for k in node if k != 'type'))}",
)
def test_every_loop_variant_renders_its_body_per_item(node: dict[str, Any]) -> None:
    result = render({"type": "Box", "children": [node]}, props={"items": ITEMS})
    assert texts(result.html) == ["one", "two"]
    assert result.failed_expressions == []


def test_loop_index_variable_is_in_scope() -> None:
    node = {
        "type": "each",
        "items": "{{items}}",
        "as": "it",
        "index": "i",
        "render": {"type": "Text", "children": "#{{i}} {{it.label}}"},
    }
    assert texts(render(node, props={"items": ITEMS}).html) == ["#0 one", "#1 two"]


def test_loops_over_missing_items_render_nothing() -> None:
    node = {"type": "map", "items": "{{nothing}}", "template": {"type": "Text", "children": "x"}}
    result = render({"type": "Box", "children": [node]})
    assert result.html == '<div class="mb-box"></div>'


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("{{rows.length === 0}}", "empty"),
        ("{{rows.length > 0}}", "full"),
        (True, "empty"),
        ("{{missing}}", "full"),
    ],
)
def test_conditional_chooses_then_or_else(condition: Any, expected: str) -> None:
    node = {
        "type": "conditional",
        "condition": condition,
        "then": {"type": "Text", "children": "empty"},
        "else": {"type": "Text", "children": "full"},
    }
    assert texts(render(node, props={"rows": []}).html) == [expected]


def test_conditional_with_string_branch_and_no_else() -> None:
    node = {
        "type": "Box",
        "children": [{"type": "conditional", "condition": "{{flag}}", "then": "shown {{name}}"}],
    }
    assert (
        render(node, props={"flag": True, "name": "<b>"}).html
        == '<div class="mb-box">shown &lt;b&gt;</div>'
    )
    assert render(node, props={"flag": False}).html == '<div class="mb-box"></div>'


def test_conditional_render_and_fragment() -> None:
    node = {
        "type": "Fragment",
        "children": [
            {
                "type": "ConditionalRender",
                "props": {"condition": "{{ok}}"},
                "children": [{"type": "Text", "children": "yes"}],
            },
            {"type": "Text", "children": "always"},
        ],
    }
    assert texts(render(node, props={"ok": True}).html) == ["yes", "always"]
    assert texts(render(node, props={"ok": False}).html) == ["always"]


def _packages() -> MemoryPackages:
    packages = MemoryPackages()
    packages.add(
        "app",
        [
            component(
                {"type": "Text", "children": "{{title}}"},
                id="page_header",
                name="PageHeader",
                props=[{"name": "title", "default": "Header default"}],
            ),
            component(
                {
                    "type": "Card",
                    "children": [
                        {"type": "Text", "children": "{{title}}"},
                        {"type": "Box", "children": "{{children}}"},
                    ],
                },
                id="tag_card",
                name="TagCard",
                props=[{"name": "title", "type": "string"}],
            ),
            component(
                {"type": "Text", "children": "{{table}}/{{readonly}}"},
                id="table_view",
                name="TableView",
                props=[{"name": "table"}, {"name": "readonly", "default": False}],
            ),
        ],
        deps=["lib"],
    )
    packages.add(
        "lib",
        [
            component(
                {"type": "Text", "children": "lib {{title}}"},
                id="app_header",
                name="AppHeader",
                props=[{"name": "title", "default": "lib default"}],
            )
        ],
    )
    return packages


def _render_app(template: Any, props: dict[str, Any] | None = None) -> Any:
    packages = _packages()
    renderer = Renderer(resolve=packages.resolve)
    definition = component(template, id="page")
    packages.add("app", [definition], deps=["lib"])
    return renderer.render("app", definition, props or {}, RenderContext(tenant="t"))


def test_ref_renders_target_in_current_scope_with_its_defaults() -> None:
    result = _render_app({"type": "Box", "children": [{"$ref": "page_header"}]})
    assert texts(result.html) == ["Header default"]
    shadowed = _render_app(
        {"type": "Box", "children": [{"$ref": "page_header"}]}, {"title": "from page"}
    )
    assert texts(shadowed.html) == ["from page"]


def test_type_that_is_a_component_name_uses_inline_attributes_as_props() -> None:
    result = _render_app(
        {"type": "TagCard", "title": "{{t}}", "children": [{"type": "Text", "children": "inner"}]},
        {"t": "Tags"},
    )
    assert texts(result.html) == ["Tags", "inner"]
    assert result.placeholders == []


def test_component_of_a_dependency_resolves_by_name() -> None:
    assert texts(_render_app({"type": "AppHeader", "title": "x"}).html) == ["lib x"]


@pytest.mark.parametrize(
    "node",
    [
        {
            "type": "ComponentRef",
            "ref": "table_view",
            "props": {"table": "{{t}}"},
            "bindReadonly": True,
        },
        {
            "type": "ComponentRef",
            "props": {"ref": "table_view", "table": "{{t}}", "readonly": True},
        },
        {"type": "component", "ref": "table_view", "props": {"table": "{{t}}", "readonly": True}},
        {
            "type": "component",
            "name": "TableView",
            "props": {"table": "{{t}}"},
            "bindReadonly": "{{true}}",
        },
        {"type": "ComponentRef", "ref": "table_view", "bindTable": "{{t}}", "bindReadonly": True},
    ],
)
def test_component_ref_forms(node: dict[str, Any]) -> None:
    assert texts(_render_app(node, {"t": "users"}).html) == ["users/true"]


def test_missing_references_become_visible_placeholders() -> None:
    result = _render_app(
        {
            "type": "Box",
            "children": [
                {"$ref": "nope"},
                {"type": "ComponentRef", "ref": "gone"},
                {"type": "Mystery", "children": "kept"},
            ],
        }
    )
    reasons = [(p.node_type, p.reason) for p in result.placeholders]
    assert reasons == [
        ("$ref", "no component 'nope'"),
        ("gone", "component not found"),
        ("Mystery", "unknown component type"),
    ]
    assert result.html.count('class="mb-placeholder"') == 3
    assert "kept" in result.html  # an unknown type still renders its children


def test_render_component_renders_a_tree_held_in_data() -> None:
    tree = {"type": "Box", "children": [{"type": "Text", "children": "{{greeting}}"}]}
    result = render(
        {"type": "RenderComponent", "component": "{{tree}}"}, props={"tree": tree, "greeting": "hi"}
    )
    assert texts(result.html) == ["hi"]


def test_recursive_components_stop_with_a_placeholder() -> None:
    packages = MemoryPackages()
    loop = component(
        {"type": "Box", "children": [{"type": "ComponentRef", "ref": "loop"}]}, id="loop"
    )
    packages.add("p", [loop])
    result = Renderer(resolve=packages.resolve).render("p", loop, {}, RenderContext(tenant="t"))
    assert any("nested too deeply" in p.reason for p in result.placeholders)


@pytest.mark.parametrize(
    ("node", "fragment"),
    [
        (
            {"type": "Button", "startIcon": {"type": "Icon", "name": "Add"}, "children": "New"},
            'mb-button__icon--start" aria-hidden="true"><span class="mb-icon"',
        ),
        (
            {"type": "CardHeader", "title": "T", "avatar": {"type": "Avatar", "children": "A"}},
            '<div class="mb-card-header__avatar"><span class="mb-avatar">A</span>',
        ),
        (
            {
                "type": "FormControlLabel",
                "control": {"type": "Switch", "checked": True},
                "label": "On",
            },
            'role="switch"',
        ),
        (
            {"type": "ListItem", "secondaryAction": {"type": "IconButton", "children": "x"}},
            '<div class="mb-list-item__secondary"><button',
        ),
    ],
)
def test_node_valued_attributes_are_rendered(node: dict[str, Any], fragment: str) -> None:
    assert fragment in render(node).html


def test_state_defaults_and_map_form_state() -> None:
    list_state = render(
        {"type": "Text", "children": "{{state.page}}:{{page}}"},
        state=[{"name": "page", "type": "number", "default": 1}],
    )
    assert texts(list_state.html) == ["1:1"]
    map_state = render(
        {"type": "Text", "children": "{{state.a}}"},
        declared=[{"name": "initialA", "default": 4}],
        state={"a": "{{props.initialA}}"},
    )
    assert texts(map_state.html) == ["4"]


def test_request_context_is_in_scope() -> None:
    packages = MemoryPackages()
    definition = component(
        {"type": "Text", "children": "{{tenant}} {{params.id}} {{data.n}} {{user.level}}"}
    )
    context = RenderContext(
        tenant="acme", user=UserInfo(id="u1", level=3), data={"n": 5}, params={"id": "42"}
    )
    html = Renderer(resolve=packages.resolve).render("p", definition, {}, context).html
    assert texts(html) == ["acme 42 5 3"]


def test_failed_text_binding_shows_a_marker_and_is_counted() -> None:
    result = render({"type": "Text", "children": "{{user.name}}"})
    assert 'class="mb-expr-failed"' in result.html
    assert [f.expression for f in result.failed_expressions] == ["user.name"]


def test_syntax_errors_in_bindings_are_failed_expressions_not_exceptions() -> None:
    result = render({"type": "Text", "children": "{{a +}}"})
    assert len(result.failed_expressions) == 1
