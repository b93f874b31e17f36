"""Isolation: a user of tenant A can neither see nor change tenant B's rows, through any
operation; level and owner rules hold on list, read, count, update and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dbal.entities import Entities
from dbal.errors import ForbiddenError, NotFoundError
from dbal.scope import Scope
from tests.dbal.conftest import World


def snapshot(world: World, tenant: str) -> list[dict[str, Any]]:
    items = world.system(tenant).list("post", sort="id", limit=1000)["items"]
    return [{k: v for k, v in r.items()} for r in items]


def seed_two(world: World) -> tuple[World, dict[str, Any]]:
    world.system(world.a).create_many(
        "post",
        [{"title": f"a{i}", "slug": f"s{i}", "score": i, "body": "shared words"} for i in range(3)],
    )
    b_rows = world.system(world.b).create_many(
        "post",
        [
            {
                "title": f"b{i}",
                "slug": f"s{i}",
                "score": 100 + i,
                "author": "u1",
                "body": "shared words",
            }
            for i in range(3)
        ],
    )
    return world, b_rows[0]


@pytest.fixture
def two(world: World) -> tuple[World, dict[str, Any]]:
    return seed_two(world)


@pytest.fixture(scope="module")
def shared(module_world: World) -> tuple[World, dict[str, Any]]:
    """Seeded once per backend, for the tests that must leave the data unchanged anyway."""
    return seed_two(module_world)


ATTACKS: dict[str, Callable[[Entities, dict[str, Any]], Any]] = {
    "read": lambda e, b: e.read("post", b["id"]),
    "update": lambda e, b: e.update("post", b["id"], {"title": "pwned"}),
    "delete": lambda e, b: e.delete("post", b["id"]),
}


@pytest.mark.parametrize("op", list(ATTACKS))
@pytest.mark.parametrize("level", [1, 3, 4, 5])
def test_single_row_operations_do_not_cross_tenants(shared: Any, op: str, level: int) -> None:
    world, b_row = shared
    before = snapshot(world, world.b)
    with pytest.raises(NotFoundError):
        ATTACKS[op](world.ents(world.a, "u1", level), b_row)
    assert snapshot(world, world.b) == before


@pytest.mark.parametrize("level", [0, 1, 3, 5])
def test_reads_only_see_the_own_tenant(shared: Any, level: int) -> None:
    world, b_row = shared
    ents = world.ents(world.a, "u1", level)
    probes: list[dict[str, Any] | None] = [
        None,
        {"id": b_row["id"]},
        {"score": {"gte": 100}},
        {"title": {"startswith": "b"}},
        {"or": [{"id": b_row["id"]}, {"score": {"gte": 0}}]},
        {"not": {"title": "a0"}},
    ]
    for probe in probes:
        for sort in (None, "-score", "title", "-created_at"):
            page = ents.list("post", filter=probe, sort=sort, total=True, limit=1000)
            assert all(r["title"].startswith("a") for r in page["items"])
            assert page["total"] == len(page["items"]) <= 3
        assert ents.count("post", filter=probe) <= 3
    assert {r["title"] for r in ents.search("post", "shared words")} == {"a0", "a1", "a2"}
    assert ents.aggregate("post", {"n": "count", "top": "max:score"}) == [{"n": 3, "top": 2}]
    assert ents.aggregate("post", {"n": "count"}, group_by=["slug"]) == [
        {"slug": f"s{i}", "n": 1} for i in range(3)
    ]


def test_bulk_operations_do_not_cross_tenants(two: Any) -> None:
    world, _ = two
    before = snapshot(world, world.b)
    ents = world.ents(world.a, "u1", 5)
    assert ents.update_many("post", None, {"title": "x"}) == 3
    assert ents.update_many("post", {"score": {"gte": 100}}, {"title": "y"}) == 0
    assert ents.delete_many("post", {"score": {"gte": 100}}) == 0
    assert ents.delete_many("post", None) == 3
    assert snapshot(world, world.b) == before


def test_create_forces_the_scope_tenant(two: Any) -> None:
    world, _ = two
    before = snapshot(world, world.b)
    ents = world.ents(world.a, "u1", 5)
    row = ents.create("post", {"title": "sneaky", "tenant_id": world.b})
    ents.create_many("post", [{"title": "sneaky2", "tenant_id": world.b}])
    ents.upsert("post", {"slug": "s0"}, {"title": "upserted", "tenant_id": world.b})
    with world.db.transaction(ents.scope, package="forum") as tx:
        tx.create("post", {"title": "sneaky3", "tenant_id": world.b})
    assert snapshot(world, world.b) == before
    assert world.ents(world.a).read("post", row["id"])["title"] == "sneaky"


def test_cursor_values_cannot_reach_another_tenant(shared: Any) -> None:
    world, _ = shared
    ents = world.ents(world.a)
    cursor = ents.list("post", sort="-score", limit=1)["next_cursor"]
    page = ents.list("post", sort="-score", limit=100, cursor=cursor)
    assert all(r["title"].startswith("a") for r in page["items"])


# -- levels and owner rules ---------------------------------------------------------------


def test_acl_levels(world: World) -> None:
    with pytest.raises(ForbiddenError):
        world.ents(world.a, None, 0).create("post", {"title": "anon"})
    post = world.ents(world.a, "u1", 1).create("post", {"title": "mine"})
    assert world.ents(world.a, None, 0).read("post", post["id"])["title"] == "mine"  # read: 0
    with pytest.raises(ForbiddenError):
        world.ents(world.a, None, 0).update("post", post["id"], {"title": "x"})
    with pytest.raises(ForbiddenError):
        world.ents(world.a, None, 0).delete_many("post", None)


def test_owner_rules_on_update_and_delete(world: World) -> None:
    mine = world.ents(world.a, "u1", 1).create("post", {"title": "mine"})
    theirs = world.ents(world.a, "u2", 1).create("post", {"title": "theirs"})
    me = world.ents(world.a, "u1", 1)
    assert me.update("post", mine["id"], {"title": "mine!"})["title"] == "mine!"
    with pytest.raises(NotFoundError):
        me.update("post", theirs["id"], {"title": "stolen"})
    with pytest.raises(NotFoundError):
        me.delete("post", theirs["id"])
    assert me.update_many("post", None, {"score": 7}) == 1
    assert me.delete_many("post", {"title": {"startswith": "t"}}) == 0
    moderator = world.ents(world.a, "m", 2)
    assert moderator.update("post", theirs["id"], {"title": "moderated"})["title"] == "moderated"
    with pytest.raises(NotFoundError):  # delete needs admin (3) for other people's rows
        moderator.delete("post", mine["id"])
    assert world.ents(world.a, "adm", 3).delete("post", theirs["id"]) is True


def test_owner_field_cannot_be_forged_or_transferred(world: World) -> None:
    me = world.ents(world.a, "u1", 2)
    with pytest.raises(ForbiddenError):
        me.create("post", {"title": "x", "author": "u2"})
    post = me.create("post", {"title": "x"})
    with pytest.raises(ForbiddenError):
        me.update("post", post["id"], {"author": "u2"})
    admin = world.ents(world.a, "adm", 3)
    assert admin.create("post", {"title": "y", "author": "u2"})["author"] == "u2"


def test_owner_rule_on_read_covers_list_count_aggregate(world: World) -> None:
    admin = world.ents(world.a, "adm", 3)
    post = admin.create("post", {"title": "p"})
    mine = world.ents(world.a, "u1", 1).create("comment", {"post_id": post["id"], "text": "1"})
    world.ents(world.a, "u2", 1).create("comment", {"post_id": post["id"], "text": "2"})
    me = world.ents(world.a, "u1", 1)
    assert [c["text"] for c in me.list("comment")["items"]] == ["1"]
    assert me.count("comment") == 1
    assert me.aggregate("comment", {"n": "count"}) == [{"n": 1}]
    assert me.read("comment", mine["id"])["text"] == "1"
    others = [c for c in admin.list("comment")["items"] if c["author"] == "u2"]
    with pytest.raises(NotFoundError):
        me.read("comment", others[0]["id"])
    assert admin.count("comment") == 2
    with pytest.raises(ForbiddenError):
        world.ents(world.a, None, 0).list("comment")


def test_sensitive_fields_are_never_returned_nor_probed(world: World) -> None:
    ents = world.ents(world.a, "u1", 3)
    row = ents.create("post", {"title": "t", "body": "b", "secret": "hunter2"})
    outputs = [
        row,
        ents.read("post", row["id"]),
        ents.update("post", row["id"], {"secret": "new"}),
        *ents.list("post")["items"],
        *ents.search("post", "b"),
        ents.upsert("post", {"id": row["id"]}, {"score": 1}),
    ]
    for out in outputs:
        assert "secret" not in out


def test_system_only_entities(world: World) -> None:
    secret = {"type": "object", "x-entity": "cred", "properties": {"hash": {"type": "string"}},
              "x-acl": {"create": 6, "read": 6, "update": 6, "delete": 6}}  # fmt: skip
    world.db.schema.apply_entities("vault", [secret])
    row = world.db.entities(Scope.system(world.a)).create("vault.cred", {"hash": "h"})
    supergod = world.db.entities(Scope.for_user(world.a, "root", 5))
    for attempt in (
        lambda: supergod.read("vault.cred", row["id"]),
        lambda: supergod.list("vault.cred"),
        lambda: supergod.count("vault.cred"),
        lambda: supergod.create("vault.cred", {"hash": "x"}),
        lambda: supergod.delete("vault.cred", row["id"]),
    ):
        with pytest.raises(ForbiddenError):
            attempt()


def test_cross_tenant_scopes_need_god(world: World) -> None:
    with pytest.raises(ForbiddenError):
        Scope.for_user(world.a, "adm", 3).in_tenant(world.b)
    god = Scope.for_user(world.a, "g", 4).in_tenant(world.b)
    assert god.tenant_id == world.b
    created = world.db.entities(god, package="forum").create("post", {"title": "by god"})
    assert world.ents(world.b).read("post", created["id"])["title"] == "by god"
    with pytest.raises(NotFoundError):
        world.ents(world.a).read("post", created["id"])


def test_bulk_size_is_limited(world: World) -> None:
    from dbal.entities import MAX_BATCH
    from dbal.errors import ValidationError

    with pytest.raises(ValidationError):
        world.ents(world.a).create_many("post", [{"title": "x"}] * (MAX_BATCH + 1))
