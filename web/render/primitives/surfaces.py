"""Surfaces: Card and its parts, Paper, AppBar, Accordion, Dialog, Collapse."""

from __future__ import annotations

from typing import Final

from web.render.actions import ActionRef, action_attrs
from web.render.element import Element, tag
from web.render.html import safe_url, text
from web.render.primitives.base import Primitive, element_tag, join, modifier, simple, system_class


def card(el: Element) -> str:
    cls = join(
        "mb-card",
        modifier("mb-card", el.props.get("variant")),
        system_class(
            el, ("p", "m", "mb", "mt", "height", "width", "display", "flexDirection", "bgcolor")
        ),
    )
    return tag(element_tag(el, "div"), el.common(cls), el.children())


def card_header(el: Element) -> str:
    parts: list[str] = []
    avatar = el.props.get("avatar")
    if avatar:
        parts.append(f'<div class="mb-card-header__avatar">{text(avatar)}</div>')
    title = el.props.get("title")
    subheader = el.props.get("subheader", el.props.get("subtitle"))
    body = ""
    if title not in (None, ""):
        body += f'<div class="mb-card-header__title">{text(title)}</div>'
    if subheader not in (None, ""):
        body += f'<div class="mb-card-header__subheader">{text(subheader)}</div>'
    parts.append(f'<div class="mb-card-header__content">{body}{el.children()}</div>')
    action = el.props.get("action")
    if action:
        parts.append(f'<div class="mb-card-header__action">{text(action)}</div>')
    return tag("div", el.common("mb-card-header"), "".join(parts))


def card_media(el: Element) -> str:
    src = safe_url(el.get("image", el.get("src")))
    if src is None:
        return tag("div", el.common("mb-card-media"), el.children())
    height = el.get("height")
    extra = {"src": src, "alt": el.get("alt", el.get("title", "")), "loading": "lazy"}
    if isinstance(height, int | float) and not isinstance(height, bool):
        extra["height"] = str(height)
    return f"<img{el.common('mb-card-media', extra=extra)}>"


def paper(el: Element) -> str:
    elevation = el.props.get("elevation", 1)
    cls = join(
        "mb-paper",
        modifier("mb-paper", el.props.get("variant")),
        modifier("mb-paper--elevation", elevation) if isinstance(elevation, int) else "",
        system_class(el),
    )
    return tag(element_tag(el, "div"), el.common(cls), el.children())


def app_bar(el: Element) -> str:
    cls = join(
        "mb-app-bar",
        modifier("mb-app-bar", el.props.get("position")),
        modifier("mb-app-bar", el.props.get("color")),
    )
    return tag(element_tag(el, "header"), el.common(cls), el.children())


def accordion(el: Element) -> str:
    open_ = el.flag("expanded") or el.flag("defaultExpanded")
    return tag("details", el.common("mb-accordion", extra={"open": open_}), el.children())


def accordion_summary(el: Element) -> str:
    icon = el.props.get("expandIcon")
    extra = (
        f'<span class="mb-accordion__icon" aria-hidden="true">{text(icon)}</span>' if icon else ""
    )
    return tag("summary", el.common("mb-accordion__summary"), el.children() + extra)


def collapse(el: Element) -> str:
    shown = el.props.get("in", True)
    if shown is False:
        return tag("div", el.common("mb-collapse", extra={"hidden": True}), el.children())
    return tag("div", el.common("mb-collapse"), el.children())


def dialog(el: Element) -> str:
    open_ = el.props.get("open")
    if open_ is False or open_ is None:
        return ""
    close = el.take_event("close")
    title = el.props.get("title")
    head = f'<h2 class="mb-dialog__title">{text(title)}</h2>' if title else ""
    close_button = ""
    if close is not None:
        close_button = (
            '<button type="button" class="mb-dialog__close" aria-label="Close"'
            f"{_single_event('click', close)}>&#x2715;</button>"
        )
    inner = (
        '<div class="mb-dialog__panel" role="dialog" aria-modal="true">'
        f"{close_button}{head}{el.children()}</div>"
    )
    return tag(
        "div", el.common(join("mb-dialog", modifier("mb-dialog", el.props.get("maxWidth")))), inner
    )


def _single_event(event: str, ref: ActionRef) -> str:
    return action_attrs([(event, ref)])


PRIMITIVES: Final[dict[str, Primitive]] = {
    "Card": card,
    "CardHeader": card_header,
    "CardContent": simple("div", "mb-card-content"),
    "CardActions": simple("div", "mb-card-actions"),
    "CardFooter": simple("div", "mb-card-footer"),
    "CardTitle": simple("h3", "mb-card-title", "text", "title"),
    "CardDescription": simple("p", "mb-card-description", "text", "description"),
    "CardMedia": card_media,
    "Paper": paper,
    "AppBar": app_bar,
    "Accordion": accordion,
    "AccordionSummary": accordion_summary,
    "AccordionDetails": simple("div", "mb-accordion__details"),
    "Collapse": collapse,
    "Dialog": dialog,
    "DialogTitle": simple("h2", "mb-dialog__title", "text", "title"),
    "DialogContent": simple("div", "mb-dialog__content"),
    "DialogActions": simple("div", "mb-dialog__actions"),
}
