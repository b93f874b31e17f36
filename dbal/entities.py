"""Entity rows through a scope: the API scripts (`ctx.db`) and the REST layer sit on.

    ents = db.entities(scope, package="forum")        # bare names resolve in "forum"
    post = ents.create("post", {"title": "Hi"})        # -> row dict (sensitive fields never)
    ents.read("post", post["id"])                      # NotFoundError if absent or not visible
    page = ents.list("post", filter={"score": {"gte": 3}}, sort="-score", limit=20,
                     cursor=None, total=True)          # {"items", "next_cursor", "total"}
    ents.list("post", offset=40, limit=20)             # offset pagination instead of a cursor
    ents.update("post", post["id"], {"title": "Hello"})
    ents.delete("post", post["id"])                    # True, or NotFoundError
    ents.count("post", filter=...); ents.search("post", "hello world", limit=10)
    ents.children("post", "thread_id", [t1, t2], limit=10)  # {t1: (rows, total), ...}
    ents.create_many / update_many(filter, data) / delete_many(filter) -> rows / counts
    ents.upsert("post", {"slug": "x"}, {...})          # match on a declared unique key
    ents.aggregate("post", {"n": "count", "avg": "avg:score"}, group_by=["author"])
    with db.transaction(scope, package="forum") as tx:  # one transaction, same API
        tx.create(...); tx.update(...)

Every operation checks `x-acl` for the scope and carries the tenant filter and owner rule
(`dbal.query.restrict`); create forces tenant_id from the scope. Each mutation writes its
audit row in the same transaction (`dbal.audit`). Errors are `dbal.errors` types: unknown
fields, operators, sort keys and bad values are ValidationError (422), never SQL errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypedDict, TypeVar

from sqlalchemy import Connection, Engine, and_, func, insert, select
from sqlalchemy import exc as sa_exc

from dbal import audit, pagination
from dbal.cache import RowCache, row_key
from dbal.engine import BEGIN_KEY, begin_mode, translate
from dbal.entity_model import UNSET
from dbal.errors import ForbiddenError, NotFoundError, ValidationError
from dbal.filters import compile_filter
from dbal.ids import new_id, utcnow
from dbal.query import BoundEntity, access, require_tenant, restrict
from dbal.schema import SchemaManager
from dbal.scope import ADMIN, Scope
from dbal.search import apply_search, tokens
from dbal.types import Row

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_OFFSET = 100_000
MAX_BATCH = 10_000
INSERT_CHUNK = 500
METRIC = re.compile(r"^(count|sum|avg|min|max)(?::([A-Za-z][A-Za-z0-9_]{0,62}))?$")
ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
T = TypeVar("T")
Rows = list[Row]
Ids = list[str]


class Page(TypedDict):
    items: list[Row]
    next_cursor: str | None
    total: int | None


class Entities:
    def __init__(
        self,
        engine: Engine,
        schema: SchemaManager,
        scope: Scope,
        *,
        package: str | None = None,
        cache: RowCache | None = None,
        conn: Connection | None = None,
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._scope = scope
        self._package = package
        self._cache = cache if scope.tenant_id is not None else None
        self._conn = conn
        self._dialect = engine.dialect.name
        self._pending_evictions: Ids = []

    @property
    def scope(self) -> Scope:
        return self._scope

    def _bound(self, entity: str) -> BoundEntity:
        return self._schema.get(entity, self._package)

    # -- reading --------------------------------------------------------------------------

    def read(self, entity: str, id: str) -> Row:
        bound = self._bound(entity)
        mode = access(bound.model, self._scope, "read")
        if not isinstance(id, str) or not id or len(id) > 64:
            raise NotFoundError(f"{bound.name} {str(id)[:64]!r} not found")
        scope = self._scope
        if scope.tenant_id is None:
            return self._read_any_tenant(bound, id)
        owner = bound.model.owner
        key = None
        # no cache inside a transaction: it must see its own uncommitted writes
        cacheable = self._cache is not None and self._conn is None
        if cacheable and (owner is None or owner in bound.model.visible):
            key = row_key(bound.table.name, scope.tenant_id, id)
            cached = self._cache.get(key)  # type: ignore[union-attr]
            if cached is not None:
                if mode == "own" and owner is not None and cached.get(owner) != scope.user_id:
                    raise NotFoundError(f"{bound.name} {id!r} not found")
                return cached
        params = {"q_tenant": scope.tenant_id, "q_id": id}
        if mode == "own":
            params["q_owner"] = scope.user_id  # type: ignore[assignment]
        stmt = bound.read_statement(own=mode == "own")
        found = self._run(lambda c: c.execute(stmt, params).first(), write=False)
        if found is None:
            raise NotFoundError(f"{bound.name} {id!r} not found")
        row = dict(zip(bound.model.visible, found, strict=True))
        if key is not None and mode == "all":
            self._cache.set(key, row)  # type: ignore[union-attr]
        return row

    def _read_any_tenant(self, bound: BoundEntity, id: str) -> Row:
        query = select(*bound.visible_columns()).where(bound.table.c.id == id)
        found = self._run(lambda c: c.execute(query).first(), write=False)
        if found is None:
            raise NotFoundError(f"{bound.name} {id!r} not found")
        return dict(zip(bound.model.visible, found, strict=True))

    def list(
        self,
        entity: str,
        *,
        filter: Mapping[str, Any] | None = None,
        sort: Any = None,
        limit: int = DEFAULT_LIMIT,
        offset: int | None = None,
        cursor: str | None = None,
        total: bool = False,
    ) -> Page:
        bound = self._bound(entity)
        model, table = bound.model, bound.table
        keys = pagination.parse_sort(model, sort)
        limit = _limit(limit)
        if cursor is not None and offset is not None:
            raise ValidationError.for_field("cursor", "use either cursor or offset")
        count_query: Any = None
        params: dict[str, Any] = {}
        if not filter and cursor is None and not offset and self._scope.tenant_id is not None:
            # the hot path (a tenant's first page): prebuilt statements, bound parameters
            own = access(model, self._scope, "read") == "own"
            query: Any = bound.page_statement(
                keys, own, lambda: pagination.order_by(table, keys, model, self._dialect)
            )
            params = {"q_tenant": self._scope.tenant_id, "q_limit": limit + 1}
            if own:
                params["q_owner"] = self._scope.user_id
            if total:
                count_query = bound.count_statement(own)
        else:
            where = self._where(bound, "read", filter)
            query = select(*bound.visible_columns()).where(*where)
            if cursor is not None:
                values = pagination.decode_cursor(model, keys, cursor)
                query = query.where(pagination.after(table, keys, values))
            elif offset is not None:
                if (
                    isinstance(offset, bool)
                    or not isinstance(offset, int)
                    or not 0 <= offset <= MAX_OFFSET
                ):
                    raise ValidationError.for_field("offset", f"an integer 0..{MAX_OFFSET}")
                query = query.offset(offset)
            query = query.order_by(*pagination.order_by(table, keys, model, self._dialect)).limit(
                limit + 1
            )
            if total:
                count_query = select(func.count()).select_from(table).where(*where)

        def run(conn: Connection) -> tuple[Sequence[Any], int | None]:
            rows = conn.execute(query, params).all()
            counted = None
            if count_query is not None:
                counted = conn.execute(count_query, params).scalar_one()
            return rows, counted

        rows, counted = self._run(run, write=False, snapshot=total)
        items = [dict(zip(model.visible, r, strict=True)) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = pagination.encode_cursor(
                keys, self._sort_values(bound, keys, rows[limit - 1])
            )
        return {"items": items, "next_cursor": next_cursor, "total": counted}

    def children(
        self, entity: str, field: str, parent_ids: Sequence[str], *, limit: int = DEFAULT_LIMIT
    ) -> dict[str, tuple[Rows, int]]:
        """The rows of `entity` whose `field` holds one of `parent_ids`, at most `limit` per
        parent (the first by id), and how many there are in all: parent id -> (rows, total),
        parents without rows left out. One statement for every parent (window functions),
        scoped like `list`: tenant filter, read level and owner rule."""
        bound = self._bound(entity)
        model, table = bound.model, bound.table
        spec = model.fields.get(field)
        if spec is None or spec.system or spec.kind != "string":
            raise ValidationError.for_field("field", f"{bound.name} has no key {field[:64]!r}")
        limit = _limit(limit)
        where = self._where(bound, "read", None)  # refuses by level even for no parents
        ids = sorted({i for i in parent_ids if isinstance(i, str)})
        if not ids:
            return {}
        key = table.c[field]
        inner = (
            select(
                *bound.visible_columns(),
                key.label("_parent"),
                func.row_number().over(partition_by=key, order_by=table.c.id).label("_rank"),
                func.count().over(partition_by=key).label("_total"),
            )
            .where(*where, key.in_(ids))
            .subquery()
        )
        columns = [inner.c[name] for name in model.visible]
        query = (
            select(*columns, inner.c["_parent"], inner.c["_total"])
            .where(inner.c["_rank"] <= limit)
            .order_by(inner.c["_parent"], inner.c.id)
        )
        found = self._run(lambda c: c.execute(query).all(), write=False)
        out: dict[str, tuple[Rows, int]] = {}
        width = len(model.visible)
        for record in found:
            rows, _ = out.get(record[width], ([], 0))
            rows.append(dict(zip(model.visible, record[:width], strict=True)))
            out[record[width]] = (rows, int(record[width + 1]))
        return out

    @staticmethod
    def _sort_values(bound: BoundEntity, keys: tuple[pagination.SortKey, ...], row: Any) -> Row:
        values = dict(zip(bound.model.visible, row, strict=True))
        return {k.field: values.get(k.field) for k in keys}

    def count(self, entity: str, *, filter: Mapping[str, Any] | None = None) -> int:
        bound = self._bound(entity)
        where = self._where(bound, "read", filter)
        query = select(func.count()).select_from(bound.table).where(*where)
        return int(self._run(lambda c: c.execute(query).scalar_one(), write=False))

    def search(
        self,
        entity: str,
        text: str,
        *,
        filter: Mapping[str, Any] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> Rows:
        bound = self._bound(entity)
        model = bound.model
        if not model.search_fields:
            raise ValidationError.for_field("entity", f"{bound.name} has no x-search fields")
        if not isinstance(text, str) or len(text) > 1000:
            raise ValidationError.for_field("query", "a string of at most 1000 characters")
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
            raise ValidationError.for_field("offset", f"an integer 0..{MAX_OFFSET}")
        where = self._where(bound, "read", filter)
        words = tokens(text)
        if not words:
            return []
        query = select(*bound.visible_columns()).where(*where)
        query, rank = apply_search(query, model, bound.table, words, self._dialect)
        query = query.order_by(*rank, bound.table.c.id).limit(_limit(limit)).offset(offset)
        rows = self._run(lambda c: c.execute(query).all(), write=False)
        return [dict(zip(model.visible, r, strict=True)) for r in rows]

    def aggregate(
        self,
        entity: str,
        metrics: Mapping[str, str],
        *,
        group_by: Sequence[str] = (),
        filter: Mapping[str, Any] | None = None,
        limit: int = MAX_LIMIT,
    ) -> Rows:
        """Grouped metrics: {"alias": "count" | "sum:field" | "avg:field" | "min:.." | "max:.."}."""
        bound = self._bound(entity)
        model, table = bound.model, bound.table
        where = self._where(bound, "read", filter)
        if not isinstance(metrics, Mapping) or not metrics or len(metrics) > 16:
            raise ValidationError.for_field("metrics", "1..16 metrics")
        if isinstance(group_by, str):
            group_by = [group_by]
        if not isinstance(group_by, Sequence) or len(group_by) > 4:
            raise ValidationError.for_field("group_by", "at most 4 fields")
        group_cols = []
        for name in group_by:
            spec = model.fields.get(name) if isinstance(name, str) else None
            if spec is None or not spec.scalar:
                raise ValidationError.for_field("group_by", f"cannot group by {str(name)[:64]!r}")
            group_cols.append(table.c[name].label(name))
        columns = []
        for alias, metric in metrics.items():
            if not isinstance(alias, str) or not ALIAS.match(alias) or alias in group_by:
                raise ValidationError.for_field("metrics", f"bad alias {str(alias)[:64]!r}")
            match = METRIC.match(metric) if isinstance(metric, str) else None
            if match is None:
                raise ValidationError.for_field(f"metrics.{alias}", "count or fn:field")
            fn, fname = match.groups()
            if fname is None:
                if fn != "count":
                    raise ValidationError.for_field(f"metrics.{alias}", f"{fn} needs a field")
                columns.append(func.count().label(alias))
                continue
            spec = model.fields.get(fname)
            numeric = spec is not None and spec.kind in ("integer", "number")
            orderable = spec is not None and spec.scalar and spec.kind != "boolean"
            if (
                spec is None
                or not spec.scalar
                or (fn in ("sum", "avg") and not numeric)
                or not orderable
            ):
                raise ValidationError.for_field(f"metrics.{alias}", f"cannot {fn} {fname!r}")
            columns.append(getattr(func, fn)(table.c[fname]).label(alias))
        query = select(*group_cols, *columns).where(*where)
        if group_cols:
            order = [table.c[name].asc().nulls_last() for name in group_by]  # same on both
            query = query.group_by(*group_cols).order_by(*order)
        query = query.limit(_limit(limit))
        rows = self._run(lambda c: c.execute(query).mappings().all(), write=False)
        return [_aggregate_row(dict(r), metrics) for r in rows]

    # -- writing --------------------------------------------------------------------------

    def create(self, entity: str, data: Mapping[str, Any]) -> Row:
        return self.create_many(entity, [data], _single=True)[0]

    def create_many(
        self, entity: str, rows: Sequence[Mapping[str, Any]], *, _single: bool = False
    ) -> Rows:
        bound = self._bound(entity)
        model = bound.model
        access(model, self._scope, "create")
        tenant = require_tenant(self._scope)
        if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
            raise ValidationError.for_field("rows", "a list of objects")
        if len(rows) > MAX_BATCH:
            raise ValidationError.for_field("rows", f"at most {MAX_BATCH} rows per call")
        if not rows:
            return []
        now = utcnow()
        columns = ("id", "tenant_id", "created_at", "updated_at", *model.data_fields)
        template = dict.fromkeys(columns)
        template.update(tenant_id=tenant, created_at=now, updated_at=now)
        params: list[dict[str, Any]] = []
        written: set[str] = set()
        validate = bound.validator.validate_create
        for index, data in enumerate(rows):
            try:
                row = validate(data)
            except ValidationError as error:
                if _single:
                    raise
                fields = [
                    {"field": f"{index}.{f['field']}", "error": f["error"]} for f in error.fields
                ]
                raise ValidationError("Validation failed", fields=fields) from None  # type: ignore[arg-type]
            self._own_on_create(bound, row)
            written.update(row)
            param = template.copy()
            param.update(row)  # every row carries every column, as executemany requires
            if param["id"] is None:
                param["id"] = new_id()
            params.append(param)
        stmt = bound.statements.get("insert")
        if stmt is None:
            stmt = bound.statements["insert"] = insert(bound.table)
        changed = sorted(written)

        def run(conn: Connection) -> None:
            for start in range(0, len(params), INSERT_CHUNK):
                conn.execute(stmt, params[start : start + INSERT_CHUNK])
            if len(params) == 1:
                audit.record(
                    conn,
                    self._scope,
                    bound.name,
                    "create",
                    entity_id=params[0]["id"],
                    fields=changed,
                )
            else:
                ids = [p["id"] for p in params]
                audit.record(conn, self._scope, bound.name, "create_many", fields=changed, ids=ids)

        self._run(run, write=True, what=f"create {bound.name}")
        hidden = ("tenant_id", *(f for f in model.data_fields if model.fields[f].sensitive))
        out = []
        for param in params:
            row = param.copy()
            for key in hidden:
                del row[key]
            out.append(row)
        return out

    def _own_on_create(self, bound: BoundEntity, row: dict[str, Any]) -> None:
        owner = bound.model.owner
        scope = self._scope
        if owner is None or scope.is_system:
            return
        given = row.get(owner, UNSET)
        if given is UNSET or given is None:
            row[owner] = scope.user_id
        elif given != scope.user_id and scope.level < ADMIN:
            raise ForbiddenError(f"only admins create rows owned by someone else ({owner})")

    def update(
        self,
        entity: str,
        id: str,
        data: Mapping[str, Any],
        *,
        filter: Mapping[str, Any] | None = None,
        replace: bool = False,
    ) -> Row:
        """Change one row; NotFoundError when it is absent, not visible or fails `filter` (the
        REST layer's If-Match guard). `replace=True` validates `data` as a whole row, like
        create, and clears every field it leaves out (the owner field excepted)."""
        bound = self._bound(entity)
        model, table = bound.model, bound.table
        where = self._where(bound, "update", filter)
        if replace:
            changes = bound.validator.validate_create(data)
            if changes.pop("id", id) != id:
                raise ValidationError.for_field("id", "is read-only")
            for name in model.data_fields:
                if name != model.owner:
                    changes.setdefault(name, None)
        else:
            changes = bound.validator.validate_update(data)
        self._check_owner_change(bound, changes)
        if not isinstance(id, str) or not id or len(id) > 64:
            raise NotFoundError(f"{bound.name} {str(id)[:64]!r} not found")
        changes["updated_at"] = utcnow()
        stmt = table.update().where(*where, table.c.id == id).values(**changes)
        # re-read without the caller's filter: the write may have changed what it matched
        unfiltered = self._where(bound, "update", None) if filter else where
        reread = select(*bound.visible_columns()).where(*unfiltered, table.c.id == id)

        def run(conn: Connection) -> Any:
            if conn.execute(stmt).rowcount == 0:
                raise NotFoundError(f"{bound.name} {id!r} not found")
            audit.record(
                conn,
                self._scope,
                bound.name,
                "update",
                entity_id=id,
                fields=set(changes) - {"updated_at"},
            )
            return conn.execute(reread).one()

        found = self._run(run, write=True, what=f"update {bound.name}")
        self._evict(bound, [id])
        return dict(zip(model.visible, found, strict=True))

    def _check_owner_change(self, bound: BoundEntity, changes: Mapping[str, Any]) -> None:
        owner = bound.model.owner
        scope = self._scope
        if owner is None or owner not in changes or scope.is_system or scope.level >= ADMIN:
            return
        if changes[owner] != scope.user_id:
            raise ForbiddenError(f"only admins change the owner ({owner}) of a row")

    def update_many(
        self, entity: str, filter: Mapping[str, Any] | None, data: Mapping[str, Any]
    ) -> int:
        bound = self._bound(entity)
        table = bound.table
        where = self._where(bound, "update", filter)
        changes = bound.validator.validate_update(data)
        self._check_owner_change(bound, changes)
        changes["updated_at"] = utcnow()
        stmt = table.update().where(*where).values(**changes).returning(table.c.id)

        def run(conn: Connection) -> Ids:
            ids = [r[0] for r in conn.execute(stmt)]
            if ids:
                audit.record(
                    conn,
                    self._scope,
                    bound.name,
                    "update_many",
                    fields=set(changes) - {"updated_at"},
                    ids=ids,
                )
            return ids

        ids = self._run(run, write=True, what=f"update {bound.name}")
        self._evict(bound, ids)
        return len(ids)

    def delete(self, entity: str, id: str, *, filter: Mapping[str, Any] | None = None) -> bool:
        bound = self._bound(entity)
        table = bound.table
        where = self._where(bound, "delete", filter)
        if not isinstance(id, str) or not id or len(id) > 64:
            raise NotFoundError(f"{bound.name} {str(id)[:64]!r} not found")
        stmt = table.delete().where(*where, table.c.id == id)

        def run(conn: Connection) -> None:
            if conn.execute(stmt).rowcount == 0:
                raise NotFoundError(f"{bound.name} {id!r} not found")
            audit.record(conn, self._scope, bound.name, "delete", entity_id=id)

        self._run(run, write=True, what=f"delete {bound.name}")
        self._evict(bound, [id])
        return True

    def delete_many(self, entity: str, filter: Mapping[str, Any] | None) -> int:
        bound = self._bound(entity)
        table = bound.table
        where = self._where(bound, "delete", filter)
        stmt = table.delete().where(*where).returning(table.c.id)

        def run(conn: Connection) -> Ids:
            ids = [r[0] for r in conn.execute(stmt)]
            if ids:
                audit.record(conn, self._scope, bound.name, "delete_many", ids=ids)
            return ids

        ids = self._run(run, write=True, what=f"delete {bound.name}")
        self._evict(bound, ids)
        return len(ids)

    def upsert(self, entity: str, key: Mapping[str, Any], data: Mapping[str, Any]) -> Row:
        """Update the row matching `key` (the fields of a declared unique index), else create."""
        bound = self._bound(entity)
        if not isinstance(key, Mapping) or not key:
            raise ValidationError.for_field("key", "an object of unique field values")
        unique_sets = [set(i.fields) for i in bound.model.indexes if i.unique] + [{"id"}]
        if set(key) not in unique_sets:
            raise ValidationError.for_field("key", "must be exactly the fields of a unique index")
        if self._conn is None:
            with self._transaction() as tx:
                return tx.upsert(entity, key, data)
        found = self.list(entity, filter=dict(key), limit=1)["items"]
        if found:
            changes = {k: v for k, v in data.items() if k not in key or data[k] != key[k]}
            existing: Row = found[0]
            return self.update(entity, existing["id"], changes) if changes else existing
        return self.create(entity, {**data, **key})

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: undo the block's writes if it raises, and carry on (an import
        that tries rows one by one to find those the database refuses)."""
        if self._conn is None:
            raise ValidationError.for_field("savepoint", "only inside a transaction")
        try:
            with self._conn.begin_nested():
                yield
        except sa_exc.SQLAlchemyError as error:
            raise translate(error, "savepoint") from error

    # -- plumbing -------------------------------------------------------------------------

    def _where(
        self, bound: BoundEntity, op: Any, filter: Mapping[str, Any] | None
    ) -> Sequence[Any]:
        conditions = restrict(bound, self._scope, op)
        compiled = compile_filter(bound.model, bound.table, filter, self._dialect)
        if compiled is not None:
            conditions.append(compiled)
        return conditions

    def _run(
        self,
        fn: Callable[[Connection], T],
        *,
        write: bool,
        what: str = "read",
        snapshot: bool = False,
    ) -> T:
        if self._conn is not None:
            try:
                return fn(self._conn)
            except sa_exc.SQLAlchemyError as error:
                raise translate(error, what) from error
        try:
            with self._engine.connect() as conn:
                if write or snapshot:
                    with begin_mode(conn, "BEGIN IMMEDIATE" if write else "BEGIN"), conn.begin():
                        return fn(conn)
                if self._dialect != "sqlite":
                    return fn(conn)
                info = conn.connection.info  # inlined begin_mode: this is the hot read path
                info[BEGIN_KEY] = None  # one statement: no transaction needed
                try:
                    return fn(conn)
                finally:
                    info.pop(BEGIN_KEY, None)
        except sa_exc.SQLAlchemyError as error:
            raise translate(error, what) from error

    def _evict(self, bound: BoundEntity, ids: Sequence[str]) -> None:
        if self._cache is None or not ids or self._scope.tenant_id is None:
            return
        keys = [row_key(bound.table.name, self._scope.tenant_id, i) for i in ids]
        if self._conn is not None:
            self._pending_evictions.extend(keys)  # after commit
        else:
            self._cache.delete(keys)

    @contextmanager
    def _transaction(self) -> Iterator[Entities]:
        with transaction(
            self._engine, self._schema, self._scope, package=self._package, cache=self._cache
        ) as tx:
            yield tx


@contextmanager
def transaction(
    engine: Engine,
    schema: SchemaManager,
    scope: Scope,
    *,
    package: str | None = None,
    cache: RowCache | None = None,
) -> Iterator[Entities]:
    """One database transaction for several entity operations; rolls back on any exception."""
    try:
        with engine.connect() as conn, begin_mode(conn, "BEGIN IMMEDIATE"), conn.begin():
            tx = Entities(engine, schema, scope, package=package, cache=cache, conn=conn)
            yield tx
    except sa_exc.SQLAlchemyError as error:
        raise translate(error, "transaction") from error
    if cache is not None and tx._pending_evictions:
        cache.delete(tx._pending_evictions)


def _limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.for_field("limit", f"an integer 1..{MAX_LIMIT}")
    return limit


def _aggregate_row(row: Row, metrics: Mapping[str, str]) -> Row:
    for alias, metric in metrics.items():
        value = row.get(alias)
        if metric.startswith("avg") and value is not None:
            row[alias] = float(value)
        elif metric.startswith("sum") and value is not None and not isinstance(value, int | float):
            row[alias] = float(value)  # Decimal on PostgreSQL
    return row


__all__ = ["Entities", "Page", "and_", "transaction"]
