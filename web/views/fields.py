"""Entity fields for the generated views: widget choice, form parsing and display text.

One schema drives all three. A field's widget follows its JSON Schema:

    boolean                       checkbox (a hidden "false" goes first, so unchecked posts false)
    integer / number              number input with min/max/step
    string + format date-time     datetime-local input (UTC)
    string + format date          date input
    string + format email / uri   email / url input
    enum                          select
    string, maxLength > 255, or   long text (textarea)
      "x-widget": "textarea"
    x-foreign-keys field          foreign-key picker: a select with a search box (x-label of the
                                  target names the option text)
    array of scalars              textarea, one value per line
    other object / array          JSON textarea
    x-sensitive                   password input: written, never shown

The same constraints become HTML attributes (required, min, max, step, minlength, maxlength,
pattern) for the browser to check before posting; the DBAL validator checks them again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from dbal.entity_model import EntityModel, FieldSpec, ForeignKeySpec
from dbal.errors import FieldError

LONG_TEXT: Final = 255
SCALAR_ITEMS: Final = frozenset({"string", "integer", "number", "boolean"})
LABEL_FIELDS: Final = ("name", "title", "label", "username", "slug", "email", "code")
DISPLAY_MAX: Final = 120


@dataclass(frozen=True, slots=True)
class Widget:
    control: str  # input | textarea | select | checkbox | fk
    input_type: str = "text"
    validate: str = ""  # client check for textareas: "json" or "array:<item type>"


def humanize(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def label_of(spec: FieldSpec) -> str:
    title = spec.schema.get("title")
    if isinstance(title, str) and title:
        return title
    name = spec.name
    return humanize(name[:-3] if name.endswith("_id") and len(name) > 3 else name)


def array_item_type(spec: FieldSpec) -> str | None:
    """The item type of an array-of-scalars field, else None."""
    if spec.kind != "json":
        return None
    declared = spec.schema.get("type")
    types = declared if isinstance(declared, list) else [declared]
    if "array" not in types:
        return None
    items = spec.schema.get("items")
    item_type = items.get("type") if isinstance(items, Mapping) else None
    return item_type if item_type in SCALAR_ITEMS else None


def foreign_key(model: EntityModel, name: str) -> ForeignKeySpec | None:
    return next((fk for fk in model.foreign_keys if fk.field == name), None)


def widget(model: EntityModel, spec: FieldSpec) -> Widget:
    schema = spec.schema
    if foreign_key(model, spec.name) is not None:
        return Widget("fk")
    if spec.sensitive:
        return Widget("input", "password")
    if "enum" in schema:
        return Widget("select")
    kind = spec.kind
    if kind == "boolean":
        return Widget("checkbox")
    if kind in ("integer", "number"):
        return Widget("input", "number")
    if kind == "datetime":
        return Widget("input", "datetime-local")
    if kind == "json":
        item = array_item_type(spec)
        return Widget("textarea", validate=f"array:{item}" if item else "json")
    fmt = schema.get("format")
    if fmt == "date":
        return Widget("input", "date")
    if fmt == "email":
        return Widget("input", "email")
    if fmt in ("uri", "url", "iri"):
        return Widget("input", "url")
    max_length = schema.get("maxLength")
    if schema.get("x-widget") == "textarea" or (
        isinstance(max_length, int) and max_length > LONG_TEXT
    ):
        return Widget("textarea")
    return Widget("input", "text")


def constraints(spec: FieldSpec, w: Widget) -> dict[str, Any]:
    """HTML constraint attributes (the TextField `inputProps`) from the field's schema."""
    schema = spec.schema
    out: dict[str, Any] = {}
    if w.input_type == "number":
        step = schema.get("multipleOf", 1 if spec.kind == "integer" else "any")
        out["step"] = step
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if _is_number(schema.get(key)):
                out[attr] = schema[key]
    elif w.input_type == "datetime-local":
        out["step"] = 1
    elif spec.kind == "string" and w.control in ("input", "textarea"):
        for key, attr in (("minLength", "minLength"), ("maxLength", "maxLength")):
            if isinstance(schema.get(key), int):
                out[attr] = schema[key]
        if isinstance(schema.get("pattern"), str) and w.control == "input":
            out["pattern"] = _html_pattern(schema["pattern"])
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _html_pattern(pattern: str) -> str:
    """HTML anchors the pattern to the whole value; JSON Schema searches anywhere in it."""
    core = pattern
    starts, ends = core.startswith("^"), core.endswith("$") and not core.endswith("\\$")
    core = core[1:] if starts else core
    core = core[:-1] if ends else core
    return ("" if starts else ".*") + f"(?:{core})" + ("" if ends else ".*")


def enum_options(spec: FieldSpec, *, blank: bool) -> list[dict[str, str]]:
    values = [v for v in spec.schema.get("enum", []) if v is not None]
    options = [{"value": "", "label": "—"}] if blank else []
    return options + [{"value": form_text(v), "label": form_text(v)} for v in values]


# -- values -> text ----------------------------------------------------------------------------


def form_text(value: Any, spec: FieldSpec | None = None) -> str:
    """A stored value as the text its form control holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    if spec is not None and spec.kind == "json":
        if array_item_type(spec) and isinstance(value, list):
            return "\n".join(form_text(v) for v in value)
        return json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def display_text(value: Any, spec: FieldSpec | None = None) -> str:
    """A stored value as a short line of text for tables and detail pages."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, list) and spec is not None and array_item_type(spec):
        text = ", ".join(display_text(v) for v in value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = str(value)
    return text if len(text) <= DISPLAY_MAX else text[: DISPLAY_MAX - 1] + "…"


def label_field(model: EntityModel) -> str:
    """The field that names a row in pickers and links: x-label, a usual name, else id."""
    declared = model.schema.get("x-label")
    if isinstance(declared, str) and declared in model.visible:
        return declared
    for name in LABEL_FIELDS:
        spec = model.fields.get(name)
        if spec is not None and spec.kind == "string" and not spec.sensitive:
            return name
    return "id"


def row_label(model: EntityModel, row: Mapping[str, Any]) -> str:
    value = row.get(label_field(model))
    return display_text(value) or str(row.get("id", ""))


# -- form text -> values -----------------------------------------------------------------------


class FormParse:
    """Form values -> typed entity data, collecting one error per field."""

    def __init__(self, model: EntityModel, *, creating: bool) -> None:
        self.model = model
        self.creating = creating
        self.data: dict[str, Any] = {}
        self.errors: list[FieldError] = []

    def field(self, spec: FieldSpec, raw: Sequence[str]) -> None:
        w = widget(self.model, spec)
        if w.control == "checkbox":
            self.data[spec.name] = bool(raw) and raw[-1] == "true"
            return
        text = raw[-1] if raw else ""
        if w.input_type != "password" and w.control != "textarea":
            text = text.strip()
        if text == "" and not (w.validate.startswith("array") and spec.required):
            self._empty(spec, w)
            return
        try:
            self.data[spec.name] = self._value(spec, w, text)
        except ValueError as error:
            self.errors.append({"field": spec.name, "error": str(error)})

    def _empty(self, spec: FieldSpec, w: Widget) -> None:
        if self.creating or w.input_type == "password":
            return  # defaults apply; an empty password field keeps the stored secret
        if spec.nullable:
            self.data[spec.name] = None
        elif spec.kind == "string" and not spec.required and w.control != "select":
            self.data[spec.name] = ""
        elif w.validate.startswith("array"):
            self.data[spec.name] = []

    def _value(self, spec: FieldSpec, w: Widget, text: str) -> Any:
        if w.control == "select" and "enum" in spec.schema:
            for option in spec.schema["enum"]:
                if option is not None and form_text(option) == text:
                    return option
            raise ValueError("is not one of the choices")
        if w.validate == "json":
            try:
                return json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"is not valid JSON ({error.msg}, line {error.lineno})") from None
        if w.validate.startswith("array:"):
            item = w.validate.split(":", 1)[1]
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            return [scalar(item, line, f"line {n}: ") for n, line in enumerate(lines, 1)]
        if spec.kind == "datetime":
            return _datetime(text)
        if spec.kind in ("integer", "number"):
            return scalar(spec.kind, text)
        return text


def scalar(kind: str, text: str, where: str = "") -> Any:
    """One typed value from text: integer, number, boolean or string."""
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{where}{text[:40]!r} is not a whole number") from None
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{where}{text[:40]!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{where}must be a finite number")
        return int(value) if value.is_integer() and "." not in text and "e" not in text else value
    if kind == "boolean":
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise ValueError(f"{where}{text[:40]!r} is not true or false")
    return text


def _datetime(text: str) -> str:
    """A datetime-local value (no zone: UTC) or an ISO 8601 string with a zone."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not a date and time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()
