"""Conformance: every entity operation on both backends."""

from __future__ import annotations

import pytest

from dbal.errors import ConflictError, NotFoundError, ValidationError
from tests.dbal.conftest import World


def test_create_read_update_delete(world: World) -> None:
    ents = world.ents(world.a, "u1", 1)
    post = ents.create("post", {"title": "Hello", "tags": ["x"], "secret": "s3"})
    assert post["title"] == "Hello"
    assert post["score"] == 0 and post["status"] == "draft" and post["published"] is False
    assert post["author"] == "u1"
    assert "secret" not in post and "tenant_id" not in post
    read = ents.read("post", post["id"])
    assert read["title"] == "Hello" and read["tags"] == ["x"] and "secret" not in read
    assert read["created_at"].tzinfo is not None
    updated = ents.update("post", post["id"], {"title": "Hi", "score": 5})
    assert (updated["title"], updated["score"]) == ("Hi", 5)
    assert updated["updated_at"] >= updated["created_at"]
    assert ents.delete("post", post["id"]) is True
    with pytest.raises(NotFoundError):
        ents.read("post", post["id"])
    with pytest.raises(NotFoundError):
        ents.delete("post", post["id"])
    with pytest.raises(NotFoundError):
        ents.update("post", post["id"], {"title": "x"})


def test_qualified_names_work_without_a_default_package(world: World) -> None:
    ents = world.db.entities(world.ents(world.a).scope)
    created = ents.create("forum.post", {"title": "T"})
    assert ents.read("forum.post", created["id"])["id"] == created["id"]
    with pytest.raises(ValidationError):
        ents.read("post", created["id"])
    with pytest.raises(NotFoundError):
        ents.list("forum.nope")


def test_create_many_update_many_delete_many(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    rows = ents.create_many("post", [{"title": f"t{i}", "score": i} for i in range(30)])
    assert len(rows) == 30 and len({r["id"] for r in rows}) == 30
    assert ents.count("post") == 30
    assert ents.update_many("post", {"score": {"gte": 20}}, {"published": True}) == 10
    assert ents.count("post", filter={"published": True}) == 10
    assert ents.delete_many("post", {"score": {"lt": 5}}) == 5
    assert ents.count("post") == 25


def test_create_many_reports_the_failing_row(world: World) -> None:
    ents = world.ents(world.a)
    with pytest.raises(ValidationError) as info:
        ents.create_many("post", [{"title": "ok"}, {"title": 5}])
    assert info.value.fields[0]["field"] == "1.title"
    assert ents.count("post") == 0


def test_unique_conflict_is_per_tenant(world: World) -> None:
    world.ents(world.a).create("post", {"title": "a", "slug": "same"})
    with pytest.raises(ConflictError):
        world.ents(world.a).create("post", {"title": "b", "slug": "same"})
    world.ents(world.b).create("post", {"title": "c", "slug": "same"})


def test_upsert_matches_on_a_unique_key(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    first = ents.upsert("post", {"slug": "k"}, {"title": "one"})
    second = ents.upsert("post", {"slug": "k"}, {"title": "two"})
    assert first["id"] == second["id"] and second["title"] == "two"
    assert ents.count("post") == 1
    with pytest.raises(ValidationError):
        ents.upsert("post", {"title": "one"}, {"score": 1})


def test_foreign_keys_cascade_within_the_tenant(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    post = ents.create("post", {"title": "p"})
    ents.create("comment", {"post_id": post["id"], "text": "c"})
    assert ents.count("comment") == 1
    with pytest.raises(ValidationError):
        ents.create("comment", {"post_id": "missing", "text": "c"})
    with pytest.raises(ValidationError):  # a post of tenant A is not visible to tenant B
        world.ents(world.b, "u1", 3).create("comment", {"post_id": post["id"], "text": "x"})
    ents.delete("post", post["id"])
    assert ents.count("comment") == 0


def test_transaction_commits_and_rolls_back(world: World) -> None:
    scope = world.ents(world.a, "u1", 3).scope
    with world.db.transaction(scope, package="forum") as tx:
        tx.create("post", {"title": "kept"})
        tx.create("post", {"title": "kept too"})
    with pytest.raises(RuntimeError), world.db.transaction(scope, package="forum") as tx:
        tx.create("post", {"title": "gone"})
        raise RuntimeError("boom")
    with pytest.raises(ConflictError), world.db.transaction(scope, package="forum") as tx:
        tx.create("post", {"title": "gone", "slug": "dup"})
        tx.create("post", {"title": "gone", "slug": "dup"})
    titles = sorted(r["title"] for r in world.ents(world.a).list("post")["items"])
    assert titles == ["kept", "kept too"]


def test_mutations_write_audit_rows(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    post = ents.create("post", {"title": "x", "secret": "s"})
    ents.update("post", post["id"], {"score": 2})
    ents.create_many("post", [{"title": "a"}, {"title": "b"}])
    ents.delete("post", post["id"])
    with world.db.engine.connect() as conn:
        from sqlalchemy import select

        from dbal.tables import audit_log

        query = select(audit_log).where(audit_log.c.entity == "forum.post")
        rows = conn.execute(query.order_by(audit_log.c.id)).mappings().all()
    ops = [(r["operation"], r["entity"], r["tenant_id"], r["user_id"]) for r in rows]
    assert ops == [
        ("create", "forum.post", world.a, "u1"),
        ("update", "forum.post", world.a, "u1"),
        ("create_many", "forum.post", world.a, "u1"),
        ("delete", "forum.post", world.a, "u1"),
    ]
    assert rows[1]["changed_fields"] == ["score"]
    assert rows[2]["count"] == 2 and len(rows[2]["entity_ids"]) == 2


def test_audit_rolls_back_with_the_change(world: World) -> None:
    scope = world.ents(world.a, "u1", 3).scope
    with pytest.raises(RuntimeError), world.db.transaction(scope, package="forum") as tx:
        tx.create("post", {"title": "gone"})
        raise RuntimeError
    from sqlalchemy import func, select

    from dbal.tables import audit_log

    with world.db.engine.connect() as conn:
        query = select(func.count()).select_from(audit_log)
        assert conn.execute(query.where(audit_log.c.entity == "forum.post")).scalar_one() == 0


def test_aggregate(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    for author, score in [("x", 1), ("x", 3), ("y", 10)]:
        ents.create("post", {"title": "t", "author": author, "score": score})
    rows = ents.aggregate(
        "post",
        {"n": "count", "total": "sum:score", "mean": "avg:score", "top": "max:score"},
        group_by=["author"],
    )
    assert rows == [
        {"author": "x", "n": 2, "total": 4, "mean": 2.0, "top": 3},
        {"author": "y", "n": 1, "total": 10, "mean": 10.0, "top": 10},
    ]
    assert ents.aggregate("post", {"n": "count"}, filter={"score": {"gt": 2}}) == [{"n": 2}]
    world.system(world.a).create("post", {"title": "t", "author": None, "score": 0})
    groups = ents.aggregate("post", {"n": "count"}, group_by="author")
    assert groups == [{"author": "x", "n": 2}, {"author": "y", "n": 1}, {"author": None, "n": 1}]


@pytest.mark.parametrize(
    "metrics",
    [{"n": "count(*)"}, {"n": "sum:title"}, {"n": "sum:secret"}, {"1x": "count"}, {}, {"n": "avg"}],
)
def test_bad_aggregates_are_validation_errors(world: World, metrics: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        world.ents(world.a).aggregate("post", metrics)


def test_full_text_search(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    ents.create("post", {"title": "Temporal workflows", "body": "durable execution engine"})
    ents.create("post", {"title": "Cooking", "body": "slow bread recipes"})
    ents.create("post", {"title": "Engines", "body": "durable diesel engines"})
    found = ents.search("post", "durable engine")
    assert [r["title"] for r in found] == ["Temporal workflows"]
    assert {r["title"] for r in ents.search("post", "DURABLE")} == {"Temporal workflows", "Engines"}
    assert ents.search("post", 'bread" OR title:*') == []
    assert ents.search("post", "   ") == []
    assert [r["title"] for r in ents.search("post", "bread")] == ["Cooking"]
    cooking = ents.list("post", filter={"title": "Cooking"})["items"][0]
    ents.update("post", cooking["id"], {"body": "fresh bread"})
    assert [r["title"] for r in ents.search("post", "fresh bread")] == ["Cooking"]
    ents.delete("post", cooking["id"])
    assert ents.search("post", "fresh") == []
