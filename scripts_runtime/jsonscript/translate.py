"""JSON-script documents -> Python module source for the sandbox (public entry points).

`translate_script(document, filename)` handles a script file (v2.2 `schemaVersion` or the
v2.1 `schema_version` dialect): constants become `c_<NAME>`, functions `f_<name>`, and the
generated `main(ctx)` calls the function named by the input::

    ctx.input = {"function": "clamp", "args": [150, 100]}   # or just the args list when the
                                                            # file has one exported function

`translate_component(component, script)` handles the component form (json_script_example):
`handlers` and `computed` bodies with `{{path}}` leaves and `setState`, bound to the
functions the component imports from `script`; its `main(ctx)` takes
``{"computed": name}`` or ``{"handler": name, "args": [...]}`` plus optional `props` and
`state`, and returns ``{"value": ..., "state": ...}``.

The result carries a line map (generated line -> JSON pointer) so errors point into the
JSON file. Problems are collected, not raised one by one: `TranslationError.issues` lists
every unsupported construct with its pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scripts_runtime.jsonscript.emitter import Emitter, const, func, var
from scripts_runtime.jsonscript.expressions import TranslationError, TranslationIssue, literal
from scripts_runtime.jsonscript.statements import StatementTranslator

SUPPORTED_VERSIONS = ("2.1", "2.2")


@dataclass(frozen=True)
class Translation:
    source: str
    line_map: dict[int, str]
    functions: tuple[str, ...]
    exported: tuple[str, ...]
    warnings: tuple[TranslationIssue, ...] = field(default=())


def _version_issue(document: Mapping[str, Any]) -> TranslationIssue | None:
    version = document.get("schemaVersion", document.get("schema_version"))
    if version is None:
        return None  # tolerated: the component form and hand-written snippets omit it
    if not isinstance(version, str) or not version.startswith(SUPPORTED_VERSIONS):
        return TranslationIssue(
            "/schemaVersion", f"unsupported JSON-script version {version!r} (2.1.x or 2.2.x)"
        )
    return None


def _function_entries(document: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    functions = document.get("functions")
    return [(i, f) for i, f in enumerate(functions or []) if isinstance(f, dict)]


def _emit_library(
    translator: StatementTranslator, document: Mapping[str, Any], out: Emitter
) -> tuple[list[str], list[str]]:
    names: list[str] = []
    exported: list[str] = []
    for index, constant in enumerate(document.get("constants") or []):
        where = f"/constants/{index}"
        if not isinstance(constant, dict) or not isinstance(constant.get("name"), str):
            translator.fail(where, "a constant needs a name")
            continue
        value = constant.get("value")
        try:
            rendered = literal(value)
        except TypeError:
            rendered = translator.expr(value, f"{where}/value")
        out.emit(0, f"{const(constant['name'])} = {rendered}", where)
    for index, function in _function_entries(document):
        where = f"/functions/{index}"
        name = function.get("name")
        if not isinstance(name, str) or not name:
            translator.fail(where, "a function needs a name")
            continue
        out.extend(
            translator.function_def(
                func(name), function.get("params"), function.get("body"), where, f"{where}/body"
            )
        )
        names.append(name)
        if function.get("exported", True):
            exported.append(name)
    export_list = document.get("exports", {})
    if isinstance(export_list, dict) and isinstance(export_list.get("functions"), list):
        exported = [n for n in names if n in export_list["functions"]] or exported
    return names, exported


def _translator(documents: list[Mapping[str, Any]]) -> StatementTranslator:
    translator = StatementTranslator()
    for document in documents:
        for constant in document.get("constants") or []:
            if isinstance(constant, dict) and isinstance(constant.get("name"), str):
                translator.constants.add(constant["name"])
        for _, function in _function_entries(document):
            if isinstance(function.get("name"), str):
                translator.functions.add(function["name"])
    return translator


def _finish(
    translator: StatementTranslator,
    out: Emitter,
    filename: str,
    names: list[str],
    exported: list[str],
) -> Translation:
    if translator.issues:
        raise TranslationError(translator.issues)
    header = Emitter()
    header.emit(0, f"# Python translation of the JSON-script file {filename!r}.", "")
    header.extend(out)
    source, line_map = header.render()
    return Translation(source, line_map, tuple(names), tuple(exported))


def translate_script(document: Mapping[str, Any], filename: str = "script.json") -> Translation:
    if not isinstance(document, Mapping):
        raise TranslationError([TranslationIssue("", "a JSON-script file must be an object")])
    translator = _translator([document])
    issue = _version_issue(document)
    if issue is not None:
        translator.issues.append(issue)
    out = Emitter()
    names, exported = _emit_library(translator, document, out)
    default = exported[0] if len(exported) == 1 else None
    out.emit(0, "FUNCTIONS = {" + ", ".join(f"{literal(n)}: {func(n)}" for n in names) + "}", "")
    out.emit(0, "def main(ctx):", "")
    out.emit(1, f"return js_finish(js_entry(FUNCTIONS, {literal(default)}, ctx.input))", "")
    return _finish(translator, out, filename, names, exported)


def translate_component(
    component: Mapping[str, Any],
    script: Mapping[str, Any] | None = None,
    filename: str = "component.json",
) -> Translation:
    """Translate one component's `state`, `handlers` and `computed` (see module docs)."""
    documents: list[Mapping[str, Any]] = [script] if script is not None else []
    translator = _translator(documents)
    out = Emitter()
    names: list[str] = []
    if script is not None:
        names, _ = _emit_library(translator, script, out)
    translator.context_var = "context"
    prop_defaults = {
        str(p["name"]): p.get("default")
        for p in component.get("props") or []
        if isinstance(p, dict) and "name" in p and "default" in p
    }
    out.emit(0, f"PROP_DEFAULTS = {literal(prop_defaults)}", "/props")
    raw_state = component.get("state")
    state: dict[str, Any] = raw_state if isinstance(raw_state, dict) else {}
    entries = ", ".join(
        f"({literal(str(k))}, {translator.expr(v, f'/state/{k}')})" for k, v in state.items()
    )
    out.emit(0, "def initial_state(context):", "/state")
    out.emit(1, f"return js_object({entries})", "/state")
    tables: dict[str, list[str]] = {"handlers": [], "computed": []}
    for section, prefix in (("handlers", "handler"), ("computed", "computed")):
        bodies = component.get(section)
        for key, spec in (bodies if isinstance(bodies, dict) else {}).items():
            where = f"/{section}/{key}"
            if not isinstance(spec, dict):
                translator.fail(where, f"{section} entries must be objects with a body")
                continue
            py_name = f"{prefix}_{var(str(key))[2:]}"
            out.extend(
                translator.function_def(
                    py_name, spec.get("params"), spec.get("body"), where, f"{where}/body", True
                )
            )
            tables[section].append(f"{literal(str(key))}: {py_name}")
    out.emit(0, "HANDLERS = {" + ", ".join(tables["handlers"]) + "}", "/handlers")
    out.emit(0, "COMPUTED = {" + ", ".join(tables["computed"]) + "}", "/computed")
    out.emit(0, "def main(ctx):", "")
    out.emit(
        1,
        "return js_finish(js_component_entry(PROP_DEFAULTS, initial_state, HANDLERS, "
        "COMPUTED, ctx.input))",
        "",
    )
    return _finish(translator, out, filename, names, list(tables["computed"]))


__all__ = [
    "Translation",
    "TranslationError",
    "TranslationIssue",
    "translate_component",
    "translate_script",
]
