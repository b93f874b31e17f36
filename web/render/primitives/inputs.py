"""Form controls: TextField, Input, Textarea, Select/MenuItem, Checkbox, Switch, Slider,
ColorPicker, FormControl, FormControlLabel, FormGroup, FormField, InputLabel, InputAdornment.

Each control is a real form element with a `name`, so forms work without JavaScript; labels are
tied to inputs by `for`/`id`, helper text by `aria-describedby`. Handlers go on the control
itself (not its wrapper), where the browser fires the event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from scripts_runtime.expr import UNDEFINED, display_string, loose_equals
from web.render.element import Element, tag
from web.render.html import attr_escape, attrs, escape, safe_url, text
from web.render.primitives.base import Primitive, join, modifier, system_class

_INPUT_TYPES: Final = frozenset(
    {
        "text",
        "email",
        "password",
        "number",
        "search",
        "tel",
        "url",
        "date",
        "time",
        "datetime-local",
        "month",
        "week",
        "color",
        "file",
        "hidden",
        "range",
        "checkbox",
        "radio",
    }
)


def _scalar(value: Any) -> str | None:
    if value is None or value is UNDEFINED or isinstance(value, bool | dict | list):
        return None
    return display_string(value)


def input_type(el: Element, default: str = "text") -> str:
    for key in ("inputType", "type", "htmlType"):
        value = el.props.get(key)
        if isinstance(value, str) and value in _INPUT_TYPES:
            return value
    return default


def _control_id(el: Element, needed: bool = True) -> str | None:
    """The control's id: the given one, else a fresh one only when something must point at it
    (a generated id makes the output unique per render, so it cannot be memoised)."""
    given = el.props.get("id")
    if isinstance(given, str | int) and not isinstance(given, bool) and str(given):
        return str(given)
    if not needed:
        return None
    el.cacheable = False
    return el.run.new_id("mb-field")


def _field_name(el: Element) -> str | None:
    name = el.props.get("name", el.props.get("id"))
    return _scalar(name)


def _value(el: Element) -> Any:
    value = el.props.get("value", UNDEFINED)
    if value is UNDEFINED or value is None:
        value = el.props.get("defaultValue", UNDEFINED)
    return value


def _input_attrs(el: Element, control_id: str | None, kind: str) -> dict[str, Any]:
    props = el.props
    out: dict[str, Any] = {
        "id": control_id,
        "type": kind,
        "name": _field_name(el),
        "placeholder": _scalar(props.get("placeholder")),
        "required": props.get("required") is True,
        "disabled": props.get("disabled") is True,
        "readonly": props.get("readOnly") is True or props.get("readonly") is True,
        "autofocus": props.get("autoFocus") is True,
    }
    value = _value(el)
    if kind not in ("password", "file"):
        out["value"] = _scalar(value)
    inner = props.get("inputProps")
    if isinstance(inner, Mapping):
        for key in ("min", "max", "step", "maxLength", "minLength", "pattern", "accept"):
            if _scalar(inner.get(key)) is not None:
                out[key.lower()] = _scalar(inner.get(key))
    for key in ("min", "max", "step", "accept", "autoComplete", "maxLength"):
        if _scalar(props.get(key)) is not None:
            out[key.lower()] = _scalar(props.get(key))
    return out


def _has_helper(el: Element) -> bool:
    return el.props.get("helperText") not in (None, UNDEFINED, "")


def _helper(el: Element, control_id: str | None) -> tuple[str, str | None]:
    helper = el.props.get("helperText")
    if helper in (None, UNDEFINED, "") or control_id is None:
        return "", None
    helper_id = f"{control_id}-help"
    cls = join(
        "mb-field__helper", "mb-field__helper--error" if el.props.get("error") is True else ""
    )
    return f'<p class="{cls}" id="{attr_escape(helper_id)}">{text(helper)}</p>', helper_id


def _label(el: Element, control_id: str | None) -> str:
    """`<label for=id>`, or a span when the whole field is a `<label>` around its control."""
    label = el.props.get("label")
    if label in (None, UNDEFINED, ""):
        return ""
    required = (
        ' <span class="mb-field__required" aria-hidden="true">*</span>'
        if el.props.get("required") is True
        else ""
    )
    if control_id is None:
        return f'<span class="mb-field__label">{text(label)}{required}</span>'
    target = attr_escape(control_id)
    return f'<label class="mb-field__label" for="{target}">{text(label)}{required}</label>'


def _adornments(el: Element) -> tuple[str, str]:
    start = el.props.get("startAdornment")
    end = el.props.get("endAdornment")
    box = el.props.get("InputProps")
    if isinstance(box, Mapping):
        start = box.get("startAdornment", start)
        end = box.get("endAdornment", end)
    return (
        text(start) if start not in (None, UNDEFINED, "") else "",
        text(end) if end not in (None, UNDEFINED, "") else "",
    )


def _textarea(pairs: dict[str, Any], events: str, value: str) -> str:
    return (
        f'<textarea class="mb-input mb-input--multiline"{attrs(pairs.items())}{events}>'
        f"{escape(value)}</textarea>"
    )


def text_field(el: Element) -> str:
    props = el.props
    control_id = _control_id(el, _has_helper(el) or props.get("select") is True)
    helper, helper_id = _helper(el, control_id)
    if props.get("select") is True:
        control = _select_control(el, control_id, helper_id)
    elif props.get("multiline") is True:
        pairs = _input_attrs(el, control_id, "text")
        value = pairs.pop("value", None)
        pairs.pop("type")
        pairs["rows"] = _scalar(props.get("rows", props.get("minRows", 3)))
        pairs["aria-describedby"] = helper_id
        control = _textarea(pairs, el.event_attrs(), value or "")
    else:
        pairs = _input_attrs(el, control_id, input_type(el))
        pairs["aria-describedby"] = helper_id
        pairs["aria-invalid"] = "true" if props.get("error") is True else None
        control = f'<input class="mb-input"{attrs(pairs.items())}{el.event_attrs()}>'
    start, end = _adornments(el)
    if start or end:
        control = f'<div class="mb-input-group">{start}{control}{end}</div>'
    cls = join(
        "mb-field",
        modifier("mb-field", props.get("variant")),
        modifier("mb-field", props.get("size")),
        "mb-field--full-width" if props.get("fullWidth") is True else "",
        "mb-field--error" if props.get("error") is True else "",
        system_class(el, ("m", "mt", "mb", "width", "minWidth", "maxWidth", "flex")),
    )
    wrapper = "div" if control_id is not None else "label"
    return tag(
        wrapper,
        el.common(cls, events=False, own_id=False),
        _label(el, control_id) + control + helper,
    )


def plain_input(el: Element) -> str:
    control_id = _control_id(el, needed=False)
    pairs = _input_attrs(el, control_id, input_type(el))
    pairs["aria-label"] = _scalar(el.props.get("aria-label", el.props.get("placeholder")))
    hidden = el.props.get("hidden") is True
    cls = join("mb-input", "mb-visually-hidden" if hidden else "", el.classes)
    return f'<input class="{attr_escape(cls)}"{attrs(pairs.items())}{el.event_attrs()}>'


def textarea(el: Element) -> str:
    control_id = _control_id(el, needed=False)
    pairs = _input_attrs(el, control_id, "text")
    value = pairs.pop("value", None)
    pairs.pop("type")
    pairs["rows"] = _scalar(el.props.get("rows", 4))
    label = _label(el, control_id)
    control = _textarea(pairs, el.event_attrs(), value or el.children() or "")
    if label:
        wrapper = "div" if control_id is not None else "label"
        return tag(wrapper, el.common("mb-field", events=False, own_id=False), label + control)
    return control


def _options(el: Element) -> str:
    options = el.props.get("options")
    if not isinstance(options, list):
        return ""
    current = _value(el)
    out: list[str] = []
    for option in options[:1000]:
        if isinstance(option, Mapping):
            value = option.get("value", option.get("id", option.get("label")))
            label = option.get("label", option.get("name", value))
        else:
            value = label = option
        selected = current is not UNDEFINED and loose_equals(current, value)
        out.append(
            f"<option{attrs([('value', _scalar(value) or ''), ('selected', selected)])}>"
            f"{text(label)}</option>"
        )
    return "".join(out)


def _select_control(el: Element, control_id: str | None, helper_id: str | None) -> str:
    el.cacheable = False  # the options are rendered inside the select's context
    pairs = _input_attrs(el, control_id, "text")
    pairs.pop("type")
    pairs.pop("value", None)
    pairs.pop("placeholder", None)
    pairs["aria-describedby"] = helper_id
    pairs["multiple"] = el.props.get("multiple") is True
    el.run.push("select", _value(el))
    try:
        inner = _options(el) + el.children()
    finally:
        el.run.pop("select")
    placeholder = _scalar(el.props.get("placeholder"))
    if placeholder:
        inner = f'<option value="" disabled>{escape(placeholder)}</option>' + inner
    return f'<select class="mb-select"{attrs(pairs.items())}{el.event_attrs()}>{inner}</select>'


def select(el: Element) -> str:
    control_id = _control_id(el)
    helper, helper_id = _helper(el, control_id)
    control = _select_control(el, control_id, helper_id)
    cls = join(
        "mb-field",
        modifier("mb-field", el.props.get("size")),
        "mb-field--full-width" if el.props.get("fullWidth") is True else "",
        system_class(el, ("m", "mt", "mb", "width", "minWidth")),
    )
    return tag(
        "div", el.common(cls, events=False, own_id=False), _label(el, control_id) + control + helper
    )


def menu_item(el: Element) -> str:
    value = el.props.get("value", UNDEFINED)
    if el.run.ui.get("select"):
        current = el.run.top("select")
        selected = (
            current is not UNDEFINED and value is not UNDEFINED and loose_equals(current, value)
        )
        pairs = [
            ("value", _scalar(value) or ""),
            ("selected", selected),
            ("disabled", el.props.get("disabled") is True),
        ]
        label = re.sub(r"<[^>]*>", "", el.content("label", "text"))
        return f"<option{attrs(pairs)}>{label}</option>"
    extra = {
        "role": "menuitem",
        "tabindex": "0" if el.events else None,
        "aria-disabled": "true" if el.props.get("disabled") is True else None,
        "data-value": _scalar(value),
    }
    href = el.props.get("href")
    url = safe_url(href)
    if url is not None:
        return tag(
            "li",
            ' role="none"',
            tag(
                "a",
                el.common("mb-menu-item", extra={"href": url, "role": "menuitem"}),
                el.content("label", "text"),
            ),
        )
    return tag("li", el.common("mb-menu-item", extra=extra), el.content("label", "text"))


def _check(el: Element, *, switch: bool) -> str:
    control_id = _control_id(el, needed=False)
    checked = el.props.get("checked", el.props.get("defaultChecked"))
    pairs = [
        ("id", control_id),
        ("type", "checkbox"),
        ("name", _field_name(el)),
        ("value", _scalar(el.props.get("value")) or None),
        ("checked", checked is True),
        ("disabled", el.props.get("disabled") is True),
        ("required", el.props.get("required") is True),
        ("role", "switch" if switch else None),
    ]
    base = "mb-switch" if switch else "mb-checkbox"
    control = f'<input class="{base}__input"{attrs(pairs)}{el.event_attrs()}>'
    label = el.props.get("label")
    cls = join(base, modifier(base, el.props.get("color")), modifier(base, el.props.get("size")))
    if label not in (None, UNDEFINED, ""):
        return tag(
            "label",
            el.common(cls, extra={"for": control_id}, own_id=False),
            f'{control}<span class="{base}__label">{text(label)}</span>',
        )
    return tag("span", el.common(cls, own_id=False), control)


def checkbox(el: Element) -> str:
    return _check(el, switch=False)


def switch(el: Element) -> str:
    return _check(el, switch=True)


def slider(el: Element) -> str:
    control_id = _control_id(el, needed=False)
    props = el.props
    value = _value(el)
    pairs = [
        ("id", control_id),
        ("type", "range"),
        ("name", _field_name(el)),
        ("min", _scalar(props.get("min", 0))),
        ("max", _scalar(props.get("max", 100))),
        ("step", _scalar(props.get("step"))),
        ("value", _scalar(value)),
        ("disabled", props.get("disabled") is True),
    ]
    unit = _scalar(props.get("unit")) or ""
    shown = (
        f'<output class="mb-slider__value"{attrs([("for", control_id)])}>'
        f"{escape(_scalar(value) or '')}{escape(unit)}</output>"
        if _scalar(value) is not None
        else ""
    )
    control = f'<input class="mb-slider__input"{attrs(pairs)}{el.event_attrs()}>'
    return tag(
        "div" if control_id is not None else "label",
        el.common(
            join("mb-slider", system_class(el, ("width", "m", "mt", "mb"))),
            events=False,
            own_id=False,
        ),
        _label(el, control_id) + control + shown,
    )


_HEX_COLOR: Final = re.compile(r"^#[0-9a-fA-F]{6}$")


def color_picker(el: Element) -> str:
    control_id = _control_id(el, needed=False)
    value = _scalar(_value(el)) or ""
    kind = "color" if _HEX_COLOR.match(value) or not value else "text"
    pairs = [
        ("id", control_id),
        ("type", kind),
        ("name", _field_name(el)),
        ("value", value or None),
        ("disabled", el.props.get("disabled") is True),
    ]
    control = f'<input class="mb-color-picker__input"{attrs(pairs)}{el.event_attrs()}>'
    return tag(
        "div" if control_id is not None else "label",
        el.common("mb-color-picker mb-field", events=False, own_id=False),
        _label(el, control_id) + control,
    )


def form_control(el: Element) -> str:
    cls = join(
        "mb-form-control",
        "mb-field--full-width" if el.props.get("fullWidth") is True else "",
        modifier("mb-form-control", el.props.get("size")),
        system_class(el, ("m", "mt", "mb", "minWidth", "width")),
    )
    return tag(
        "fieldset" if el.props.get("component") == "fieldset" else "div",
        el.common(cls),
        el.children(),
    )


def form_control_label(el: Element) -> str:
    control = el.props.get("control")
    label = el.props.get("label")
    return tag(
        "label", el.common("mb-form-control-label"), f"{text(control)}<span>{text(label)}</span>"
    )


def form_group(el: Element) -> str:
    cls = join("mb-form-group", "mb-form-group--row" if el.props.get("row") is True else "")
    return tag("div", el.common(cls, extra={"role": "group"}), el.children())


def form_field(el: Element) -> str:
    """shadcn-style FormField: a label and an input of `inputType`, or its children."""
    if el.children():
        return tag("div", el.common("mb-field"), el.children())
    return text_field(el)


def input_label(el: Element) -> str:
    target = el.props.get("htmlFor", el.props.get("id"))
    return tag(
        "label",
        el.common("mb-field__label", extra={"for": _scalar(target)}),
        el.content("label", "text"),
    )


def input_adornment(el: Element) -> str:
    position = el.props.get("position", "start")
    return tag(
        "span",
        el.common(join("mb-input-adornment", modifier("mb-input-adornment", position))),
        el.content("text"),
    )


PRIMITIVES: Final[dict[str, Primitive]] = {
    "TextField": text_field,
    "Input": plain_input,
    "Textarea": textarea,
    "Select": select,
    "MenuItem": menu_item,
    "Checkbox": checkbox,
    "Switch": switch,
    "Slider": slider,
    "ColorPicker": color_picker,
    "FormControl": form_control,
    "FormControlLabel": form_control_label,
    "FormGroup": form_group,
    "FormField": form_field,
    "InputLabel": input_label,
    "InputAdornment": input_adornment,
}
