"""Cross-file checks of one loaded package: references between its files.

In strict mode every finding is an error; in tolerant mode (original packages, which have
dangling references by the dozen) a warning. Dependency packages are not loaded here, so a
reference qualified by a declared dependency (``dep_id.Name``) is accepted; the catalog
resolves it later.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.packages.jsonread import LoadMode
from engine.packages.model import Package
from engine.packages.problems import Problems, pointer
from engine.packages.schemas import check_config

_REF_NODE_TYPES = ("ComponentRef", "component")
_HANDLER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")


class _Reporter:
    def __init__(self, problems: Problems, mode: LoadMode) -> None:
        self.problems = problems
        self.mode = mode

    def __call__(self, code: str, message: str, file: str, ptr: str = "") -> None:
        if self.mode == "strict":
            self.problems.error(code, message, file, ptr)
        else:
            self.problems.warning(code, message, file, ptr)


def check_package(package: Package, problems: Problems, mode: LoadMode) -> None:
    report = _Reporter(problems, mode)
    _check_routes(package, report)
    _check_templates(package, report)
    _check_handlers(package, report)
    _check_exports(package, report)
    _check_scripts(package, report)
    _check_entities(package, report)
    _check_config(package, problems)


def resolves(package: Package, ref: str) -> bool:
    if package.component(ref) is not None:
        return True
    head, _, tail = ref.partition(".")
    return bool(tail) and (head in package.dependencies or head == package.id)


def _check_routes(package: Package, report: _Reporter) -> None:
    seen: dict[str, str] = {}
    for route in package.pages:
        if route.path in seen:
            report(
                "duplicate_route",
                f"route path {route.path} is also declared by route {seen[route.path]!r}",
                route.file,
                route.pointer + "/path",
            )
        seen.setdefault(route.path, route.id)
        if not route.component or not resolves(package, route.component):
            report(
                "missing_page_component",
                f"route {route.path} refers to component {route.component!r}, "
                f"which package {package.id} does not define",
                route.file,
                route.pointer + "/component",
            )


def walk_nodes(node: Any, ptr: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every object in a template (nodes and `$ref` objects) with its JSON pointer."""
    stack: list[tuple[Any, str]] = [(node, ptr)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            yield current, where
            stack.extend(
                (v, where + pointer(k)) for k, v in current.items() if isinstance(v, dict | list)
            )
        elif isinstance(current, list):
            stack.extend(
                (v, where + pointer(i)) for i, v in enumerate(current) if isinstance(v, dict | list)
            )


def node_reference(node: dict[str, Any]) -> str | None:
    """The component a composition node refers to, if it is one."""
    if "$ref" in node and "type" not in node:
        ref = node["$ref"]
        return ref if isinstance(ref, str) else None
    if node.get("type") in _REF_NODE_TYPES:
        props: dict[str, Any] = node["props"] if isinstance(node.get("props"), dict) else {}
        for candidate in (node.get("ref"), props.get("ref"), node.get("name")):
            if isinstance(candidate, str) and candidate and "{{" not in candidate:
                return candidate
    return None


def _check_templates(package: Package, report: _Reporter) -> None:
    for component in package.components:
        render = component.definition.get("render")
        if render is None:
            continue
        for node, where in walk_nodes(render, component.pointer + "/render"):
            ref = node_reference(node)
            if ref is not None and not resolves(package, ref):
                report(
                    "dangling_component_ref",
                    f"component {component.id!r} refers to {ref!r}, which is not defined",
                    component.file,
                    where,
                )


def _check_handlers(package: Package, report: _Reporter) -> None:
    scripts = {s.name for s in package.scripts}
    for component in package.components:
        for key in ("handlers", "scripts", "events"):
            table = component.definition.get(key)
            if not isinstance(table, dict):
                continue
            for event, target in table.items():
                if not isinstance(target, str) or not _HANDLER_NAME.match(target):
                    continue  # inline JSON-script, expression or raw statement
                module = target.split(".", 1)[0]
                if module in scripts or module in package.dependencies:
                    continue
                report(
                    "dangling_handler",
                    f"component {component.id!r} {key}.{event} refers to {target!r}, "
                    "which names no script of the package",
                    component.file,
                    component.pointer + pointer(key, event),
                )


def _check_exports(package: Package, report: _Reporter) -> None:
    components = package.exports.get("components")
    for index, ref in enumerate(components if isinstance(components, list) else []):
        if isinstance(ref, str) and not resolves(package, ref):
            report(
                "dangling_export",
                f"exported component {ref!r} is not defined",
                "package.json",
                pointer("exports", "components", index),
            )
    scripts = package.exports.get("scripts")
    names = {s.name for s in package.scripts}
    for index, ref in enumerate(scripts if isinstance(scripts, list) else []):
        if isinstance(ref, str) and ref not in names:
            report(
                "dangling_export",
                f"exported script {ref!r} has no manifest in scripts/",
                "package.json",
                pointer("exports", "scripts", index),
            )


def _check_scripts(package: Package, report: _Reporter) -> None:
    for script in package.scripts:
        file = f"scripts/{script.body_file.stem}.json"
        if script.kind == "cron":
            fields = (script.schedule or "").split()
            if len(fields) not in (5, 6) or not all(_CRON_FIELD.match(f) for f in fields):
                report(
                    "bad_schedule", f"{script.schedule!r} is not a cron schedule", file, "/schedule"
                )
            if not _known_time_zone(script.time_zone):
                report(
                    "bad_time_zone", f"unknown time zone {script.time_zone!r}", file, "/timeZone"
                )
        elif script.schedule:
            report("schedule_without_cron", "only cron scripts take a schedule", file, "/schedule")
        if script.input_schema is not None:
            try:
                Draft202012Validator.check_schema(script.input_schema)
            except SchemaError as exc:
                report(
                    "bad_input_schema", f"input is not a JSON Schema: {exc.message}", file, "/input"
                )


def _check_entities(package: Package, report: _Reporter) -> None:
    titles: set[str] = set()
    tables: set[str] = set()
    for index, entity in enumerate(package.entities):
        title = entity.get("title")
        table = entity.get("x-table")
        where = f"entities[{index}]"
        if isinstance(title, str):
            if title in titles:
                report("duplicate_entity", f"entity {title!r} is defined twice", where, "/title")
            titles.add(title)
        if isinstance(table, str):
            if table in tables:
                report("duplicate_table", f"table {table!r} is used twice", where, "/x-table")
            tables.add(table)


def check_workflow(workflow: dict[str, Any], file: str, problems: Problems, mode: LoadMode) -> None:
    """Connections must name nodes of the workflow (by id, or by name as n8n does)."""
    report = _Reporter(problems, mode)
    nodes = workflow.get("nodes")
    connections = workflow.get("connections")
    if not isinstance(nodes, list) or not isinstance(connections, dict):
        return
    ids = {n.get("id") for n in nodes if isinstance(n, dict)}
    names = {n.get("name") for n in nodes if isinstance(n, dict)}
    for source, outputs in connections.items():
        if source not in ids and source not in names:
            report(
                "dangling_connection",
                f"connection from unknown node {source!r}",
                file,
                pointer("connections", source),
            )
        if not isinstance(outputs, dict):
            continue
        for port, slots in outputs.items():
            for s, slot in enumerate(slots if isinstance(slots, list) else []):
                for t, target in enumerate(slot if isinstance(slot, list) else []):
                    node = target.get("node") if isinstance(target, dict) else None
                    if node not in ids and node not in names:
                        report(
                            "dangling_connection",
                            f"connection to unknown node {node!r}",
                            file,
                            pointer("connections", source, port, s, t, "node"),
                        )


def _check_config(package: Package, problems: Problems) -> None:
    if package.config_schema is None:
        return
    try:
        Draft202012Validator.check_schema(package.config_schema)
    except SchemaError as exc:
        problems.error(
            "bad_config_schema",
            f"configSchema is not a JSON Schema: {exc.message}",
            "package.json",
            "/configSchema",
        )
        return
    for problem in check_config(package.default_config, package.config_schema, "package.json"):
        problems.error(
            problem.code,
            f"defaultConfig: {problem.message}",
            "package.json",
            "/defaultConfig" + problem.pointer,
        )


def _known_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return True
