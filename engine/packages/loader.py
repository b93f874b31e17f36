"""Load one package directory into a `Package`, reporting every problem with file and pointer.

``strict`` is for our own packages: any schema violation, duplicate id or dangling reference is
an error and the result carries no package. ``tolerant`` is for the original project's packages:
the quirks listed in `jsonread` and `compat` are repaired and reported as warnings, and only a
missing or unreadable package.json stops loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dbal.entity_model import parse_entity
from dbal.errors import SchemaError as DbalSchemaError
from engine.packages import checks, compat, entities_compat
from engine.packages.jsonread import LoadMode, read_json
from engine.packages.levels import from_one_based
from engine.packages.model import ComponentDef, LoadResult, Package, PageRoute, ScriptManifest
from engine.packages.problems import Problem, Problems, Severity, pointer
from engine.packages.schemas import FileKind, check_template, validate_document
from scripts_runtime.jsonscript.expressions import TranslationError
from scripts_runtime.jsonscript.translate import translate_script

__all__ = ["load_package"]

_SCRIPT_DEFAULT_TIMEOUT_S = 10.0
_SCRIPT_DEFAULT_MEMORY_MB = 256


@dataclass
class _Context:
    root: Path
    mode: LoadMode
    problems: Problems = field(default_factory=Problems)
    original: bool = False

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def issue(self, code: str, message: str, file: str, ptr: str = "") -> None:
        """An error in strict mode, a warning in tolerant mode."""
        if self.mode == "strict":
            self.problems.error(code, message, file, ptr)
        else:
            self.problems.warning(code, message, file, ptr)

    def read(self, path: Path, kind: FileKind | None = None, rel: str | None = None) -> Any:
        file = rel or self.rel(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.error("unreadable_file", f"cannot read file: {exc}", file)
            return None
        result = read_json(text, file, self.mode)
        self.problems.extend(result.problems)
        if not result.ok:
            return None
        if kind is not None and self.mode == "strict":
            self.problems.extend(validate_document(result.value, kind, file))
        return result.value

    def validate_tolerant(self, document: Any, kind: FileKind, file: str) -> None:
        if self.mode == "tolerant":
            self.problems.extend(validate_document(document, kind, file, severity="warning"))


def _json_files(directory: Path, *, exclude: tuple[str, ...] = ()) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.glob("*.json") if p.is_file() and not p.name.endswith(exclude)
    )


def load_package(
    path: Path, mode: LoadMode = "strict", *, overlay: Path | None = None
) -> LoadResult:
    """Load the package at ``path``.

    ``overlay`` is an extra directory whose ``page-config/`` and ``workflow/`` files are merged in
    (the original project's HEAD files for a Jan-8 package).
    """
    ctx = _Context(Path(path), mode)
    if not ctx.root.is_dir():
        ctx.problems.error("not_a_directory", f"package directory not found: {path}", "")
        return LoadResult(None, ctx.problems.items)
    meta = _read_metadata(ctx)
    if meta is None:
        return LoadResult(None, ctx.problems.items)
    package = _package_from_metadata(ctx, meta)
    _load_components(ctx, package)
    for root in (ctx.root, overlay):
        if root is not None:
            _load_pages(ctx, package, root)
            _load_workflows(ctx, package, root)
    _load_original_routes(ctx, package, meta)
    _load_scripts(ctx, package)
    _load_entities(ctx, package)
    _load_singletons(ctx, package)
    _load_tests(ctx, package)
    checks.check_package(package, ctx.problems, ctx.mode)
    if ctx.problems.has_errors and mode == "strict":
        return LoadResult(None, ctx.problems.items)
    return LoadResult(package, ctx.problems.items)


def _read_metadata(ctx: _Context) -> dict[str, Any] | None:
    manifest = ctx.root / "package.json"
    if not manifest.is_file():
        fallback = ctx.root / "seed" / "metadata.json"
        if ctx.mode == "tolerant" and fallback.is_file():
            ctx.problems.warning(
                "legacy_metadata", "no package.json; read seed/metadata.json", "seed/metadata.json"
            )
            manifest = fallback
        else:
            ctx.problems.error("missing_package_json", "package.json is missing", "package.json")
            return None
    file = ctx.rel(manifest)
    raw = ctx.read(manifest, "package")
    if not isinstance(raw, dict):
        if not any(p.severity == "error" and p.file == file for p in ctx.problems.items):
            ctx.problems.error("schema_type", f"{file} must be an object", file)
        return None
    if ctx.mode == "tolerant":
        raw = compat.normalise_metadata(raw, ctx.rel(manifest), ctx.problems)
        ctx.original = bool(raw.pop("x-original-format", False))
        ctx.validate_tolerant(raw, "package", ctx.rel(manifest))
    meta: dict[str, Any] = raw
    return meta


def _package_from_metadata(ctx: _Context, meta: dict[str, Any]) -> Package:
    package_id = meta.get("id") or meta.get("packageId") or ctx.root.name
    deps = meta.get("dependencies")
    dependencies = (
        {str(k): str(v) for k, v in deps.items() if isinstance(v, str)}
        if isinstance(deps, dict)
        else {}
    )
    min_level = meta.get("minLevel", 0)
    config_schema = meta.get("configSchema")
    default_config = meta.get("defaultConfig")
    default_route = meta.get("defaultRoute")
    if default_route is None and isinstance(default_config, dict):
        route = default_config.get("defaultRoute")
        default_route = route if isinstance(route, str) else None
    return Package(
        id=str(package_id),
        name=str(meta.get("name", package_id)),
        version=str(meta.get("version", "0.0.0")),
        description=str(meta.get("description", "")),
        min_level=min_level if isinstance(min_level, int) else 0,
        primary=bool(meta.get("primary", True)),
        dependencies=dependencies,
        root=ctx.root,
        config_schema=config_schema if isinstance(config_schema, dict) else None,
        default_config=dict(default_config) if isinstance(default_config, dict) else {},
        exports=dict(meta["exports"]) if isinstance(meta.get("exports"), dict) else {},
        default_route=default_route if isinstance(default_route, str) else None,
        metadata=meta,
        mode=ctx.mode,
    )


def _load_components(ctx: _Context, package: Package) -> None:
    seen: dict[str, str] = {}
    for path in _json_files(ctx.root / "components"):
        file = ctx.rel(path)
        doc = ctx.read(path, "components")
        if doc is None:
            continue
        ctx.validate_tolerant(doc, "components", file)
        items = doc.get("components") if isinstance(doc, dict) else None
        if items is None and isinstance(doc, dict) and isinstance(doc.get("ui"), dict):
            items = doc["ui"].get("components")
        if not isinstance(items, list):
            ctx.issue("no_components", "expected an object with a `components` array", file)
            continue
        for index, item in enumerate(items):
            ptr = pointer("components", index)
            if not isinstance(item, dict):
                ctx.issue("component_not_object", "a component must be an object", file, ptr)
                continue
            cid, name = item.get("id"), item.get("name")
            if not isinstance(cid, str) or not cid:
                if ctx.mode == "strict" or not isinstance(name, str):
                    ctx.issue("component_without_id", "a component needs a string id", file, ptr)
                    continue
                cid = compat.snake_id(name)
            if cid in seen:
                ctx.issue(
                    "duplicate_component_id",
                    f"component id {cid!r} is already defined in {seen[cid]}",
                    file,
                    ptr + "/id",
                )
                continue
            seen[cid] = f"{file}#{ptr}"
            if ctx.mode == "tolerant":
                compat.normalise_template(item, file, ptr, ctx.problems)
            render = item.get("render")
            if isinstance(render, dict) and "template" in render:
                severity: Severity = "error" if ctx.mode == "strict" else "warning"
                ctx.problems.extend(
                    check_template(render["template"], file, ptr + "/render/template", severity)
                )
            name = name if isinstance(name, str) and name else cid
            package.components.append(ComponentDef(cid, name, item, file, ptr))
        if ctx.mode == "tolerant" and isinstance(doc, dict) and isinstance(doc.get("pages"), list):
            compat.pages_from_ui_json(package, doc["pages"], file, ctx.problems)


def _route(raw: dict[str, Any], default_id: str, level: int, file: str, ptr: str) -> PageRoute:
    sort_order = raw.get("sortOrder", 0)
    return PageRoute(
        id=str(raw.get("id") or default_id),
        path=str(raw.get("path", "")),
        title=str(raw.get("title", "")),
        component=str(raw.get("component", "")),
        level=level,
        requires_auth=raw.get("requiresAuth") is True,
        is_published=raw.get("isPublished", True) is not False,
        sort_order=sort_order if isinstance(sort_order, int) else 0,
        description=raw["description"] if isinstance(raw.get("description"), str) else None,
        icon=raw["icon"] if isinstance(raw.get("icon"), str) else None,
        meta={
            k: v
            for k, v in raw.items()
            if k in ("breadcrumbs", "layout", "meta", "params", "parentPath", "requiredRole")
        },
        file=file,
        pointer=ptr,
    )


def _load_pages(ctx: _Context, package: Package, root: Path) -> None:
    for path in _json_files(root / "page-config", exclude=("metadata.json",)):
        file = ctx.rel(path) if root == ctx.root else f"page-config/{path.name} (overlay)"
        doc = ctx.read(path, "page-config", file)
        if doc is None:
            continue
        ctx.validate_tolerant(doc, "page-config", file)
        if not isinstance(doc, list):
            ctx.issue("page_config_not_array", "page-config must be an array of routes", file)
            continue
        for index, raw in enumerate(doc):
            ptr = pointer(index)
            if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
                ctx.issue("route_without_path", "a route needs a string path", file, ptr)
                continue
            level = raw.get("level", 0)
            if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 5:
                # HEAD page-config is on the 0..5 scale already; out-of-range values are clamped
                ctx.issue("level_out_of_range", f"level {level!r} is not in 0..5", file, ptr)
                level = min(5, max(0, level)) if isinstance(level, int) else 0
            package.pages.append(_route(raw, f"page_{package.id}_{index}", level, file, ptr))


def _load_original_routes(ctx: _Context, package: Package, meta: dict[str, Any]) -> None:
    routes = meta.get("routes")
    if ctx.mode != "tolerant" or not isinstance(routes, list):
        return
    for index, raw in enumerate(routes):
        if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
            continue
        level = raw.get("minLevel", 1)
        route = _route(
            raw,
            f"page_{package.id}_route_{index}",
            from_one_based(level) if isinstance(level, int) else 0,
            "package.json",
            pointer("routes", index),
        )
        package.pages.append(route)


def _load_workflows(ctx: _Context, package: Package, root: Path) -> None:
    for path in _json_files(root / "workflow"):
        file = ctx.rel(path) if root == ctx.root else f"workflow/{path.name} (overlay)"
        doc = ctx.read(path, "workflow", file)
        if doc is None:
            continue
        ctx.validate_tolerant(doc, "workflow", file)
        if isinstance(doc, dict):
            doc.setdefault("id", f"workflow_{path.stem.replace('-', '_')}")
            checks.check_workflow(doc, file, ctx.problems, ctx.mode)
            package.workflows.append(doc)


def _load_scripts(ctx: _Context, package: Package) -> None:
    directory = ctx.root / "scripts"
    for path in _json_files(directory, exclude=(".script.json",)):
        file = ctx.rel(path)
        doc = ctx.read(path)
        if not isinstance(doc, dict):
            if doc is not None:
                ctx.issue("schema_type", "a script manifest must be an object", file)
            continue
        if "functions" in doc and "kind" not in doc:
            continue  # a JSON-script body referenced by a manifest, not a manifest itself
        severity: Severity = "error" if ctx.mode == "strict" else "warning"
        ctx.problems.extend(validate_document(doc, "script", file, severity))
        manifest = _script_manifest(ctx, doc, path, file)
        if manifest is not None:
            if package.script(manifest.name) is not None:
                ctx.issue(
                    "duplicate_script", f"script {manifest.name!r} is defined twice", file, "/name"
                )
                continue
            package.scripts.append(manifest)


def _script_manifest(
    ctx: _Context, doc: dict[str, Any], path: Path, file: str
) -> ScriptManifest | None:
    name = str(doc["name"]) if isinstance(doc.get("name"), str) else path.stem
    kind = doc.get("kind", "action")
    if kind not in ("init", "action", "cron"):
        ctx.issue("bad_script_kind", f"unknown script kind {kind!r}", file, "/kind")
        return None
    body_name = doc.get("body")
    candidates = (
        [path.parent / body_name]
        if isinstance(body_name, str)
        else [path.with_suffix(".py"), path.parent / f"{path.stem}.script.json"]
    )
    body = next((c for c in candidates if c.is_file()), None)
    if body is None:
        ctx.issue(
            "missing_script_body",
            f"no script body: expected {', '.join(ctx.rel(c) for c in candidates)}",
            file,
            "/body" if isinstance(body_name, str) else "",
        )
        return None
    if body.resolve().parent != path.resolve().parent:
        ctx.issue("script_body_outside", "the script body must sit next to its manifest", file)
        return None
    source = body.read_text(encoding="utf-8")
    body_kind: Any = "python" if body.suffix == ".py" else "json-script"
    line_map: dict[int, str] = {}
    if body_kind == "json-script":
        body_rel = ctx.rel(body)
        ast = read_json(source, body_rel, ctx.mode)
        ctx.problems.extend(ast.problems)
        if not ast.ok:
            return None
        try:
            translation = translate_script(ast.value, body_rel)
        except TranslationError as exc:
            for issue in exc.issues:
                ctx.issue("jsonscript_invalid", issue.message, body_rel, issue.pointer)
            return None
        for issue in translation.warnings:
            ctx.problems.warning("jsonscript_warning", issue.message, body_rel, issue.pointer)
        source, line_map = translation.source, dict(translation.line_map)
    timeout = doc.get("timeout", _SCRIPT_DEFAULT_TIMEOUT_S)
    memory = doc.get("memoryMb", _SCRIPT_DEFAULT_MEMORY_MB)
    min_level = doc.get("minLevel", 0)
    catchup = doc.get("catchupWindow", 60.0)
    return ScriptManifest(
        name=name,
        kind=kind,
        body_file=body,
        source=source,
        schedule=doc["schedule"] if isinstance(doc.get("schedule"), str) else None,
        input_schema=doc["input"] if isinstance(doc.get("input"), dict) else None,
        min_level=min_level if isinstance(min_level, int) else 0,
        timeout_s=float(timeout) if isinstance(timeout, int | float) else 10.0,
        memory_mb=int(memory) if isinstance(memory, int) else 256,
        retry=dict(doc["retry"]) if isinstance(doc.get("retry"), dict) else {},
        body_kind=body_kind,
        description=str(doc.get("description", "")),
        line_map=line_map,
        time_zone=str(doc.get("timeZone", "UTC")),
        overlap=str(doc.get("overlap", "skip")),
        catchup_window_s=float(catchup) if isinstance(catchup, int | float) else 60.0,
    )


def _load_entities(ctx: _Context, package: Package) -> None:
    directory = ctx.root / "entities"
    for path in _json_files(directory):
        file = ctx.rel(path)
        doc = ctx.read(path)
        if doc is None:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("entities"), list):
            if ctx.mode == "strict":
                ctx.problems.error(
                    "original_entity_format",
                    "an {entities: [...]} file is the original format; "
                    "write one JSON Schema document per entity",
                    file,
                )
                continue
            converted = entities_compat.from_schema_json(doc)
            ctx.problems.warning(
                "entities_converted",
                f"converted {len(converted)} entities from the original schema.json format",
                file,
            )
            package.entities.extend(converted)
            continue
        problems = validate_document(
            doc, "entity", file, severity="error" if ctx.mode == "strict" else "warning"
        )
        ctx.problems.extend(problems)
        if not isinstance(doc, dict):
            continue
        if "x-entity" not in doc:
            title = doc.get("title")
            doc["x-entity"] = title if isinstance(title, str) else path.stem
        if not problems:
            try:
                parse_entity(package.id, doc)
            except DbalSchemaError as exc:
                ctx.issue("bad_entity", str(exc), file)
                continue
        package.entities.append(doc)
    if directory.is_dir():
        for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
            _load_entity_yaml(ctx, package, path)


def _load_entity_yaml(ctx: _Context, package: Package, path: Path) -> None:
    file = ctx.rel(path)
    if ctx.mode == "strict":
        ctx.problems.error(
            "original_entity_format",
            "DBAL entity YAML is the original format; write a JSON Schema document",
            file,
        )
        return
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        ctx.problems.warning("invalid_yaml", f"cannot read entity YAML: {exc}", file)
        return
    for document in documents:
        entity = entities_compat.from_dbal_yaml(document)
        if entity is not None:
            package.entities.append(entity)
            ctx.problems.warning(
                "entities_converted", f"converted DBAL entity {entity['title']}", file
            )


def _load_singletons(ctx: _Context, package: Package) -> None:
    roles = ctx.root / "permissions" / "roles.json"
    if roles.is_file():
        doc = ctx.read(roles, "roles")
        if isinstance(doc, dict):
            if ctx.original:
                compat.normalise_permission_levels(doc, ctx.rel(roles), ctx.problems)
            ctx.validate_tolerant(doc, "roles", ctx.rel(roles))
            package.permissions = doc
    tokens = ctx.root / "styles" / "tokens.json"
    if tokens.is_file():
        doc = ctx.read(tokens, "tokens")
        if isinstance(doc, dict):
            package.tokens = doc


def _load_tests(ctx: _Context, package: Package) -> None:
    directory = ctx.root / "tests"
    for path in _json_files(directory, exclude=(".params.json",)):
        file = ctx.rel(path)
        doc = ctx.read(path, "test")
        if doc is None:
            continue
        ctx.validate_tolerant(doc, "test", file)
        if isinstance(doc, dict):
            params_path = path.with_name(path.name.replace(".test.json", ".params.json"))
            params = None
            if params_path != path and params_path.is_file():
                params = ctx.read(params_path)
            package.tests.append({"file": file, "document": doc, "params": params})


def problems_summary(problems: list[Problem]) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity == "error")
    return errors, len(problems) - errors
