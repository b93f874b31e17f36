"""Page data: the data sources a component declares, loaded on the server before rendering.

A component may declare `"data": {name: source}`; each source is read through the DBAL with the
visitor's scope (`Scope.for_user`, or public), so a page can only ever show what its visitor
may read. The loaded value is in the template's scope as `data.<name>`.

    {"source": "kv", "key": "counter", "default": 0}
    {"source": "entity", "entity": "thread", "filter": {"category_id": "{{params.categoryId}}"},
     "sort": "-created_at", "limit": 20}                         -> a list of rows
    {"source": "entity", "entity": "thread", "id": "{{params.threadId}}", "required": true}
                                                                 -> one row, or null
    {"source": "entity", "entity": "thread", "filter": {...}, "one": true}  -> first match or null
    {"source": "entity", "entity": "thread", "filter": {...}, "count": true} -> a number

`{{ }}` bindings in `key`, `id`, filter values, `sort` and `limit` see `params` (route
parameters), `user` (`{id, level, username}`, undefined for a visitor) and `tenant` (slug); a
whole-string binding keeps its value's type. Filters and sorts use the DBAL grammar
(`dbal.filters`); values are always bound as SQL parameters.

Rules: entity names resolve in the page's package; a qualified `pkg.entity` only in the page's
package or one of its dependencies. The entity's `x-acl` read rule, the owner rule and the
tenant filter apply to the visitor. A list has at most `MAX_LIMIT` rows.

Errors (all `PageDataError`, each with the HTTP status a page answers with):
    PageDataInvalid     500  the declaration is wrong (unknown source, entity, field ...)
    PageDataBadInput    400  a route parameter does not fit the filter (wrong type ...)
    PageDataForbidden   403  the visitor's level cannot read the entity (`required_level`)
    PageDataNotFound    404  a `required` record does not exist or is not visible
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dbal.database import Database
from dbal.errors import DataError, ForbiddenError, NotFoundError, ValidationError
from dbal.scope import Scope
from scripts_runtime.expr import UNDEFINED, ExpressionError, compile_template, has_binding

MAX_SOURCES = 20
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_ENTITY_KEYS = frozenset(
    {"source", "entity", "id", "filter", "sort", "limit", "one", "count", "required", "default"}
)


class PageDataError(Exception):
    status = 500

    def __init__(self, message: str, *, source: str = "") -> None:
        self.source = source
        super().__init__(f"data source {source!r}: {message}" if source else message)


class PageDataInvalid(PageDataError):
    status = 500


class PageDataBadInput(PageDataError):
    status = 400


class PageDataNotFound(PageDataError):
    status = 404


class PageDataForbidden(PageDataError):
    status = 403

    def __init__(self, message: str, *, source: str = "", required_level: int = 1) -> None:
        super().__init__(message, source=source)
        self.required_level = required_level


@dataclass(frozen=True)
class PageDataContext:
    """What bindings and entity names are resolved against."""

    package: str | None = None
    dependencies: Collection[str] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    user: Mapping[str, Any] | None = None
    tenant: str = ""

    def binding_scope(self) -> dict[str, Any]:
        return {
            "params": dict(self.params),
            "user": dict(self.user) if self.user is not None else UNDEFINED,
            "tenant": self.tenant,
        }


def load_page_data(
    db: Database,
    scope: Scope,
    declared: Mapping[str, Any],
    context: PageDataContext | None = None,
) -> dict[str, Any]:
    context = context or PageDataContext()
    if not isinstance(declared, Mapping):
        raise PageDataInvalid('"data" must be an object of named sources')
    if len(declared) > MAX_SOURCES:
        raise PageDataInvalid(f"a page declares at most {MAX_SOURCES} data sources")
    data: dict[str, Any] = {}
    bindings = context.binding_scope()
    for name, source in declared.items():
        if not isinstance(source, Mapping):
            raise PageDataInvalid("must be an object", source=name)
        kind = source.get("source")
        if kind == "kv":
            key = _bound(source.get("key"), bindings, name, "key")
            if not isinstance(key, str) or not key:
                raise PageDataInvalid("kv needs a string key", source=name)
            try:
                data[name] = db.kv(scope).get(key, source.get("default"))
            except ValidationError as exc:
                raise PageDataBadInput(exc.message, source=name) from None
        elif kind == "entity":
            data[name] = _load_entity(db, scope, name, source, context, bindings)
        else:
            raise PageDataInvalid(f"unknown source {kind!r} (kv or entity)", source=name)
    return data


def _load_entity(
    db: Database,
    scope: Scope,
    name: str,
    source: Mapping[str, Any],
    context: PageDataContext,
    bindings: Mapping[str, Any],
) -> Any:
    unknown = sorted(set(source) - _ENTITY_KEYS)
    if unknown:
        raise PageDataInvalid(f"unknown keys {', '.join(unknown)}", source=name)
    entity = source.get("entity")
    if not isinstance(entity, str) or not entity:
        raise PageDataInvalid('"entity" must name an entity of the package', source=name)
    _check_package(entity, context, name)
    try:
        db.schema.get(entity, context.package)
    except (NotFoundError, ValidationError) as exc:
        raise PageDataInvalid(exc.message, source=name) from None
    ents = db.entities(scope, package=context.package)
    filter_ = _bound(source.get("filter"), bindings, name, "filter")
    if filter_ is not None and not isinstance(filter_, Mapping):
        raise PageDataInvalid('"filter" must be an object', source=name)
    try:
        if "id" in source:
            record_id = _bound(source["id"], bindings, name, "id")
            return _one(ents.read, entity, record_id, source, name)
        if source.get("count"):
            return ents.count(entity, filter=filter_)
        sort = _bound(source.get("sort"), bindings, name, "sort")
        if source.get("one"):
            page = ents.list(entity, filter=filter_, sort=sort, limit=1)
            row = page["items"][0] if page["items"] else None
            if row is None and source.get("required"):
                raise PageDataNotFound(f"no {entity} matches", source=name)
            return _plain(row)
        limit = _limit(_bound(source.get("limit", DEFAULT_LIMIT), bindings, name, "limit"), name)
        return _plain(ents.list(entity, filter=filter_, sort=sort, limit=limit)["items"])
    except ForbiddenError as exc:
        raise PageDataForbidden(
            exc.message, source=name, required_level=_read_level(db, entity, context)
        ) from None
    except ValidationError as exc:
        raise _validation(exc, source, name) from None
    except DataError as exc:
        raise PageDataInvalid(exc.message, source=name) from None


def _one(read: Any, entity: str, record_id: Any, source: Mapping[str, Any], name: str) -> Any:
    try:
        if not isinstance(record_id, str | int) or isinstance(record_id, bool):
            raise NotFoundError(f"{entity} not found")
        return _plain(read(entity, str(record_id)))
    except NotFoundError:
        if source.get("required"):
            raise PageDataNotFound(
                f"{entity} {str(record_id)[:64]!r} not found", source=name
            ) from None
        return source.get("default")


def _check_package(entity: str, context: PageDataContext, name: str) -> None:
    if "." not in entity:
        if context.package is None:
            raise PageDataInvalid("qualify the entity as package.entity", source=name)
        return
    owner = entity.rsplit(".", 1)[0]
    if owner != context.package and owner not in context.dependencies:
        raise PageDataInvalid(
            f"entity {entity!r} is not of this package or its dependencies", source=name
        )


def _read_level(db: Database, entity: str, context: PageDataContext) -> int:
    """The lowest level that may read some rows of `entity` (own rows count)."""
    model = db.schema.get(entity, context.package).model
    rule = model.acl["read"]
    if rule.owner is not None and model.owner is not None:
        return min(rule.level, rule.owner)
    return rule.level


def _validation(exc: ValidationError, source: Mapping[str, Any], name: str) -> PageDataError:
    """A bad value in a filter field bound from the route is the visitor's fault (400);
    anything else (unknown field, operator or sort key) is the page author's (500)."""
    bound = {f"filter.{field}" for field in _bound_fields(source.get("filter"))}
    if any(error["field"] in bound for error in exc.fields):
        return PageDataBadInput(exc.message, source=name)
    return PageDataInvalid(exc.message, source=name)


def _bound_fields(filter_: Any) -> set[str]:
    """Names of the filter's fields whose value holds a binding (inside and/or/not too)."""
    found: set[str] = set()
    if isinstance(filter_, list):
        for item in filter_:
            found |= _bound_fields(item)
    elif isinstance(filter_, Mapping):
        for key, value in filter_.items():
            if key in ("and", "or", "not"):
                found |= _bound_fields(value)
            elif _has_binding(value):
                found.add(str(key))
    return found


def _has_binding(value: Any) -> bool:
    if isinstance(value, str):
        return has_binding(value)
    if isinstance(value, Mapping):
        return any(_has_binding(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_binding(v) for v in value)
    return False


def _bound(value: Any, bindings: Mapping[str, Any], name: str, where: str) -> Any:
    """`value` with every `{{ }}` string evaluated; the result must be plain JSON."""
    if isinstance(value, str):
        if not has_binding(value):
            return value
        try:
            result = compile_template(value).evaluate(bindings)
        except ExpressionError as exc:
            raise PageDataInvalid(f"{where}: {exc}", source=name) from None
        return _json_value(result, name, where)
    if isinstance(value, Mapping):
        return {str(k): _bound(v, bindings, name, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_bound(v, bindings, name, where) for v in value]
    return value


def _json_value(value: Any, name: str, where: str) -> Any:
    if value is UNDEFINED or value is None:
        return None
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [_json_value(v, name, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v, name, where) for k, v in value.items()}
    raise PageDataInvalid(f"{where}: a binding gave a {type(value).__name__}", source=name)


def _limit(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PageDataInvalid('"limit" must be a number', source=name)
    try:
        limit = int(value)
    except ValueError:
        raise PageDataBadInput('"limit" must be a number', source=name) from None
    return max(1, min(limit, MAX_LIMIT))


def _plain(value: Any) -> Any:
    """Rows as template values: dates become ISO strings (what a JSON API would give)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


__all__ = [
    "PageDataBadInput",
    "PageDataContext",
    "PageDataError",
    "PageDataForbidden",
    "PageDataInvalid",
    "PageDataNotFound",
    "load_page_data",
]
