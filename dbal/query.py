"""The scoped query core: what every entity statement gets injected before it runs.

`BoundEntity` is an entity's model, table, validator and its prebuilt statements (the
compiled-statement cache: statements are built once per entity and operation shape, and
SQLAlchemy's compiled cache then skips recompiling them). `restrict` is the single place
that turns a scope into WHERE conditions:

* the tenant filter, always, unless the caller is the system scope without a tenant;
* the ACL level of the operation (`x-acl`), else ForbiddenError;
* the owner rule: callers allowed only their own rows get `owner = user_id` added, so the
  rule holds for list, count, search and aggregate as well as for single rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, Table, bindparam, func, select

from dbal.entity_model import EntityModel, Operation
from dbal.errors import ForbiddenError, ValidationError
from dbal.scope import LEVEL_NAMES, Scope
from dbal.validation import EntityValidator

MAX_STATEMENTS = 256  # prebuilt statements kept per entity


def _level_name(level: int) -> str:
    return LEVEL_NAMES[level] if level < len(LEVEL_NAMES) else "system"


@dataclass
class BoundEntity:
    model: EntityModel
    table: Table
    validator: EntityValidator
    statements: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model.qualified_name

    def visible_columns(self) -> list[Any]:
        return [self.table.c[name] for name in self.model.visible]

    def read_statement(self, own: bool) -> Select[Any]:
        """SELECT visible columns by tenant + id (+ owner): built once, reused."""
        key = "read_own" if own else "read"
        stmt: Select[Any] | None = self.statements.get(key)
        if stmt is None:
            t = self.table
            stmt = select(*self.visible_columns()).where(
                t.c.tenant_id == bindparam("q_tenant"), t.c.id == bindparam("q_id")
            )
            if own and self.model.owner:
                stmt = stmt.where(t.c[self.model.owner] == bindparam("q_owner"))
            self.statements[key] = stmt
        return stmt

    def page_statement(
        self, keys: tuple[Any, ...], own: bool, order: Callable[[], list[Any]]
    ) -> Select[Any]:
        """The unfiltered first page of a tenant, per sort keys: built once, then reused."""
        key = ("page", keys, own)
        stmt: Select[Any] | None = self.statements.get(key)  # type: ignore[call-overload]
        if stmt is None:
            stmt = self._tenant_select(select(*self.visible_columns()), own)
            stmt = stmt.order_by(*order()).limit(bindparam("q_limit", type_=Integer))
            if len(self.statements) < MAX_STATEMENTS:  # callers choose sorts: stay bounded
                self.statements[key] = stmt  # type: ignore[index]
        return stmt

    def count_statement(self, own: bool) -> Select[Any]:
        key = "count_own" if own else "count"
        stmt: Select[Any] | None = self.statements.get(key)
        if stmt is None:
            base = select(func.count()).select_from(self.table)
            stmt = self.statements[key] = self._tenant_select(base, own)
        return stmt

    def _tenant_select(self, stmt: Select[Any], own: bool) -> Select[Any]:
        t = self.table
        stmt = stmt.where(t.c.tenant_id == bindparam("q_tenant"))
        if own and self.model.owner:
            stmt = stmt.where(t.c[self.model.owner] == bindparam("q_owner"))
        return stmt


def access(model: EntityModel, scope: Scope, op: Operation) -> str:
    """'all' or 'own' rows of the tenant for this operation; ForbiddenError otherwise."""
    if scope.is_system:
        return "all"
    rule = model.acl[op]
    if scope.level >= rule.level:
        return "all"
    if (
        rule.owner is not None
        and model.owner is not None
        and scope.user_id is not None
        and scope.level >= rule.owner
    ):
        return "own"
    raise ForbiddenError(
        f"{op} on {model.qualified_name} needs level {rule.level} ({_level_name(rule.level)})"
    )


def restrict(bound: BoundEntity, scope: Scope, op: Operation) -> list[ColumnElement[bool]]:
    """The WHERE conditions every statement of `op` must carry for `scope`."""
    t = bound.table
    conditions: list[ColumnElement[bool]] = []
    if not scope.is_system or scope.tenant_id is not None:
        if scope.tenant_id is None:
            raise ValidationError.for_field("scope", "a tenant is required")
        conditions.append(t.c.tenant_id == scope.tenant_id)
    if access(bound.model, scope, op) == "own":
        assert bound.model.owner is not None
        conditions.append(t.c[bound.model.owner] == scope.user_id)
    return conditions


def require_tenant(scope: Scope) -> str:
    if scope.tenant_id is None:
        raise ValidationError.for_field("scope", "writing entity rows needs a tenant scope")
    return scope.tenant_id
