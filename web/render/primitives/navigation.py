"""Navigation: Link, Tabs (MUI and shadcn spellings), Breadcrumbs, Menu, Pagination, Nav,
Header, TablePagination.

Tabs render every panel and hide the inactive ones, so the page reads without JavaScript and
the client can switch panels locally; each tab button carries the Tabs' change action with the
tab's value as input.
"""

from __future__ import annotations

from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string, loose_equals, to_number
from web.render.actions import ActionRef, action_attrs
from web.render.element import Element, tag
from web.render.html import attrs, escape, safe_url, text
from web.render.primitives.base import Primitive, element_tag, join, modifier, system_class


class _TabsState:
    __slots__ = ("change", "first", "value")

    def __init__(self, value: Any, change: ActionRef | None) -> None:
        self.value = value
        self.change = change
        self.first: Any = UNDEFINED

    def active(self) -> Any:
        return self.value if self.value not in (None, UNDEFINED) else self.first


def link(el: Element) -> str:
    props = el.props
    href = safe_url(props.get("href", props.get("to")))
    extra: dict[str, Any] = {"href": href}
    if props.get("external") is True or props.get("target") == "_blank":
        extra["target"] = "_blank"
        extra["rel"] = "noopener noreferrer"
    cls = join(
        "mb-link",
        modifier("mb-link", props.get("underline")),
        modifier("mb-link", props.get("variant")),
        system_class(el, ("color", "fontWeight", "fontSize", "display", "mr", "ml")),
    )
    if href is None and not el.events:
        return tag("span", el.common(cls), el.content("text", "label"))
    if href is None:
        extra = {"role": "button", "tabindex": "0"}
    return tag(
        element_tag(el, "a") if href is not None else "a",
        el.common(cls, extra=extra),
        el.content("text", "label"),
    )


def tabs(el: Element) -> str:
    change = el.take_event("change") or el.take_event("valuechange")
    state = _TabsState(el.props.get("value", el.props.get("defaultValue")), change)
    el.run.push("tabs", state)
    try:
        inner = el.children()
        items = el.props.get("tabs")
        if isinstance(items, list):
            inner = (
                "".join(
                    _tab_button(
                        el,
                        state,
                        t.get("value", i) if isinstance(t, dict) else i,
                        t.get("label", t) if isinstance(t, dict) else t,
                    )
                    for i, t in enumerate(items)
                )
                + inner
            )
    finally:
        el.run.pop("tabs")
    el.run.ui["last_tabs"] = [state]
    orientation = el.props.get("orientation")
    cls = join(
        "mb-tabs",
        modifier("mb-tabs", orientation),
        system_class(el, ("mb", "mt", "borderBottom", "borderColor")),
    )
    return tag("div", el.common(cls), inner)


def _tab_button(el: Element, state: _TabsState, value: Any, label: Any) -> str:
    if state.first is UNDEFINED:
        state.first = value
    selected = loose_equals(state.active(), value)
    pairs = [
        ("type", "button"),
        ("role", "tab"),
        ("aria-selected", "true" if selected else "false"),
        ("data-value", display_string(value)),
    ]
    cls = join("mb-tab", "mb-tab--selected" if selected else "")
    events = el.event_attrs()
    if not events and state.change is not None:
        ref = state.change
        events = action_attrs(
            [
                (
                    "click",
                    ActionRef(
                        ref.action, ref.input if ref.input is not None else [value], ref.package
                    ),
                )
            ]
        )
    return f'<button class="{cls}"{attrs(pairs)}{events}>{text(label)}</button>'


def tab(el: Element) -> str:
    state = el.run.top("tabs")
    value = el.props.get("value", UNDEFINED)
    if not isinstance(state, _TabsState):
        state = _TabsState(UNDEFINED, None)
    if value is UNDEFINED:
        value = el.run.new_id("tab")
    label = el.props.get("label", el.props.get("text"))
    html = el.children()
    label_html = html if label in (None, UNDEFINED, "") else text(label)
    return _tab_button(el, state, value, _Html(label_html))


class _Html(str):
    pass


def tab_panel(el: Element) -> str:
    value = el.props.get("value", UNDEFINED)
    stack = el.run.ui.get("tabs") or el.run.ui.get("last_tabs") or []
    state = stack[-1] if stack else None
    active = state.active() if isinstance(state, _TabsState) else UNDEFINED
    shown = active is UNDEFINED or loose_equals(active, value)
    extra = {"role": "tabpanel", "data-value": display_string(value), "hidden": not shown}
    return tag("div", el.common("mb-tab-panel", extra=extra), el.children())


def tabs_list(el: Element) -> str:
    return tag("div", el.common("mb-tabs__list", extra={"role": "tablist"}), el.children())


def breadcrumbs(el: Element) -> str:
    separator = display_string(el.get("separator", "/"))
    return tag(
        "nav",
        el.common(
            join("mb-breadcrumbs", system_class(el)),
            extra={"aria-label": "Breadcrumb", "data-separator": separator},
        ),
        el.children(),
    )


def menu(el: Element) -> str:
    trigger = el.props.get("trigger", el.props.get("label", "Menu"))
    open_ = el.props.get("open") is True
    inner = (
        f'<summary class="mb-menu__trigger">{text(trigger)}</summary>'
        f'<ul class="mb-menu__list" role="menu">{el.children()}</ul>'
    )
    return tag("details", el.common("mb-menu", extra={"open": open_}), inner)


_WINDOW: Final = 2


def pagination(el: Element) -> str:
    count = to_number(el.props.get("count", 1))
    page = to_number(el.props.get("page", 1))
    total = int(count) if count == count and count > 0 else 1
    current = int(page) if page == page else 1
    change = el.take_event("change")
    pages = sorted({1, total, *range(max(1, current - _WINDOW), min(total, current + _WINDOW) + 1)})
    items: list[str] = []
    previous = 0
    for number in pages:
        if number - previous > 1:
            items.append('<li class="mb-pagination__gap" aria-hidden="true">…</li>')
        previous = number
        selected = number == current
        events = ""
        if change is not None and not selected:
            events = action_attrs(
                [
                    (
                        "click",
                        ActionRef(
                            change.action,
                            change.input if change.input is not None else [number],
                            change.package,
                        ),
                    )
                ]
            )
        pairs = [
            ("type", "button"),
            ("aria-current", "page" if selected else None),
            ("aria-label", f"Page {number}"),
            ("data-value", str(number)),
        ]
        cls = join("mb-pagination__page", "mb-pagination__page--current" if selected else "")
        items.append(f'<li><button class="{cls}"{attrs(pairs)}{events}>{number}</button></li>')
    cls = join("mb-pagination", modifier("mb-pagination", el.props.get("size")))
    return tag(
        "nav",
        el.common(cls, extra={"aria-label": "Pagination"}),
        f'<ul class="mb-pagination__list">{"".join(items)}</ul>',
    )


def table_pagination(el: Element) -> str:
    count = to_number(el.props.get("count", 0))
    page = to_number(el.props.get("page", 0))
    per_page = to_number(el.props.get("rowsPerPage", 10))
    if count != count or page != page or per_page != per_page or per_page <= 0:
        return tag("div", el.common("mb-table-pagination"))
    start = int(page * per_page) + 1 if count else 0
    end = int(min(count, (page + 1) * per_page))
    change = el.take_event("pagechange") or el.take_event("change")
    buttons = ""
    for label, target, enabled in (
        ("Previous page", page - 1, page > 0),
        ("Next page", page + 1, end < count),
    ):
        events = ""
        if change is not None and enabled:
            events = action_attrs(
                [("click", ActionRef(change.action, [int(target)], change.package))]
            )
        arrow = "&#x2039;" if target < page else "&#x203a;"
        disabled = "" if enabled else " disabled"
        buttons += (
            f'<button type="button" class="mb-table-pagination__button" aria-label="{label}"'
            f"{disabled}{events}>{arrow}</button>"
        )
    summary = f"{start}\u2013{end} of {int(count)}"
    return tag(
        "div",
        el.common("mb-table-pagination"),
        f'<span class="mb-table-pagination__summary">{escape(summary)}</span>{buttons}',
    )


PRIMITIVES: Final[dict[str, Primitive]] = {
    "Link": link,
    "Tabs": tabs,
    "Tab": tab,
    "TabPanel": tab_panel,
    "TabsList": tabs_list,
    "TabList": tabs_list,
    "TabsTrigger": tab,
    "TabsContent": tab_panel,
    "Breadcrumbs": breadcrumbs,
    "Menu": menu,
    "Pagination": pagination,
    "TablePagination": table_pagination,
    "Nav": lambda el: tag("nav", el.common(join("mb-nav", system_class(el))), el.children()),
    "NavigationBar": lambda el: tag(
        "nav", el.common(join("mb-nav", system_class(el))), el.children()
    ),
    "Header": lambda el: tag(
        "header", el.common(join("mb-header", system_class(el))), el.content("title", "text")
    ),
}
