"""Create and edit forms: schema -> controls, posted text -> typed data, DBAL errors -> fields.

A failed save shows the form again (status 422) with what was typed and each error next to its
field: the validator's field errors as they come, a unique violation on the fields of the
unique index that clashed (found by asking which index has a row with the posted values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dbal.database import Database
from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import DataError, FieldError, ValidationError
from dbal.query import access
from dbal.scope import ADMIN, Scope
from web.views.fields import (
    FormParse,
    constraints,
    enum_options,
    foreign_key,
    form_text,
    label_of,
    widget,
)
from web.views.listing import label_of_entity, picker_options

LONG_ROWS = 6


def form_fields(model: EntityModel, scope: Scope, *, creating: bool) -> list[FieldSpec]:
    """The fields a form shows: data fields, minus the owner field below admin level
    (the DBAL sets it to the caller) and minus read-only fields when creating."""
    out = []
    for name in model.data_fields:
        spec = model.fields[name]
        if name == model.owner and not scope.is_system and scope.level < ADMIN:
            continue
        if creating and spec.schema.get("readOnly") is True:
            continue
        out.append(spec)
    return out


def initial_values(model: EntityModel, row: Mapping[str, Any] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in model.data_fields:
        spec = model.fields[name]
        if spec.sensitive:
            continue
        if row is not None:
            values[name] = form_text(row.get(name), spec)
        elif "default" in spec.schema:
            values[name] = form_text(spec.schema["default"], spec)
    return values


def parse_form(
    model: EntityModel, fields: Sequence[FieldSpec], form: Any, *, creating: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    parse = FormParse(model, creating=creating)
    for spec in fields:
        if spec.schema.get("readOnly") is True:
            continue
        parse.field(spec, [str(v) for v in form.getlist(spec.name)])
    return parse.data, parse.errors


def posted_values(fields: Sequence[FieldSpec], form: Any) -> dict[str, str]:
    """What the visitor typed, to show again (never a secret)."""
    out: dict[str, str] = {}
    for spec in fields:
        if spec.sensitive:
            continue
        values = [str(v) for v in form.getlist(spec.name)]
        out[spec.name] = values[-1] if values else ""
    return out


def field_errors(error: DataError) -> tuple[dict[str, str], str]:
    """Per-field messages (by top-level field name) and what belongs to no field."""
    by_field: dict[str, str] = {}
    if isinstance(error, ValidationError) and error.fields:
        for item in error.fields:
            name = str(item["field"]).split(".", 1)[0]
            by_field.setdefault(name, str(item["error"]))
        return by_field, ""
    return by_field, error.message


def unique_clashes(
    db: Database,
    tenant_id: str,
    model: EntityModel,
    data: Mapping[str, Any],
    record_id: str | None,
) -> list[FieldError]:
    """The fields of each unique index that another row of the tenant already has."""
    system = db.entities(Scope.system(tenant_id), package=model.package_id)
    found: list[FieldError] = []
    for index in model.indexes:
        if not index.unique or not all(data.get(f) is not None for f in index.fields):
            continue
        where: dict[str, Any] = {f: data[f] for f in index.fields}
        if record_id is not None:
            where["id"] = {"ne": record_id}
        try:
            clash = system.count(model.name, filter=where) > 0
        except DataError:
            continue
        if clash:
            others = ", ".join(label_of(model.fields[f]) for f in index.fields)
            message = "is already in use" + (f" (with {others})" if len(index.fields) > 1 else "")
            found += [{"field": f, "error": message} for f in index.fields]
    return found


def dangling_references(
    db: Database, tenant_id: str, model: EntityModel, data: Mapping[str, Any]
) -> list[FieldError]:
    """Foreign-key fields whose value names no row of the target entity in this tenant."""
    found: list[FieldError] = []
    for fk in model.foreign_keys:
        value = data.get(fk.field)
        if value is None:
            continue
        try:
            target = db.schema.get(fk.entity, model.package_id).model
            system = db.entities(Scope.system(tenant_id), package=target.package_id)
            exists = system.count(target.name, filter={"id": value}) > 0
        except DataError:
            exists = False
        if not exists:
            found.append({"field": fk.field, "error": f"is not a {target_label(fk.entity)}"})
    return found


def target_label(entity: str) -> str:
    return entity.rsplit(".", 1)[-1].replace("_", " ")


def form_view(
    db: Database,
    scope: Scope,
    model: EntityModel,
    *,
    slug: str,
    base: str,
    fields: Sequence[FieldSpec],
    values: Mapping[str, str],
    errors: Mapping[str, str],
    error: str = "",
    record_id: str | None = None,
    record_label: str = "",
) -> dict[str, Any]:
    """`data.view` of the form component (web/views/README.md describes every key)."""
    creating = record_id is None
    entity = model.name.replace("_", " ")
    controls = [
        _control(db, scope, model, spec, slug, values.get(spec.name, ""), errors.get(spec.name))
        for spec in fields
    ]
    known = {spec.name for spec in fields}
    stray = [f"{name}: {message}" for name, message in errors.items() if name not in known]
    general = "; ".join(m for m in [error, *stray] if m)
    if errors and not general:
        general = "Please correct the fields marked below."
    return {
        "title": f"New {entity}" if creating else f"Edit {record_label or entity}",
        "entity": model.name,
        "package": model.package_id,
        "fields": controls,
        "error": general,
        "submitLabel": "Create" if creating else "Save",
        "cancelHref": base if creating else f"{base}/{record_id}",
        "listHref": base,
        "listTitle": label_of_entity(model),
    }


def _control(
    db: Database,
    scope: Scope,
    model: EntityModel,
    spec: FieldSpec,
    slug: str,
    value: str,
    error: str | None,
) -> dict[str, Any]:
    w = widget(model, spec)
    description = spec.schema.get("description")
    hint = description if isinstance(description, str) else ""
    if w.validate.startswith("array"):
        hint = (hint + " " if hint else "") + "One value per line."
    elif w.validate == "json":
        hint = (hint + " " if hint else "") + "JSON."
    elif w.input_type == "datetime-local":
        hint = (hint + " " if hint else "") + "UTC."
    elif w.input_type == "password" and value == "":
        hint = hint or "Leave empty to keep the current value."
    control: dict[str, Any] = {
        "name": spec.name,
        "id": f"f-{spec.name}",
        "label": label_of(spec),
        "control": w.control,
        "inputType": w.input_type,
        "validate": w.validate,
        "required": spec.required,
        "readOnly": spec.schema.get("readOnly") is True,
        "inputProps": constraints(spec, w),
        "value": value,
        "checked": value == "true",
        "error": error is not None,
        "helper": error if error is not None else hint,
        "rows": LONG_ROWS,
        "options": [],
        "optionsUrl": "",
    }
    if w.control == "select":
        control["options"] = enum_options(spec, blank=not spec.required or not value)
    elif w.control == "fk":
        control.update(_picker(db, scope, model, spec, slug, value))
    return control


def _picker(
    db: Database, scope: Scope, model: EntityModel, spec: FieldSpec, slug: str, value: str
) -> dict[str, Any]:
    fk = foreign_key(model, spec.name)
    assert fk is not None
    blank = [{"value": "", "label": "—"}]
    try:
        target = db.schema.get(fk.entity, model.package_id).model
        access(target, scope, "read")
        options = picker_options(db, scope, target, "", current=value or None)
    except DataError:
        current = [{"value": value, "label": value}] if value else []
        return {"options": blank + current, "optionsUrl": ""}
    url = f"/{slug}/{target.package_id}/{target.name}?format=options"
    return {"options": blank + options, "optionsUrl": url}
