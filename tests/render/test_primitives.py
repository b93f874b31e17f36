"""Every primitive type of reference section 2.5 renders semantic, accessible HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.render.helpers import render
from web.render import RenderContext, Renderer
from web.render.html import VOID_TAGS
from web.render.primitives import PRIMITIVES, SHELL_SAFE
from web.render.primitives.icons import shape

# Every type name the original corpus uses that is a primitive (reference section 2.5).
CORPUS_PRIMITIVES = [
    "Box",
    "Typography",
    "Stack",
    "Button",
    "Card",
    "Grid",
    "CardContent",
    "TextField",
    "TableCell",
    "Chip",
    "Flex",
    "MenuItem",
    "IconButton",
    "CardHeader",
    "ListItem",
    "List",
    "Select",
    "Link",
    "ListItemText",
    "Tab",
    "Divider",
    "Paper",
    "TableRow",
    "Alert",
    "Container",
    "ListItemIcon",
    "ColorPicker",
    "Switch",
    "Avatar",
    "Toolbar",
    "Slider",
    "Tabs",
    "Badge",
    "Table",
    "FormControl",
    "TableBody",
    "CardActions",
    "Checkbox",
    "Skeleton",
    "TableHead",
    "ButtonGroup",
    "LinearProgress",
    "ToggleButton",
    "CircularProgress",
    "AppBar",
    "ListItemAvatar",
    "ListItemButton",
    "TableContainer",
    "ToggleButtonGroup",
    "Input",
    "Pagination",
    "Tooltip",
    "Accordion",
    "AccordionDetails",
    "AccordionSummary",
    "Breadcrumbs",
    "CardMedia",
    "FormField",
    "FormGroup",
    "Menu",
    "Textarea",
    "Text",
    "Icon",
    "TabPanel",
    "Dialog",
    "DialogActions",
    "DialogContent",
    "DialogTitle",
    "CardTitle",
    "FormControlLabel",
    "InputLabel",
    "TabsTrigger",
    "TabsContent",
    "CardDescription",
    "Label",
    "InputAdornment",
    "StatCard",
    "TabsList",
    "AlertTitle",
    "CardFooter",
    "Collapse",
    "Header",
    "Iframe",
    "Image",
    "Markdown",
    "Nav",
    "ScrollArea",
    "Separator",
    "TabList",
    "TreeItem",
    "TreeView",
    "TablePagination",
    "canvas",
    "form",
    "input",
    "span",
    "video",
]


class _Checker(HTMLParser):
    """Fails on unbalanced tags; collects tags and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> in {self.stack}"
        self.stack.pop()


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"unclosed {checker.stack}"
    return checker


@pytest.mark.parametrize("type_name", CORPUS_PRIMITIVES)
def test_every_corpus_primitive_is_implemented_and_well_formed(type_name: str) -> None:
    assert type_name in PRIMITIVES
    result = render(
        {"type": type_name, "label": "L", "children": [{"type": "Text", "children": "c"}]}
    )
    assert result.placeholders == []
    parse(result.html)


@pytest.mark.parametrize(
    ("node", "tag", "attrs"),
    [
        ({"type": "Typography", "variant": "h3", "children": "x"}, "h3", {}),
        ({"type": "Typography", "variant": "caption", "children": "x"}, "span", {}),
        ({"type": "Text", "variant": "h2", "component": "div", "children": "x"}, "div", {}),
        ({"type": "Box", "component": "script", "children": "x"}, "div", {}),
        (
            {"type": "Link", "href": "/a", "external": True, "children": "x"},
            "a",
            {"href": "/a", "target": "_blank", "rel": "noopener noreferrer"},
        ),
        (
            {
                "type": "TextField",
                "label": "Email",
                "name": "email",
                "inputType": "email",
                "required": True,
            },
            "input",
            {"type": "email", "name": "email", "required": None},
        ),
        (
            {"type": "TextField", "multiline": True, "rows": 4, "value": "<b>"},
            "textarea",
            {"rows": "4"},
        ),
        (
            {"type": "Checkbox", "checked": True, "name": "agree"},
            "input",
            {"type": "checkbox", "checked": None, "name": "agree"},
        ),
        ({"type": "Switch", "checked": False}, "input", {"type": "checkbox", "role": "switch"}),
        (
            {"type": "Slider", "min": 0, "max": 10, "value": 3},
            "input",
            {"type": "range", "min": "0", "max": "10", "value": "3"},
        ),
        (
            {"type": "ColorPicker", "value": "#112233"},
            "input",
            {"type": "color", "value": "#112233"},
        ),
        ({"type": "Alert", "severity": "error", "children": "bad"}, "div", {"role": "alert"}),
        ({"type": "Alert", "severity": "success", "children": "ok"}, "div", {"role": "status"}),
        (
            {"type": "LinearProgress", "variant": "determinate", "value": 40},
            "progress",
            {"max": "100", "value": "40"},
        ),
        ({"type": "CircularProgress"}, "span", {"role": "progressbar"}),
        ({"type": "Breadcrumbs", "children": "x"}, "nav", {"aria-label": "Breadcrumb"}),
        ({"type": "Divider"}, "hr", {}),
        (
            {"type": "Icon", "name": "Delete"},
            "span",
            {"aria-hidden": "true", "data-icon": "Delete"},
        ),
        (
            {"type": "Image", "src": "/i.png", "alt": "logo"},
            "img",
            {"src": "/i.png", "alt": "logo"},
        ),
        (
            {"type": "Iframe", "src": "https://example.com"},
            "iframe",
            {"sandbox": "allow-same-origin"},
        ),
        (
            {"type": "Avatar", "alt": "Ada Lovelace"},
            "span",
            {"role": "img", "aria-label": "Ada Lovelace"},
        ),
        (
            {"type": "IconButton", "title": "Close", "children": "x"},
            "button",
            {"aria-label": "Close", "type": "button"},
        ),
        ({"type": "Button", "inputType": "submit", "children": "Go"}, "button", {"type": "submit"}),
        (
            {"type": "Accordion", "defaultExpanded": True, "children": "x"},
            "details",
            {"open": None},
        ),
        ({"type": "TreeView", "children": "x"}, "ul", {"role": "tree"}),
    ],
)
def test_semantic_elements(node: dict[str, Any], tag: str, attrs: dict[str, str | None]) -> None:
    found = [a for t, a in parse(render(node).html).tags if t == tag]
    assert found, f"no <{tag}>"
    assert any(all(a.get(k, "<missing>") == v for k, v in attrs.items()) for a in found), found


def test_labels_are_tied_to_their_controls() -> None:
    html = render({"type": "TextField", "label": "Name", "helperText": "Your full name"}).html
    control = re.search(
        r'<input class="mb-input" id="([^"]+)"[^>]*aria-describedby="([^"]+)"', html
    )
    assert control
    assert f'<label class="mb-field__label" for="{control.group(1)}">' in html
    assert f'id="{control.group(2)}"' in html
    implicit = render({"type": "TextField", "label": "Name"}).html
    assert implicit.startswith('<label class="mb-field">')


@pytest.mark.parametrize(
    ("node", "control"),
    [
        ({"type": "TextField", "id": "f", "label": "Name", "required": True}, "<input"),
        ({"type": "TextField", "id": "f", "label": "Bio", "multiline": True}, "<textarea"),
        ({"type": "TextField", "id": "f", "label": "Kind", "select": True}, "<select"),
        ({"type": "Checkbox", "id": "f", "label": "Agree"}, "<input"),
        ({"type": "Switch", "id": "f", "label": "On"}, "<input"),
        ({"type": "Slider", "id": "f", "label": "Level"}, "<input"),
        ({"type": "details", "id": "f"}, "<details"),
    ],
)
def test_a_given_id_lands_once_on_the_control(node: dict[str, Any], control: str) -> None:
    html = render(node).html
    assert html.count('id="f"') == 1, html
    assert re.search(re.escape(control) + r'[^>]*id="f"', html), html
    if node.get("label"):
        assert 'for="f"' in html


def test_a_required_field_shows_its_mark_with_or_without_an_id() -> None:
    for node in ({"type": "TextField", "id": "f"}, {"type": "TextField"}):
        html = render({**node, "label": "Name", "required": True}).html
        assert 'class="mb-field__required"' in html, html


def test_select_renders_options_and_marks_the_selected_one() -> None:
    node = {
        "type": "Select",
        "label": "Role",
        "value": "b",
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        "children": [{"type": "MenuItem", "value": "c", "children": "C"}],
    }
    html = render(node).html
    assert (
        '<option value="a">A</option><option value="b" selected>B</option>'
        '<option value="c">C</option>' in html
    )


def test_tabs_mark_the_selected_tab_and_hide_other_panels() -> None:
    node = {
        "type": "Box",
        "children": [
            {
                "type": "Tabs",
                "value": "{{tab}}",
                "onChange": "{{setTab}}",
                "children": [
                    {"type": "Tab", "label": "One", "value": 0},
                    {"type": "Tab", "label": "Two", "value": 1},
                ],
            },
            {"type": "TabPanel", "value": 0, "children": "first"},
            {"type": "TabPanel", "value": 1, "children": "second"},
        ],
    }
    html = render(node, props={"tab": 1}).html
    assert re.search(
        r'aria-selected="false" data-value="0" data-mb-action="setTab"[^>]*data-mb-input=\'\[0\]\'',
        html,
    )
    assert 'aria-selected="true" data-value="1"' in html
    assert '<div class="mb-tab-panel" role="tabpanel" data-value="0" hidden>first</div>' in html
    assert '<div class="mb-tab-panel" role="tabpanel" data-value="1">second</div>' in html


def test_forms_carry_the_csrf_token_and_the_submit_action() -> None:
    definition = {
        "id": "f",
        "name": "F",
        "props": [],
        "render": {
            "type": "element",
            "template": {
                "type": "form",
                "onSubmit": "save",
                "children": [{"type": "Button", "inputType": "submit", "children": "Save"}],
            },
        },
    }
    html = (
        Renderer().render("p", definition, {}, RenderContext(tenant="t", csrf_token="tok<en>")).html
    )
    assert '<input type="hidden" name="csrf_token" value="tok&lt;en&gt;">' in html
    assert 'data-mb-action="save" data-mb-event="submit"' in html


def test_input_handlers_sit_on_the_control_not_the_wrapper() -> None:
    html = render(
        {"type": "TextField", "label": "Q", "onChange": "{{(e) => search(e.target.value)}}"}
    ).html
    assert re.search(r'<input [^>]*data-mb-action="search" data-mb-event="change"', html)


def test_chip_delete_gets_its_own_button() -> None:
    html = render(
        {"type": "Chip", "label": "tag", "onDelete": "{{() => remove(id)}}"}, props={"id": 3}
    ).html
    assert 'aria-label="Remove" data-mb-action="remove" data-mb-event="click"' in html
    assert "data-mb-input='[3]'" in html


def test_pagination_pages_carry_their_number() -> None:
    html = render({"type": "Pagination", "count": 20, "page": 10, "onChange": "setPage"}).html
    assert 'aria-current="page"' in html
    assert "data-mb-input='[11]'" in html and "data-mb-input='[1]'" in html
    assert "…" in html


def test_closed_dialog_renders_nothing_open_dialog_is_modal() -> None:
    assert render({"type": "Dialog", "open": False, "children": "x"}).html == ""
    html = render(
        {"type": "Dialog", "open": True, "onClose": "close", "title": "T", "children": "x"}
    ).html
    assert 'role="dialog" aria-modal="true"' in html and 'data-mb-action="close"' in html


def test_shell_cache_keeps_dynamic_output_exact() -> None:
    """Memoised shells must give exactly what a direct render gives."""
    rows = [{"s": s} for s in ["a", "b", "a", "c", "b"] * 20]
    node = {
        "type": "each",
        "items": "{{rows}}",
        "as": "r",
        "render": {
            "type": "Chip",
            "label": "{{r.s}}",
            "color": "{{r.s === 'a' ? 'success' : 'default'}}",
            "children": None,
        },
    }
    html = render({"type": "Box", "children": [node]}, props={"rows": rows}).html
    chips = re.findall(
        r'<span class="mb-chip mb-chip--(\w+)"><span class="mb-chip__label">(\w)</span></span>',
        html,
    )
    assert chips == [("success" if r["s"] == "a" else "default", r["s"]) for r in rows]
    assert "Chip" in SHELL_SAFE


@pytest.mark.parametrize(
    "name", ["Delete", "Trash", "trash-2", "DeleteOutlined", "ExpandMore", "GitHub"]
)
def test_icons_render_inline_svg_by_any_spelling(name: str) -> None:
    html = render({"type": "Icon", "name": name}).html
    assert '<svg class="mb-icon__svg" viewBox="0 0 24 24"' in html
    assert 'aria-hidden="true"' in html


def test_unknown_icon_shows_its_initial() -> None:
    html = render({"type": "Icon", "name": "{{icon}}"}, props={"icon": "Zebra"}).html
    assert '<span class="mb-icon__initial">Z</span>' in html
    assert "mb-icon--fallback" in html


def test_every_icon_name_in_the_original_data_has_a_shape() -> None:
    used = [  # every literal Icon name and every name the Icon expressions can yield
        "AccountTree",
        "Add",
        "ArrowBack",
        "ArrowCounterClockwise",
        "Block",
        "Brightness4",
        "Build",
        "Business",
        "Cancel",
        "ChartLine",
        "Check",
        "CheckCircle",
        "ChevronRight",
        "Clock",
        "Close",
        "Code",
        "Computer",
        "CreateNewFolder",
        "CropFree",
        "DarkMode",
        "Delete",
        "Description",
        "Download",
        "DragIndicator",
        "Edit",
        "ErrorOutline",
        "ExpandMore",
        "Extension",
        "Eye",
        "FilmSlate",
        "Forum",
        "GitHub",
        "Grid",
        "GridView",
        "Groups",
        "HelpOutline",
        "Layers",
        "LightMode",
        "Link",
        "LinkedIn",
        "ListNumbers",
        "Lock",
        "LockOpen",
        "Logout",
        "NoteAdd",
        "Notifications",
        "Palette",
        "People",
        "Person",
        "PhoneAndroid",
        "PlayArrow",
        "PlayCircle",
        "Plus",
        "Queue",
        "Radio",
        "Save",
        "Search",
        "Security",
        "Settings",
        "Shield",
        "ShieldCheck",
        "SportsEsports",
        "SwapHoriz",
        "TableChart",
        "Tablet",
        "TextFields",
        "Trash",
        "Tv",
        "Twitter",
        "UnfoldLess",
        "UnfoldMore",
        "Upload",
        "VerifiedUser",
        "ViewList",
        "Visibility",
        "VolumeUp",
        "Warning",
        "X",
        "Remove",
        "Widgets",
        "Error",
        "Bell",
        "Menu",
        "ExpandLess",
        "Info",
        "ArrowUp",
        "ArrowDown",
        "FullscreenExit",
        "Fullscreen",
        "Pause",
        "XCircle",
        "Loader",
        "Circle",
        "TrendingUp",
        "TrendingDown",
        "TrendingFlat",
        "AlertTriangle",
    ]
    assert [name for name in used if shape(name) is None] == []


def test_icon_buttons_without_a_label_are_named_after_their_icon() -> None:
    html = render(
        {"type": "IconButton", "children": [{"type": "Icon", "name": "DeleteOutline"}]}
    ).html
    assert 'aria-label="Delete outline"' in html
    titled = render(
        {
            "type": "IconButton",
            "title": "Remove row",
            "children": [{"type": "Icon", "name": "Delete"}],
        }
    ).html
    assert 'aria-label="Remove row"' in titled


@pytest.mark.parametrize("width", ["xs", "sm", "md", "lg", "xl"])
def test_container_max_width_is_a_breakpoint_class_not_css(width: str) -> None:
    result = render({"type": "Container", "maxWidth": width, "children": "x"})
    assert f"mb-container--{width}" in result.html
    assert "max-width" not in result.css


def test_a_flow_handler_renders_as_a_flow_action() -> None:
    html = render({"type": "Button", "onClick": "flow:review", "children": "Review"}).html
    assert 'data-mb-action="flow:review"' in html
    assert 'data-mb-event="click"' in html
