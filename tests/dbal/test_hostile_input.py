"""Hostile input: SQL fragments, unknown fields, wrong types, huge values and deep nesting in
filters, sorts, cursors and row data give ValidationError (422) and change nothing."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbal.errors import DataError, ValidationError
from tests.dbal.conftest import World

SQLISH = [
    "'; DROP TABLE e_forum__post; --",
    "1 OR 1=1",
    "title) OR (1=1",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "\x00",
    "tenant_id",
    "secret",
    "id; SELECT * FROM credentials",
    "../../etc/passwd",
    "Ω≈ç√",
    "a" * 20_000,
]
FIELDS = ["title", "score", "rating", "published", "author", "status", "due", "secret", "tags",
          "tenant_id", "id", "nope", "title;--", "", "__class__"]  # fmt: skip
OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "startswith", "is_null",
       "like", "regex", "$where", "or", "and", "not"]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(SQLISH),
    st.text(max_size=30),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS + OPS), inner, max_size=4),
    ),
    max_leaves=20,
)
filters = st.recursive(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=3),
    lambda inner: st.one_of(
        st.dictionaries(st.sampled_from(["and", "or"]), st.lists(inner, max_size=3), max_size=2),
        st.dictionaries(st.just("not"), inner, max_size=1),
        st.dictionaries(
            st.sampled_from(FIELDS),
            st.dictionaries(st.sampled_from(OPS), values, max_size=3),
            max_size=3,
        ),
    ),
    max_leaves=12,
)
sorts = st.one_of(
    st.none(),
    st.sampled_from(SQLISH + FIELDS + ["-score", "score,-title", "-secret"]),
    st.lists(st.sampled_from([*FIELDS, "-score", "-title"]), max_size=6),
    values,
)

DEEP: Any = "deep"
for _ in range(200):
    DEEP = [DEEP]

HYPOTHESIS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture(scope="module")
def hostile(module_world: World) -> World:
    world = module_world
    world.system(world.a).create_many(
        "post", [{"title": f"a{i}", "score": i, "secret": "s"} for i in range(5)]
    )
    world.system(world.b).create_many("post", [{"title": f"b{i}", "score": i} for i in range(5)])
    return world


def fingerprint(world: World) -> list[Any]:
    with world.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, tenant_id, title, score, secret, updated_at FROM e_forum__post ORDER BY id"
        ).all()
    return [tuple(r) for r in rows]


@HYPOTHESIS
@given(filter=filters, sort=sorts)
def test_hostile_list_arguments(hostile: World, filter: Any, sort: Any) -> None:
    world = hostile
    before = fingerprint(world)
    ents = world.ents(world.a, "u1", 1)
    try:
        page = ents.list("post", filter=filter, sort=sort, total=True)
    except ValidationError as error:
        assert error.http_status == 422
    else:
        assert all(r["title"].startswith("a") for r in page["items"])
        assert all("secret" not in r for r in page["items"])
    with contextlib.suppress(ValidationError):
        ents.count("post", filter=filter)
    assert fingerprint(world) == before


@HYPOTHESIS
@given(filter=filters, data=values)
def test_hostile_bulk_writes_stay_in_the_tenant(hostile: World, filter: Any, data: Any) -> None:
    world = hostile
    before_b = [r for r in fingerprint(world) if r[1] == world.b]
    ents = world.ents(world.a, "u1", 5)
    try:
        with world.db.transaction(ents.scope, package="forum") as tx:
            tx.update_many("post", filter, data if isinstance(data, dict) else {"title": data})
            raise _Rollback
    except (_Rollback, ValidationError):
        pass
    assert [r for r in fingerprint(world) if r[1] == world.b] == before_b


class _Rollback(Exception):
    pass


@HYPOTHESIS
@given(row=st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
def test_hostile_rows_are_validated_before_sql(hostile: World, row: dict[str, Any]) -> None:
    world = hostile
    ents = world.ents(world.a, "u1", 1)
    try:
        with world.db.transaction(ents.scope, package="forum") as tx:
            created = tx.create("post", row)
            assert "secret" not in created
            raise _Rollback
    except (_Rollback, ValidationError):
        pass
    except DataError as error:  # a unique conflict is the only other acceptable outcome
        assert error.code == "CONFLICT"


@pytest.mark.parametrize(
    "row",
    [
        {"title": "x" * 201},
        {"title": "a", "score": 2**63},
        {"title": "a", "score": "1; DROP TABLE x"},
        {"title": "a", "rating": float("inf")},
        {"title": "a", "tags": ["x"] * 11},
        {"title": "a", "tags": DEEP},
        {"title": "a\x00b"},
        {"title": "a", "status": "hacked"},
        {"title": "a", "slug": "NOT VALID"},
        {"title": "a", "due": "not a date"},
        {"title": "a", "created_at": "2020-01-01T00:00:00Z"},
        {"title": "a", "id": "' OR 1=1 --"},
        {"title": "a", "unknown": 1},
        {"score": 1},
    ],
)
def test_bad_rows_are_422_with_field_details(hostile: World, row: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        hostile.ents(hostile.a, "u1", 1).create("post", row)
    assert info.value.fields and all({"field", "error"} <= set(f) for f in info.value.fields)
    assert info.value.to_dict()["error"] == "VALIDATION_ERROR"


@HYPOTHESIS
@given(
    text=st.one_of(st.text(max_size=200), st.sampled_from(SQLISH)),
    filter=st.one_of(st.none(), filters),
)
def test_hostile_search(hostile: World, text: str, filter: Any) -> None:
    try:
        rows = hostile.ents(hostile.a).search("post", text, filter=filter)
    except ValidationError:
        return
    assert all(r["title"].startswith("a") and "secret" not in r for r in rows)


@HYPOTHESIS
@given(
    metrics=st.dictionaries(st.sampled_from(["n", "x", "1", "id", "a;b", ""]), values, max_size=3),
    group_by=st.one_of(st.lists(st.sampled_from(FIELDS), max_size=5), values),
)
def test_hostile_aggregates(hostile: World, metrics: Any, group_by: Any) -> None:
    try:
        rows = hostile.ents(hostile.a).aggregate("post", metrics, group_by=group_by)
    except ValidationError:
        return
    assert all("secret" not in r for r in rows)


def test_statement_cache_stays_bounded(hostile: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbal import query

    monkeypatch.setattr(query, "MAX_STATEMENTS", 10)
    ents = hostile.ents(hostile.a)
    statements = hostile.db.schema.get("forum.post").statements
    before = len(statements)
    fields = ["title", "score", "published", "status", "author", "created_at"]
    for first in fields:
        for second in fields:
            if first != second:
                for sign in ("", "-"):
                    ents.list("post", sort=[sign + first, second], limit=1)
    assert len(statements) <= max(before, 10)
