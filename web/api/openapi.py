"""The OpenAPI 3.1 document of a tenant's entity API, generated from the installed entity
schemas, and an interactive docs page (Swagger UI from the swagger-ui-bundle-v2 wheel,
served from our origin, so the CSP's `script-src 'self'` holds).

    GET /api/v1/{tenant}/openapi.json     the tenant's document, for the caller
    GET /api/v1/openapi.json              the session's tenant (anonymous: the default
                                          tenant); ?tenant=SLUG redirects to the line above
    GET /api/v1/{tenant}/docs, /api/v1/docs   Swagger UI over those documents

The document describes what the caller may do: an operation appears when the caller's level
in the tenant reaches the entity's `x-acl` rule for it (all rows or own rows), so a visitor
sees the public part and an admin the whole API. Paths are concrete (tenant, package and
entity filled in); only `{id}` is a parameter. Response rows allow null in every data field
(a field added later, or left out on create, is null in older rows). Admins (and gods) also
see the package management operations of web/api/packages.py, with `{package}` a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import swagger_ui_bundle  # type: ignore[import-untyped]
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from dbal.entity_model import EntityModel, FieldSpec
from dbal.errors import ForbiddenError
from dbal.query import access
from dbal.relations import reverse_relations
from web.api.entity_http import JSONBody, api_endpoint
from web.api.entity_target import Tenancy, declared_actions, tenancy
from web.api.packages import MANAGE_LEVEL, VERBS
from web.identity import Identity, current_identity
from web.middleware.csrf import csrf_token
from web.services import services
from web.tenancy import DEFAULT_TENANT

# (package, script, installed version) -> the script's minLevel, if it is an action
ActionLevel = Callable[[str, str, str | None], int | None]
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
ERROR = {"$ref": "#/components/schemas/Error"}
ID_PATTERN = "^[A-Za-z0-9-][A-Za-z0-9_-]{0,35}$"
ERRORS = {
    "400": "The body is not valid JSON",
    "401": "Authentication required",
    "403": "The caller's level is too low",
    "404": "No such tenant, package, entity or row",
    "413": "The body is too large",
    "422": "Invalid input; details.fields names each field",
}
INIT_JS = """\
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  var csrf = document.querySelector('meta[name="mb-csrf"]');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    dom_id: "#swagger-ui",
    requestInterceptor: function (req) {
      if (csrf) { req.headers["X-CSRF-Token"] = csrf.getAttribute("content"); }
      return req;
    }
  });
});
"""


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/openapi.json", session_document, methods=["GET"]),
        Route("/api/v1/docs", docs_page, methods=["GET"]),
        Route("/api/v1/docs/init.js", docs_script, methods=["GET"]),
        Mount("/api/v1/docs/assets", app=StaticFiles(directory=SWAGGER_DIR), name="api-docs"),
        Route("/api/v1/{tenant}/openapi.json", tenant_document, methods=["GET"]),
        Route("/api/v1/{tenant}/docs", docs_page, methods=["GET"]),
    ]


# -- schemas ----------------------------------------------------------------------------------


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    if spec.kind == "datetime":
        out: dict[str, Any] = {"type": "string", "format": "date-time"}
    else:
        out = {k: v for k, v in spec.schema.items() if not k.startswith("x-")}
    for key in ("description", "title"):
        if key in spec.schema:
            out[key] = spec.schema[key]
    return out


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def row_schema(model: EntityModel, relations: Sequence[str] = ()) -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    }
    for name in model.visible:
        spec = model.fields[name]
        if not spec.system:
            props[name] = nullable(field_schema(spec))
    if model.foreign_keys or relations:
        props["_included"] = {
            "type": "object",
            "description": "Per name in ?include: the row a foreign key points to (null: not "
            'found), or a reverse relation\'s {"items", "total", "truncated"}',
            "additionalProperties": {"anyOf": [{"type": "object"}, {"type": "null"}]},
        }
    return {"type": "object", "required": ["id"], "properties": props}


def input_schema(model: EntityModel, *, creating: bool) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if creating:
        props["id"] = {"type": "string", "pattern": ID_PATTERN}
    for name in model.data_fields:
        spec = model.fields[name]
        schema = field_schema(spec)
        if spec.nullable:
            schema = nullable(schema)
        if spec.sensitive:
            schema = {**schema, "writeOnly": True}
        props[name] = schema
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [n for n in model.data_fields if model.fields[n].required]
    if creating and required:
        out["required"] = required
    if not creating:
        out["minProperties"] = 1
    return out


def page_schema(ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor", "total"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": ref}},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": ["integer", "null"]},
        },
    }


# -- operations -------------------------------------------------------------------------------


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def responses(ok: dict[str, Any], *extra: str) -> dict[str, Any]:
    out = dict(ok)
    for code in (*ERRORS, *extra):
        reason = ERRORS.get(code) or {
            "409": "A unique value is taken",
            "412": "If-Match does not match the row's ETag",
            "503": "The workflow engine is not reachable",
        }.get(code, "Error")
        out[code] = {"description": reason, "content": json_content(ERROR)}
    return out


def ref(model: EntityModel, suffix: str = "") -> str:
    return f"#/components/schemas/{model.qualified_name}{suffix}"


ETAG_HEADER = {"ETag": {"required": True, "schema": {"type": "string"}}}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag you read; 412 when the row has changed since",
    "schema": {"type": "string"},
}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def query_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


def include_params(model: EntityModel, relations: Sequence[str]) -> list[dict[str, Any]]:
    names = [fk.field for fk in model.foreign_keys] + list(relations)
    if not names:
        return []
    out = [query_param("include", {"type": "string"}, "Comma-separated foreign keys to follow "
                       f"and reverse relations to read: {', '.join(names)}")]  # fmt: skip
    if relations:
        out.append(query_param("include_limit", {"type": "integer", "minimum": 1, "maximum": 100},
                               "Rows per parent and reverse relation (default 10)"))  # fmt: skip
    return out


def list_params(model: EntityModel, relations: Sequence[str] = ()) -> list[dict[str, Any]]:
    params = [
        query_param("filter", {"type": "string"}, "A JSON filter: {field: value | {op: value}}"
                    ", with and/or/not; ops eq ne lt lte gt gte in contains startswith is_null"),
        query_param("sort", {"type": "string"}, "Comma-separated fields, '-' for descending"),
        query_param("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Page size"),
        query_param("cursor", {"type": "string"}, "next_cursor of the previous page"),
        query_param("offset", {"type": "integer", "minimum": 0, "maximum": 100000},
                    "Offset paging instead of a cursor"),
        query_param("total", {"type": "boolean"}, "Also count the matching rows"),
        query_param("fields", {"type": "string"}, "Comma-separated fields to return"),
    ]  # fmt: skip
    params.extend(include_params(model, relations))
    if model.search_fields:
        params.append(query_param("q", {"type": "string", "minLength": 1}, "Full-text search"))
    for name in model.visible:
        spec = model.fields[name]
        if spec.scalar:
            schema = field_schema(spec) if spec.kind != "datetime" else {"type": "string"}
            schema.pop("default", None)  # a filter has no default value
            params.append(query_param(f"filter[{name}]", schema, f"{name} equals this value"
                                      " (filter[{name}][op]=... for other operators)"))  # fmt: skip
    return params


def allowed(model: EntityModel, where: Tenancy, op: str) -> bool:
    try:
        access(model, where.scope, op)  # type: ignore[arg-type]
    except ForbiddenError:
        return False
    return True


def entity_paths(
    where: Tenancy,
    model: EntityModel,
    base: str,
    action_level: ActionLevel,
    relations: Sequence[str] = (),
) -> dict[str, Any]:
    name, tag = model.qualified_name, model.qualified_name
    row = {"$ref": ref(model)}
    create_body = {"required": True, "content": json_content({"$ref": ref(model, ".create")})}
    patch_body = {"required": True, "content": json_content({"$ref": ref(model, ".patch")})}
    single = {"description": "The row", "headers": ETAG_HEADER, "content": json_content(row)}
    collection: dict[str, Any] = {}
    one: dict[str, Any] = {"parameters": [ID_PARAM]}
    bulk: dict[str, Any] = {}
    paths: dict[str, Any] = {base: collection, base + "/{id}": one, base + "/_bulk": bulk}
    items = {"type": "array", "items": row}
    if allowed(model, where, "read"):
        collection["get"] = {
            "operationId": f"list_{name}", "tags": [tag], "summary": f"List {name}",
            "parameters": list_params(model, relations),
            "responses": responses({"200": {
                "description": "A page of rows",
                "content": json_content({"$ref": ref(model, ".page")})}}),
        }  # fmt: skip
        one["get"] = {
            "operationId": f"get_{name}", "tags": [tag], "summary": f"Read one {name}",
            "parameters": [
                query_param("fields", {"type": "string"}, "Comma-separated fields to return"),
                *include_params(model, relations),
            ],
            "responses": responses({"200": single, "304": {"description": "Not modified"}}),
        }  # fmt: skip
        paths[base + "/_export"] = {"get": {
            "operationId": f"export_{name}", "tags": [tag], "summary": f"Export {name}",
            "parameters": [
                query_param("format", {"enum": ["csv", "json", "ndjson"]}, "Output format"),
                query_param("filter", {"type": "string"}, "As for the list"),
                query_param("sort", {"type": "string"}, "As for the list"),
                query_param("fields", {"type": "string"}, "As for the list"),
            ],
            "responses": responses({"200": {"description": "The rows, streamed", "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": items},
                "application/x-ndjson": {"schema": {"type": "string"}},
            }}}),
        }}  # fmt: skip
    if allowed(model, where, "create"):
        collection["post"] = {
            "operationId": f"create_{name}", "tags": [tag], "summary": f"Create a {name}",
            "requestBody": create_body,
            "responses": responses({"201": {
                "description": "Created",
                "headers": {**ETAG_HEADER, "Location": {"required": True,
                                                        "schema": {"type": "string"}}},
                "content": json_content(row)}}, "409"),
        }  # fmt: skip
        bulk["post"] = {
            "operationId": f"bulk_create_{name}", "tags": [tag], "summary": "Create many rows",
            "requestBody": {"required": True, "content": json_content({
                "type": "object", "required": ["items"], "additionalProperties": False,
                "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 1000,
                                         "items": {"$ref": ref(model, ".create")}}}})},
            "responses": responses({"201": {"description": "Created", "content": json_content(
                {"type": "object", "required": ["items"], "properties": {"items": items}})}},
                "409"),
        }  # fmt: skip
        paths[base + "/_import"] = {"post": {
            "operationId": f"import_{name}", "tags": [tag], "summary": f"Import {name} rows",
            "parameters": [
                query_param("format", {"enum": ["csv", "json", "ndjson"]}, "Input format"),
                query_param("dry_run", {"type": "boolean"}, "Validate and roll back"),
                query_param("mode", {"enum": ["all", "skip"]}, "all-or-nothing or skip bad rows"),
                query_param("background", {"type": "boolean"}, "Run it as a workflow: 202"),
            ],
            "requestBody": {"required": True, "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            }},
            "responses": responses({
                "200": {"description": "The import report", "content": json_content(REPORT)},
                "202": {"description": "Started as a workflow", "content": json_content(STARTED)},
            }, "409", "503"),
        }}  # fmt: skip
        paths[base + "/_imports/{run}"] = {"get": {
            "operationId": f"import_progress_{name}", "tags": [tag],
            "summary": "Progress, then report, of a background import",
            "parameters": [{"name": "run", "in": "path", "required": True,
                            "schema": {"type": "string", "format": "uuid"}}],
            "responses": responses({"200": {"description": "The run",
                                            "content": json_content(IMPORT_RUN)}}, "503"),
        }}  # fmt: skip
    if allowed(model, where, "update"):
        for method, body, what in (
            ("put", create_body, "Replace"),
            ("patch", patch_body, "Change"),
        ):
            one[method] = {
                "operationId": f"{method}_{name}", "tags": [tag], "summary": f"{what} a {name}",
                "parameters": [IF_MATCH], "requestBody": body,
                "responses": responses({"200": single}, "409", "412"),
            }  # fmt: skip
        bulk["patch"] = {
            "operationId": f"bulk_update_{name}", "tags": [tag], "summary": "Change many rows",
            "requestBody": {"required": True, "content": json_content({"oneOf": [
                {"type": "object", "required": ["items"], "additionalProperties": False,
                 "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 1000,
                                          "items": {"type": "object", "required": ["id"]}}}},
                {"type": "object", "required": ["filter", "data"], "additionalProperties": False,
                 "properties": {"filter": {"type": "object", "minProperties": 1},
                                "data": {"$ref": ref(model, ".patch")}}},
            ]})},
            "responses": responses({"200": {"description": "The changed rows", "content":
                json_content({"type": "object", "required": ["items"],
                              "properties": {"items": items}})}}, "409"),
        }  # fmt: skip
    if allowed(model, where, "delete"):
        one["delete"] = {
            "operationId": f"delete_{name}", "tags": [tag], "summary": f"Delete a {name}",
            "parameters": [IF_MATCH],
            "responses": responses({"204": {"description": "Deleted"}}, "409", "412"),
        }  # fmt: skip
        bulk["delete"] = {
            "operationId": f"bulk_delete_{name}", "tags": [tag], "summary": "Delete many rows",
            "requestBody": {"required": True, "content": json_content({"oneOf": [
                {"type": "object", "required": ["ids"], "additionalProperties": False,
                 "properties": {"ids": {"type": "array", "minItems": 1, "maxItems": 1000,
                                        "items": {"type": "string"}}}},
                {"type": "object", "required": ["filter"], "additionalProperties": False,
                 "properties": {"filter": {"type": "object", "minProperties": 1}}},
            ]})},
            "responses": responses({"200": {"description": "Deleted", "content": json_content(
                {"type": "object", "required": ["deleted", "ids"], "properties": {
                    "deleted": {"type": "integer"},
                    "ids": {"type": "array", "items": {"type": "string"}}}})}}, "409"),
        }  # fmt: skip
    if allowed(model, where, "read"):
        paths.update(action_paths(model, base, tag, where, action_level))
    return {path: ops for path, ops in paths.items() if set(ops) - {"parameters"}}


def action_paths(
    model: EntityModel, base: str, tag: str, where: Tenancy, action_level: ActionLevel
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for action, script in declared_actions(model).items():
        level = action_level(model.package_id, script, where.version_of(model.package_id))
        if level is None or where.scope.level < level:
            continue
        out[f"{base}/{{id}}/{action}"] = {"post": {
            "operationId": f"action_{model.qualified_name}_{action}", "tags": [tag],
            "summary": f"Run the {action} action on a row", "parameters": [ID_PARAM],
            "requestBody": {"required": False, "content": json_content(
                {"type": "object", "properties": {"input": {}}})},
            "responses": responses({
                "200": {"description": "The finished run", "content": json_content(RUN)},
                "202": {"description": "Started (?async=1)", "content": json_content(RUN)},
            }),
        }}  # fmt: skip
    return out


REPORT = {
    "type": "object",
    "required": ["dry_run", "mode", "total", "valid", "created", "errors", "errors_truncated"],
    "properties": {
        "dry_run": {"type": "boolean"}, "mode": {"enum": ["all", "skip"]},
        "total": {"type": "integer"}, "valid": {"type": "integer"},
        "created": {"type": "integer"}, "errors_truncated": {"type": "boolean"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "row": {"type": ["integer", "null"]}, "field": {"type": ["string", "null"]},
            "error": {"type": "string"}}}},
    },
}  # fmt: skip
STARTED = {
    "type": "object",
    "required": ["run", "workflowId", "status", "progress"],
    "properties": {"run": {"type": "string"}, "workflowId": {"type": "string"},
                   "status": {"const": "running"}, "progress": {"type": "string"}},
}  # fmt: skip
IMPORT_RUN = {
    "type": "object",
    "required": ["run", "workflowId", "status"],
    "properties": {"run": {"type": "string"}, "workflowId": {"type": "string"},
                   "status": {"enum": ["running", "completed", "failed"]},
                   "progress": {"type": "object"}, "report": REPORT},
}  # fmt: skip
RUN = {
    "type": "object",
    "required": ["workflowId", "status"],
    "properties": {"workflowId": {"type": "string"}, "runId": {"type": ["string", "null"]},
                   "status": {"enum": ["completed", "failed", "running"]}, "result": {}},
}  # fmt: skip


PACKAGE_ITEM = {
    "type": "object",
    "required": ["id", "name", "versions", "availableVersion", "installedVersion", "enabled",
                 "upgradeAvailable", "inCatalog"],
    "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "description": {"type": "string"}, "minLevel": {"type": ["integer", "null"]},
        "primary": {"type": "boolean"},
        "dependencies": {"type": "object", "additionalProperties": {"type": "string"}},
        "versions": {"type": "array", "items": {"type": "string"}},
        "availableVersion": {"type": ["string", "null"],
                             "description": "The newest version in the catalog"},
        "installedVersion": {"type": ["string", "null"]},
        "enabled": {"type": ["boolean", "null"]},
        "installedAt": {"type": ["string", "null"], "format": "date-time"},
        "updatedAt": {"type": ["string", "null"], "format": "date-time"},
        "upgradeAvailable": {"type": "boolean"}, "inCatalog": {"type": "boolean"},
    },
}  # fmt: skip
PACKAGE_RUN = {
    "type": "object",
    "required": ["workflowId", "runId", "status", "op", "package"],
    "properties": {
        "workflowId": {"type": "string"}, "runId": {"type": ["string", "null"]},
        "status": {"enum": ["running", "completed"]},
        "op": {"enum": ["install", "upgrade", "enable", "disable", "uninstall"]},
        "package": {"type": "string"},
        "result": {"type": "object", "properties": {
            "changed": {"type": "array", "items": {"type": "string"}},
            "schedules": {"type": "array", "items": {"type": "string"}},
            "initRuns": {"type": "array", "items": {"type": "string"}},
            "steps": {"type": "array", "items": {"type": "string"}}}},
    },
}  # fmt: skip
PACKAGE_PARAM = {
    "name": "package",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"},
}
CHANGE_SUMMARIES = {
    "install": "Install a catalog package, or upgrade it to the newest (or the given) version",
    "enable": "Enable an installed package",
    "disable": "Disable an installed package: its pages, entities and schedules stop",
    "uninstall": "Uninstall a package (its entity rows stay)",
}  # fmt: skip


def package_paths(slug: str) -> dict[str, Any]:
    """Package management (web/api/packages.py), for callers at MANAGE_LEVEL."""
    base = f"/api/v1/{quote(slug)}/packages"
    tag = "packages"
    paths: dict[str, Any] = {base: {"get": {
        "operationId": "list_packages", "tags": [tag],
        "summary": "The catalog's packages with the tenant's installed version and state",
        "responses": responses({"200": {"description": "Every package", "content": json_content(
            {"type": "object", "required": ["items"],
             "properties": {"items": {"type": "array", "items": PACKAGE_ITEM}}})}}),
    }}}  # fmt: skip
    for verb in VERBS:
        body: dict[str, Any] = (
            {"type": "object", "additionalProperties": False, "properties": {
                "version": {"type": "string", "minLength": 1, "maxLength": 64,
                            "description": "A version or a semver range"},
                "config": {"type": "object", "description": "A fresh install's config"}}}
            if verb == "install" else {"type": "object", "maxProperties": 0}
        )  # fmt: skip
        paths[f"{base}/{{package}}/{verb}"] = {"post": {
            "operationId": f"package_{verb}", "tags": [tag], "summary": CHANGE_SUMMARIES[verb],
            "description": "Starts a PackageInstall run; follow it with GET /runs/{workflowId}. "
            "One change of a package at a time (409). 422 also reports a failed run.",
            "parameters": [
                PACKAGE_PARAM,
                query_param("wait", {"type": "string"},
                            "Wait up to this many seconds (at most 60; true: 30) for the end"),
                {"name": "Idempotency-Key", "in": "header", "required": False,
                 "schema": {"type": "string", "maxLength": 200},
                 "description": "A retry with the same key joins the first run"},
            ],
            "requestBody": {"required": False, "content": json_content(body)},
            "responses": responses({
                "200": {"description": "The run ended (?wait)",
                        "content": json_content(PACKAGE_RUN)},
                "202": {"description": "Started, or still running", "content": json_content(
                    PACKAGE_RUN)},
            }, "409", "503"),
        }}  # fmt: skip
    return paths


def document(where: Tenancy, action_level: ActionLevel) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the tenant's installed entities, as `where.scope` sees it."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                           "details": {}},
        },
    }  # fmt: skip
    where.db.schema.refresh()  # another process may have installed or changed entities
    for package in sorted(where.package_ids()):
        for model in sorted(where.db.schema.models(package), key=lambda m: m.name):
            base = f"/api/v1/{quote(where.slug)}/{package}/{model.name}"
            found_relations = reverse_relations(where.db.schema, model, where.package_ids())
            relations = sorted(
                n for n, r in found_relations.items() if allowed(r.child, where, "read")
            )
            found = entity_paths(where, model, base, action_level, relations)
            if not found:
                continue
            paths.update(found)
            name = model.qualified_name
            schemas[name] = row_schema(model, relations)
            schemas[name + ".create"] = input_schema(model, creating=True)
            schemas[name + ".patch"] = input_schema(model, creating=False)
            schemas[name + ".page"] = page_schema(ref(model))
    if where.scope.level >= MANAGE_LEVEL:
        paths.update(package_paths(where.slug))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{where.tenant.get('name') or where.slug} entity API",
            "version": "1",
            "description": "Generated from the entity schemas of the tenant's installed "
            "packages. Query syntax: ?filter[field][op]=value, ?filter=<JSON>, ?sort=-a,b, "
            "?limit, ?cursor or ?offset, ?fields, ?include, ?q. Errors are "
            '{"error", "message", "details"?}.',
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "mb_session"},
            },
        },
        "security": [{}, {"bearer": []}, {"session": []}],
    }


# -- endpoints --------------------------------------------------------------------------------


def action_levels(request: Request) -> ActionLevel:
    catalog = services(request).catalog

    def level(package_id: str, script: str, version: str | None) -> int | None:
        package = catalog.pick(package_id, version)
        found = package.script(script) if package is not None else None
        return found.min_level if found is not None and found.kind == "action" else None

    return level


@api_endpoint
async def tenant_document(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    slug = str(request.path_params["tenant"])
    levels = action_levels(request)
    return JSONBody(await run_in_threadpool(lambda: document(tenancy(db, slug, identity), levels)))


def session_slug(request: Request, identity: Identity) -> str:
    if identity.tenant_id is None:
        return DEFAULT_TENANT
    tenant = services(request).db.tenants.get(identity.tenant_id)
    return str(tenant["slug"]) if tenant else DEFAULT_TENANT


@api_endpoint
async def session_document(request: Request) -> Response:
    identity = current_identity(request)
    wanted = request.query_params.get("tenant")
    if wanted is not None:
        return RedirectResponse(f"/api/v1/{quote(wanted, safe='')}/openapi.json", 307)
    db = services(request).db
    levels = action_levels(request)

    def build() -> dict[str, Any]:
        return document(tenancy(db, session_slug(request, identity), identity), levels)

    return JSONBody(await run_in_threadpool(build))


async def docs_page(request: Request) -> Response:
    slug = request.path_params.get("tenant")
    spec = f"/api/v1/{quote(slug, safe='')}/openapi.json" if slug else "/api/v1/openapi.json"
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API docs</title>
<meta name="mb-csrf" content="{escape(csrf_token(request.scope))}">
<link rel="icon" href="/api/v1/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="{escape(spec)}"></div>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script></body></html>"""
    return HTMLResponse(html)


async def docs_script(request: Request) -> Response:
    return Response(INIT_JS, media_type="text/javascript")
