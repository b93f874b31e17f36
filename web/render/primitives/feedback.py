"""Feedback: Alert, LinearProgress, CircularProgress, Skeleton."""

from __future__ import annotations

from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string, to_number
from web.render.actions import action_attrs
from web.render.element import Element, tag
from web.render.primitives.base import Primitive, join, modifier, style_class, system_class
from web.render.primitives.icons import svg

_SEVERITY_ICON: Final = {
    "error": svg("ErrorOutline"),
    "warning": svg("Warning"),
    "info": svg("InfoOutlined"),
    "success": svg("CheckCircle"),
}


def alert(el: Element) -> str:
    severity = el.props.get("severity", el.props.get("variant", "info"))
    if not isinstance(severity, str):
        severity = "info"
    if severity not in _SEVERITY_ICON and severity != "destructive":
        severity = "info"
    if severity == "destructive":
        severity = "error"
    role = "alert" if severity in ("error", "warning") else "status"
    icon = f'<span class="mb-alert__icon" aria-hidden="true">{_SEVERITY_ICON[str(severity)]}</span>'
    close = el.take_event("close")
    action = ""
    if close is not None:
        action = (
            '<button type="button" class="mb-alert__close" aria-label="Close"'
            f"{action_attrs([('click', close)])}>&#x2715;</button>"
        )
    cls = join(
        "mb-alert",
        modifier("mb-alert", severity),
        modifier(
            "mb-alert-variant",
            el.props.get("variant")
            if el.props.get("variant") in ("filled", "outlined", "standard")
            else None,
        ),
        system_class(el, ("m", "mt", "mb", "my")),
    )
    title = el.props.get("title")
    head = (
        f'<div class="mb-alert__title">{display_string(title)}</div>'
        if isinstance(title, str) and title
        else ""
    )
    return tag(
        "div",
        el.common(cls, extra={"role": role}),
        f'{icon}<div class="mb-alert__message">{head}{el.content("message", "text")}</div>{action}',
    )


def _percent(value: Any) -> float | None:
    if value in (None, UNDEFINED):
        return None
    number = to_number(value)
    if number != number:
        return None
    return max(0.0, min(100.0, float(number)))


def linear_progress(el: Element) -> str:
    value = _percent(el.props.get("value"))
    determinate = el.props.get("variant") in ("determinate", "buffer") and value is not None
    cls = join(
        "mb-progress",
        modifier("mb-progress", el.props.get("color")),
        system_class(el, ("height", "mt", "mb", "my", "borderRadius", "width")),
    )
    label = display_string(el.props.get("aria-label", "Progress"))
    if determinate:
        extra = {"max": "100", "value": f"{value:g}", "aria-label": label}
        return f"<progress{el.common(cls, extra=extra)}>{value:g}%</progress>"
    return f"<progress{el.common(cls, extra={'aria-label': label})}></progress>"


def circular_progress(el: Element) -> str:
    size = el.props.get("size")
    style = (
        {"width": size, "height": size}
        if isinstance(size, int | float) and not isinstance(size, bool)
        else {}
    )
    cls = join(
        "mb-spinner",
        modifier("mb-spinner", el.props.get("color")),
        style_class(el, style, system=False),
    )
    value = _percent(el.props.get("value"))
    extra: dict[str, Any] = {
        "role": "progressbar",
        "aria-label": display_string(el.props.get("aria-label", "Loading")),
    }
    if value is not None and el.props.get("variant") == "determinate":
        extra["aria-valuenow"] = f"{value:g}"
    return tag("span", el.common(cls, extra=extra))


def skeleton(el: Element) -> str:
    props = el.props
    style: dict[str, Any] = {}
    for key in ("width", "height"):
        value = props.get(key)
        if value not in (None, UNDEFINED):
            style[key] = value
    cls = join(
        "mb-skeleton",
        modifier("mb-skeleton", props.get("variant")),
        style_class(el, style, system=False),
    )
    return tag("span", el.common(cls, extra={"aria-hidden": "true"}), el.children())


PRIMITIVES: Final[dict[str, Primitive]] = {
    "Alert": alert,
    "LinearProgress": linear_progress,
    "CircularProgress": circular_progress,
    "Skeleton": skeleton,
}
