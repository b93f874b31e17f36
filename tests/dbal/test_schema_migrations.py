"""Entity schemas -> tables: additive changes apply automatically, destructive ones only on
request; re-applying is a no-op; other processes see new entities; core schema via Alembic."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from dbal import migrations
from dbal.database import Database
from dbal.errors import DestructiveChangeError, NotFoundError, SchemaError, ValidationError
from dbal.scope import Scope
from tests.dbal.conftest import POST, World


def columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def indexes(db: Database, table: str) -> set[str]:
    return {i["name"] for i in inspect(db.engine).get_indexes(table) if i["name"]}


def with_changes(**changes: Any) -> dict[str, Any]:
    schema = copy.deepcopy(POST)
    for key, value in changes.items():
        if value is None:
            schema.pop(key, None)
        else:
            schema[key] = value
    return schema


def test_reapplying_the_same_schemas_changes_nothing(world: World) -> None:
    from tests.dbal.conftest import COMMENT

    plan = world.db.schema.apply_entities("forum", [POST, COMMENT])
    assert plan.changes == []


def test_additive_changes_apply_automatically(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    kept = ents.create("post", {"title": "before"})
    schema = with_changes(
        properties={**POST["properties"], "views": {"type": "integer", "default": 0}},
        required=["title", "views"],
        **{"x-indexes": [*POST["x-indexes"], ["views"]]},
    )
    plan = world.db.schema.apply_entities("forum", [schema], allow_destructive=True)
    kinds = {c.kind for c in plan.changes}
    assert {"add_column", "add_index"} <= kinds
    assert "views" in columns(world.db, "e_forum__post")
    assert any("views" in name for name in indexes(world.db, "e_forum__post"))
    assert ents.read("post", kept["id"])["views"] is None  # old rows: NULL
    assert ents.create("post", {"title": "after"})["views"] == 0
    with pytest.raises(ValidationError):
        ents.create("post", {"title": "x", "views": "many"})


def test_dropping_a_column_needs_the_flag(world: World) -> None:
    props = {k: v for k, v in POST["properties"].items() if k != "rating"}
    schema = with_changes(properties=props)
    with pytest.raises(DestructiveChangeError) as info:
        world.db.schema.apply_entities("forum", [schema, _comment()])
    assert "rating" in str(info.value.details)
    assert "rating" in columns(world.db, "e_forum__post")  # nothing changed
    plan = world.db.schema.apply_entities("forum", [schema, _comment()], allow_destructive=True)
    assert [c.kind for c in plan.destructive] == ["remove_column"]
    assert "rating" not in columns(world.db, "e_forum__post")
    ents = world.ents(world.a, "u1", 3)
    ents.create("post", {"title": "still searchable", "body": "words"})
    assert [r["title"] for r in ents.search("post", "words")] == ["still searchable"]


def test_retyping_a_field_is_destructive(world: World) -> None:
    props = {**POST["properties"], "score": {"type": "string"}}
    schema = with_changes(properties=props, **{"x-indexes": []})
    with pytest.raises(DestructiveChangeError):
        world.db.schema.apply_entities("forum", [schema, _comment()])
    world.db.schema.apply_entities("forum", [schema, _comment()], allow_destructive=True)
    row = world.ents(world.a, "u1", 3).create("post", {"title": "t", "score": "high"})
    assert row["score"] == "high"


def test_dropping_an_entity_needs_the_flag(world: World) -> None:
    with pytest.raises(DestructiveChangeError):
        world.db.schema.apply_entities("forum", [POST])
    world.db.schema.apply_entities("forum", [POST], allow_destructive=True)
    assert not inspect(world.db.engine).has_table("e_forum__comment")
    with pytest.raises(NotFoundError):
        world.ents(world.a).list("comment")


def test_changing_search_fields_rebuilds_the_index(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    ents.create("post", {"title": "alpha", "body": "beta", "author": "gamma"})
    plan = world.db.schema.apply_entities(
        "forum", [with_changes(**{"x-search": ["author"]}), _comment()]
    )
    assert any(c.kind == "rebuild_search" for c in plan.changes)
    assert [r["title"] for r in ents.search("post", "gamma")] == ["alpha"]
    assert ents.search("post", "beta") == []


def test_plan_entities_is_a_dry_run(world: World) -> None:
    props = {k: v for k, v in POST["properties"].items() if k != "rating"}
    plan = world.db.schema.plan_entities("forum", [with_changes(properties=props), _comment()])
    assert plan.destructive and not plan.applied
    assert "rating" in columns(world.db, "e_forum__post")


def test_other_processes_pick_up_new_entities(world: World, database_url: str) -> None:
    other = Database.connect(database_url)
    try:
        other.upgrade()
        world.db.schema.apply_entities(
            "notes", {"note": {"type": "object", "properties": {"t": {"type": "string"}}}}
        )
        scope = Scope.for_user(world.a, "u1", 1)
        other.entities(scope, package="notes").create("note", {"t": "hello"})
        assert world.db.entities(scope).list("notes.note")["items"][0]["t"] == "hello"
    finally:
        other.close()


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "x-entity": "bad name", "properties": {}},
        {"type": "object", "x-entity": "x", "x-table": "tenants", "properties": {}},
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"id": {"type": "string"}, "tenant_ID": {"type": "string"}},
        },
        {"type": "object", "x-entity": "x", "properties": {"a": {"type": "blob"}}},
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "string"}},
            "required": ["b"],
        },
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "string"}},
            "x-owner": "nope",
        },
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "string"}},
            "x-acl": {"read": 9},
        },
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "string"}},
            "x-acl": {"update": {"owner": 1}},
        },
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "object"}},
            "x-search": ["a"],
        },
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "string"}},
            "x-foreign-keys": [{"field": "a", "entity": "missing"}],
        },
        {
            "type": "object",
            "x-entity": "x",
            "properties": {"a": {"type": "array", "items": {"type": 5}}},
        },
    ],
)
def test_unusable_schemas_are_schema_errors(world: World, schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaError):
        world.db.schema.apply_entities("other", [schema])


def test_a_table_belongs_to_one_package(world: World) -> None:
    with pytest.raises(SchemaError):
        world.db.schema.apply_entities("thief", [{**POST, "x-table": "e_forum__post"}])


def test_core_schema_is_at_the_alembic_head(database: Database) -> None:
    head = ScriptDirectory.from_config(migrations.config()).get_current_head()
    assert head is not None and head.startswith("000")
    assert migrations.current(database.engine) == head
    database.upgrade()
    assert migrations.current(database.engine) == head
    names = set(inspect(database.engine).get_table_names())
    assert {"tenants", "users", "credentials", "sessions", "memberships", "page_configs",
            "component_nodes", "component_configs", "workflows", "installed_packages",
            "package_data", "kv", "audit_log", "runs", "entity_schemas"} <= names  # fmt: skip


def _comment() -> dict[str, Any]:
    from tests.dbal.conftest import COMMENT

    return COMMENT


def test_other_processes_pick_up_changed_entities(world: World, database_url: str) -> None:
    from dbal import schema as schema_module

    other = Database.connect(database_url)
    try:
        other.upgrade()
        scope = Scope.for_user(world.a, "u1", 3)
        other.entities(scope, package="forum").list("post")  # other has loaded the old schema
        props = {**POST["properties"], "views": {"type": "integer"}}
        world.db.schema.apply_entities("forum", [with_changes(properties=props), _comment()])
        schema_module.REFRESH_S, saved = 0.0, schema_module.REFRESH_S
        try:
            row = other.entities(scope, package="forum").create("post", {"title": "t", "views": 3})
        finally:
            schema_module.REFRESH_S = saved
        assert row["views"] == 3
    finally:
        other.close()


def test_apply_entities_inside_the_callers_transaction(world: World) -> None:
    schema = {"type": "object", "x-entity": "memo", "properties": {"t": {"type": "string"}}}
    with pytest.raises(RuntimeError), world.db.engine.begin() as conn:
        world.db.schema.apply_entities("memos", [schema], connection=conn)
        raise RuntimeError("installer failed later")
    assert not inspect(world.db.engine).has_table("e_memos__memo")
    world.db.schema.refresh()
    with pytest.raises(NotFoundError):
        world.ents(world.a).list("memos.memo")
    with world.db.engine.begin() as conn:
        world.db.schema.apply_entities("memos", [schema], connection=conn)
    assert world.ents(world.a).create("memos.memo", {"t": "kept"})["t"] == "kept"
