"""Entity REST under /api/v1/{tenant}/{package}/{entity}[/{id}] and the OpenAPI document.

    GET    .../{entity}              list: filter, sort, keyset or offset pages, fields,
                                     include, q (query syntax: web/api/entity_query.py)
    POST   .../{entity}              create -> 201, Location, ETag
    GET    .../{entity}/{id}         one row (?fields, ?include), ETag; If-None-Match -> 304
    PUT    .../{entity}/{id}         replace: the body is the whole row (as for create);
                                     fields left out are cleared (the owner field is kept);
                                     id, created_at and updated_at in the body are ignored
    PATCH  .../{entity}/{id}         change the given fields
    DELETE .../{entity}/{id}         -> 204
    POST   .../{entity}/_bulk        {"items": [row, ...]}                 create, -> 201
    PATCH  .../{entity}/_bulk        {"items": [{"id", ...changes}, ...]}  or
                                     {"filter": {...}, "data": {...}}      -> {"items"}
    DELETE .../{entity}/_bulk        {"ids": [...]} or {"filter": {...}}   -> {"deleted", "ids"}
    GET    .../{entity}/_export      CSV, JSON or NDJSON, streamed (web/api/entity_io.py)
    POST   .../{entity}/_import      CSV, JSON or NDJSON, with dry-run (web/api/entity_io.py);
                                     ?background=true runs it as a workflow
    GET    .../{entity}/_imports/{run}  that run's progress, then its report
                                     (web/api/entity_import_runs.py)
    POST   .../{entity}/{id}/{action}  an entity action declared by the package

Each bulk request is one transaction of at most `MAX_BULK` rows, all or nothing; ids given
that are absent or not visible make it a 404 naming them. `If-Match` (PUT, PATCH, DELETE)
must match the row's current ETag or the answer is 412 PRECONDITION_FAILED; without it the
write is unconditional. Ids beginning with `_` are refused on create: they would be
shadowed by the `_bulk`, `_export` and `_import` sub-resources.

Rows carry `_included` when `include` asks for related rows (web/api/entity_query.py):
`{fk_field: row | null}` for a foreign key of the row, and `{relation: {"items", "total",
"truncated"}}` for a reverse relation (the child rows pointing at the row, the first
`include_limit` by id; names from `dbal.relations`). Each name costs one query per page,
whatever the number of rows, and the related rows are read with the caller's scope: an
entity the caller may not read makes the request a 403, and rows of other tenants or
(under an owner rule) of other users never appear.
Entity actions are declared in the entity schema as `"x-actions": ["publish", {"name":
"archive", "script": "archive_post"}]`; they run the package's action script through the
engine with input `{"entity", "id", "input"}` (the row by reference), after checking that the
caller can read the row, and answer like `/actions/{action}`.

Authentication is the session or API token (web/identity.py); authorisation is the DBAL's:
the caller's level in the addressed tenant, `x-acl` and owner rules (web/api/entity_target.py).
After each committed write the entity listeners get an `EntityChange` per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dbal.entities import Entities
from dbal.entity_model import Operation
from dbal.errors import ForbiddenError, NotFoundError, ValidationError
from dbal.query import access
from dbal.types import Row
from engine.dispatch import ActionRequest
from engine.events import EntityOp
from web.actions import dispatch
from web.api import entity_import_runs, entity_io, openapi
from web.api.entity_http import (
    JSONBody,
    api_endpoint,
    etag,
    not_modified,
    parse_json,
    precondition,
    precondition_failed,
    read_body,
    read_object,
)
from web.api.entity_query import ListQuery, parse_list, parse_one
from web.api.entity_target import Target, declared_actions, notify, resolve
from web.identity import current_identity
from web.services import services

BASE = "/api/v1/{tenant}/{package}/{entity}"
MAX_BULK = 1000
MAX_ACTION_BODY = 1024 * 1024
BULK_OPS: dict[str, Operation] = {"POST": "create", "PATCH": "update", "DELETE": "delete"}
SYSTEM_FIELDS = ("id", "created_at", "updated_at")


def routes() -> list[BaseRoute]:
    return [
        *openapi.routes(),
        # the hot routes first; `/{id}` after the `_` sub-resources it would otherwise shadow
        Route(BASE, collection, methods=["GET", "POST"]),
        Route(BASE + "/_bulk", bulk, methods=["POST", "PATCH", "DELETE"]),
        Route(BASE + "/_export", entity_io.export_rows, methods=["GET"]),
        Route(BASE + "/_import", entity_io.import_rows, methods=["POST"]),
        Route(BASE + "/_imports/{run}", entity_import_runs.progress, methods=["GET"]),
        Route(BASE + "/{id}", item, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route(BASE + "/{id}/{action}", entity_action, methods=["POST"]),
    ]


# -- reading ----------------------------------------------------------------------------------


def included(target: Target, ents: Entities, rows: Sequence[Row], query: ListQuery) -> None:
    """Attach `_included` to each row: the rows its foreign keys name (None if not found) and
    the rows of the reverse relations asked for; one query per name."""
    fks = {fk.field: fk.entity for fk in target.model.foreign_keys}
    relations = target.reverse_relations() if query.reverse else {}
    forward: dict[str, dict[Any, Row]] = {}
    reverse: dict[str, dict[str, tuple[list[Row], int]]] = {}
    parents = [str(r["id"]) for r in rows]
    for name in query.include:
        try:
            if name in fks:
                ids = sorted({r[name] for r in rows if r.get(name) is not None})
                found = (
                    ents.list(fks[name], filter={"id": {"in": ids}}, limit=len(ids))
                    if ids
                    else None
                )
                forward[name] = {r["id"]: r for r in found["items"]} if found else {}
            else:
                rel = relations[name]
                reverse[name] = ents.children(
                    rel.child.qualified_name, rel.field, parents, limit=query.children_per_parent
                )
        except ForbiddenError as exc:
            raise ForbiddenError(f"include {name!r}: {exc.message}") from None
    for row in rows:
        attached: dict[str, Any] = {}
        for name in query.include:
            if name in forward:
                attached[name] = forward[name].get(row.get(name))
                continue
            items, total = reverse[name].get(str(row["id"]), ([], 0))
            attached[name] = {"items": items, "total": total, "truncated": total > len(items)}
        row["_included"] = attached


def shaped(rows: list[Row], query: ListQuery) -> list[Row]:
    if query.fields is None:
        return rows
    keep = (*query.fields, "_included") if query.include else query.fields
    return [{k: r[k] for k in keep if k in r} for r in rows]


@api_endpoint
async def collection(request: Request) -> Response:
    if request.method == "POST":
        return await create(request)
    db = services(request).db
    identity = current_identity(request)
    params = request.path_params
    query_params = request.query_params

    def work() -> dict[str, Any]:
        target = resolve(db, identity, params)
        query = parse_list(target.model, query_params, target.relation_names(query_params))
        ents = target.entities()
        if query.q is not None:
            items = ents.search(
                target.name, query.q, filter=query.filter, limit=query.limit,
                offset=query.offset or 0,
            )  # fmt: skip
            page: dict[str, Any] = {"items": items, "next_cursor": None, "total": None}
        else:
            page = dict(ents.list(target.name, **query.page_arguments()))
        if query.include:
            included(target, ents, page["items"], query)
        page["items"] = shaped(page["items"], query)
        return page

    return JSONBody(await run_in_threadpool(work))


async def read_one(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    params = request.path_params
    query_params = request.query_params

    def work() -> tuple[Row, str | None]:
        target = resolve(db, identity, params)
        query = parse_one(target.model, query_params, target.relation_names(query_params))
        ents = target.entities()
        row = ents.read(target.name, str(params["id"]))
        if query.include:
            row = dict(row)  # the cache's copy stays as it is
            included(target, ents, [row], query)
        return shaped([row], query)[0], etag(row)

    row, tag = await run_in_threadpool(work)
    headers = {"ETag": tag} if tag else None
    if not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    return JSONBody(row, headers=headers)


# -- writing ----------------------------------------------------------------------------------


def check_new_id(row: Any) -> None:
    if isinstance(row, Mapping) and isinstance(row.get("id"), str) and row["id"].startswith("_"):
        raise ValidationError.for_field("id", "must not begin with '_'")


def written(row: Row, status: int = 200, location: str | None = None) -> Response:
    headers = {"ETag": etag(row) or ""}
    if location is not None:
        headers["Location"] = location
    return JSONBody(row, status_code=status, headers=headers)


async def create(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    body = await read_object(request)

    def work() -> tuple[Target, Row]:
        target = resolve(db, identity, request.path_params)
        check_new_id(body)
        return target, target.entities().create(target.name, body)

    target, row = await run_in_threadpool(work)
    await notify(request, target, "create", [row])
    return written(row, 201, target.url(row["id"]))


@api_endpoint
async def item(request: Request) -> Response:
    if request.method == "GET":
        return await read_one(request)
    if request.method == "DELETE":
        return await delete(request)
    return await change(request, replace=request.method == "PUT")


def guarded(versions: list[Any] | None) -> dict[str, Any] | None:
    """The If-Match condition as a filter on `updated_at` (None: unconditional)."""
    return None if versions is None else {"updated_at": {"in": versions}}


def missed(target: Target, ents: Entities, id: str, versions: list[Any]) -> Exception:
    """Why a guarded write touched nothing: the row is gone or not the caller's to write (404),
    or it has changed since the ETag was read (412)."""
    row = ents.read(target.name, id)  # raises NotFoundError when it is gone or not visible
    if row.get("updated_at") in versions:
        return NotFoundError(f"{target.bound.name} {id[:64]!r} not found")
    return precondition_failed()


async def change(request: Request, *, replace: bool) -> Response:
    db = services(request).db
    identity = current_identity(request)
    body = await read_object(request)
    versions = precondition(request.headers.get("if-match"))
    id = str(request.path_params["id"])
    if replace:
        body = {k: v for k, v in body.items() if k not in SYSTEM_FIELDS}

    def work() -> tuple[Target, Row]:
        target = resolve(db, identity, request.path_params)
        ents = target.entities()
        try:
            row = ents.update(target.name, id, body, filter=guarded(versions), replace=replace)
        except NotFoundError:
            if versions is None:
                raise
            raise missed(target, ents, id, versions) from None
        return target, row

    target, row = await run_in_threadpool(work)
    await notify(request, target, "update", [row])
    return written(row)


async def delete(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    versions = precondition(request.headers.get("if-match"))
    id = str(request.path_params["id"])

    def work() -> tuple[Target, Row]:
        target = resolve(db, identity, request.path_params)
        with db.transaction(target.scope, package=target.package) as tx:
            row = tx.read(target.name, id)
            try:
                tx.delete(target.name, id, filter=guarded(versions))
            except NotFoundError:
                if versions is None:
                    raise
                raise missed(target, tx, id, versions) from None
        return target, row

    target, row = await run_in_threadpool(work)
    await notify(request, target, "delete", [row])
    return Response(status_code=204)


# -- bulk -------------------------------------------------------------------------------------


def _rows_list(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_BULK:
        raise ValidationError.for_field(key, f"a list of 1..{MAX_BULK} entries")
    return value


def _only(body: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(str(k)[:64] for k in body if k not in allowed)
    if extra:
        raise ValidationError(
            "Validation failed", fields=[{"field": k, "error": "unknown member"} for k in extra]
        )


def writable(target: Target, op: Operation, spec: Mapping[str, Any]) -> dict[str, Any]:
    """`spec` narrowed to the rows the caller may `op`: their own, when the rule says so."""
    owner = target.model.owner
    if access(target.model, target.scope, op) == "own" and owner is not None:
        return {"and": [dict(spec), {owner: target.scope.user_id}]}
    return dict(spec)


def matching(tx: Entities, target: Target, spec: Any, op: Operation) -> list[Row]:
    """The rows a bulk filter selects among those the caller may `op` (at most MAX_BULK)."""
    if not isinstance(spec, Mapping) or not spec:
        raise ValidationError.for_field("filter", "a non-empty filter object")
    rows = tx.list(target.name, filter=writable(target, op, spec), limit=MAX_BULK)
    if rows["next_cursor"] is not None:
        raise ValidationError.for_field("filter", f"matches more than {MAX_BULK} rows")
    return rows["items"]


def by_ids(tx: Entities, target: Target, ids: list[Any], op: Operation) -> list[Row]:
    """The rows of `ids` the caller may `op`; NotFoundError naming any that are not."""
    if not all(isinstance(i, str) and i for i in ids):
        raise ValidationError.for_field("ids", "a list of id strings")
    unique = list(dict.fromkeys(ids))
    spec = writable(target, op, {"id": {"in": unique}})
    rows = tx.list(target.name, filter=spec, limit=len(unique))["items"]
    missing = sorted(set(unique) - {r["id"] for r in rows})
    if missing:
        raise NotFoundError(
            f"{len(missing)} of the given rows were not found",
            details={"ids": [m[:64] for m in missing[:100]]},
        )
    return rows


@api_endpoint
async def bulk(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    body = await read_object(request)
    method = request.method

    def work() -> tuple[Target, list[Row], EntityOp]:
        target = resolve(db, identity, request.path_params)
        name = target.name
        # refuse by level before anything can tell which rows exist
        access(target.model, target.scope, BULK_OPS[method])
        with db.transaction(target.scope, package=target.package) as tx:
            if method == "POST":
                _only(body, {"items"})
                items = _rows_list(body, "items")
                for row in items:
                    check_new_id(row)
                return target, tx.create_many(name, items), "create"
            if method == "PATCH":
                if "filter" in body:
                    _only(body, {"filter", "data"})
                    ids = [r["id"] for r in matching(tx, target, body["filter"], "update")]
                    data = body.get("data")
                    if not isinstance(data, Mapping):
                        raise ValidationError.for_field("data", "an object of changes")
                    if ids:
                        tx.update_many(name, {"id": {"in": ids}}, data)
                    rows = tx.list(name, filter={"id": {"in": ids}}, limit=MAX_BULK)["items"]
                    return target, rows if ids else [], "update"
                _only(body, {"items"})
                changes = _rows_list(body, "items")
                updated = []
                for entry in changes:
                    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
                        raise ValidationError.for_field("items", "each item has an id")
                    data = {k: v for k, v in entry.items() if k != "id"}
                    updated.append(tx.update(name, entry["id"], data))
                return target, updated, "update"
            if "filter" in body:
                _only(body, {"filter"})
                rows = matching(tx, target, body["filter"], "delete")
            else:
                _only(body, {"ids"})
                rows = by_ids(tx, target, _rows_list(body, "ids"), "delete")
            if rows:
                tx.delete_many(name, {"id": {"in": [r["id"] for r in rows]}})
            return target, rows, "delete"

    target, rows, op = await run_in_threadpool(work)
    await notify(request, target, op, rows)
    if op == "delete":
        return JSONBody({"deleted": len(rows), "ids": [r["id"] for r in rows]})
    return JSONBody({"items": rows}, status_code=201 if op == "create" else 200)


# -- actions ----------------------------------------------------------------------------------


@api_endpoint
async def entity_action(request: Request) -> Response:
    db = services(request).db
    identity = current_identity(request)
    raw = await read_body(request, MAX_ACTION_BODY)
    body = parse_json(raw) if raw.strip() else {}
    payload = body.get("input", body) if isinstance(body, dict) else body
    id = str(request.path_params["id"])
    action = str(request.path_params["action"])

    def work() -> tuple[Target, str, str | None]:
        target = resolve(db, identity, request.path_params)
        script = declared_actions(target.model).get(action)
        if script is None:
            raise NotFoundError(f"{target.name} has no action {action[:64]!r}")
        target.entities().read(target.name, id)
        return target, script, target.where.version_of(target.package)

    target, script, version = await run_in_threadpool(work)
    req = ActionRequest(
        tenant_id=str(target.where.tenant["id"]),
        tenant_slug=target.where.slug,
        package_id=target.package,
        action=script,
        input={"entity": target.name, "id": id, "input": payload},
        user_id=identity.user_id,
        user_level=identity.level,
        idempotency_key=request.headers.get("idempotency-key"),
        version=version,
    )
    return await dispatch(request, req)
