"""The optional row cache: read-through, evicted on every write path, never a correctness
dependency (owner rules still apply to cached rows; Redis outages are cache misses)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from dbal.cache import MemoryCache, RedisCache
from dbal.database import Database
from dbal.errors import NotFoundError
from dbal.scope import Scope
from tests.dbal.conftest import World, make_world

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cached(request: pytest.FixtureRequest, database_url: str) -> Iterator[World]:
    db = Database.connect(database_url, redis_url=REDIS_URL, cache=request.param)
    try:
        db.upgrade()
        yield make_world(db)
    finally:
        db.close()


def test_reads_are_cached_and_writes_evict(cached: World) -> None:
    ents = cached.ents(cached.a, "u1", 3)
    post = ents.create("post", {"title": "v1"})
    assert ents.read("post", post["id"])["title"] == "v1"  # now cached
    assert cached.db.cache is not None
    key = f"e_forum__post:{cached.a}:{post['id']}"
    assert cached.db.cache.get(key) is not None
    ents.update("post", post["id"], {"title": "v2"})
    assert ents.read("post", post["id"])["title"] == "v2"
    ents.update_many("post", {"title": "v2"}, {"title": "v3"})
    assert ents.read("post", post["id"])["title"] == "v3"
    with cached.db.transaction(ents.scope, package="forum") as tx:
        tx.update("post", post["id"], {"title": "v4"})
    assert ents.read("post", post["id"])["title"] == "v4"
    ents.delete_many("post", {"title": "v4"})
    with pytest.raises(NotFoundError):
        ents.read("post", post["id"])


def test_owner_rules_apply_to_cached_rows(cached: World) -> None:
    admin = cached.ents(cached.a, "adm", 3)
    post = admin.create("post", {"title": "p"})
    comment = cached.ents(cached.a, "u2", 1).create("comment", {"post_id": post["id"], "text": "t"})
    assert admin.read("comment", comment["id"])["text"] == "t"  # cached by an admin read
    with pytest.raises(NotFoundError):
        cached.ents(cached.a, "u1", 1).read("comment", comment["id"])
    with pytest.raises(NotFoundError):  # and never across tenants
        cached.ents(cached.b, "adm", 5).read("comment", comment["id"])


@pytest.mark.redis
def test_a_shared_redis_cache_sees_writes_of_other_processes(database_url: str) -> None:
    one = Database.connect(database_url, redis_url=REDIS_URL)
    two = Database.connect(database_url, redis_url=REDIS_URL)
    try:
        one.upgrade()
        world = make_world(one)
        scope = Scope.for_user(world.a, "u1", 3)
        post = one.entities(scope, package="forum").create("post", {"title": "old"})
        assert one.entities(scope, package="forum").read("post", post["id"])["title"] == "old"
        two.entities(scope, package="forum").update("post", post["id"], {"title": "new"})
        assert one.entities(scope, package="forum").read("post", post["id"])["title"] == "new"
    finally:
        one.close()
        two.close()


def test_an_unreachable_redis_is_a_cache_miss(database_url: str) -> None:
    db = Database.connect(database_url, redis_url="redis://127.0.0.1:1/0")
    try:
        db.upgrade()
        world = make_world(db)
        ents = world.ents(world.a, "u1", 3)
        post = ents.create("post", {"title": "x"})
        assert ents.read("post", post["id"])["title"] == "x"
        ents.update("post", post["id"], {"title": "y"})
        assert ents.read("post", post["id"])["title"] == "y"
    finally:
        db.close()


def test_memory_cache_expires_and_bounds_its_size() -> None:
    cache = MemoryCache(ttl_s=0.0, max_entries=2)
    cache.set("a", {"x": 1})
    assert cache.get("a") is None
    cache = MemoryCache(ttl_s=60, max_entries=2)
    for key in "abc":
        cache.set(key, {"k": key})
    assert cache.get("a") is None and cache.get("c") == {"k": "c"}


@pytest.mark.redis
def test_redis_cache_round_trips_datetimes() -> None:
    from datetime import UTC, datetime

    prefix = f"mb:test:{uuid.uuid4().hex}:"
    cache = RedisCache(REDIS_URL, prefix=prefix)
    row = {"id": "1", "at": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), "n": None}
    cache.set("k", row)
    assert cache.get("k") == row
    cache.delete(["k"])
    assert cache.get("k") is None
    cache.close()
    redis.Redis.from_url(REDIS_URL).close()


def test_transactions_see_their_own_writes_not_the_cache(cached: World) -> None:
    ents = cached.ents(cached.a, "u1", 3)
    post = ents.create("post", {"title": "v1", "tags": ["a"]})
    ents.read("post", post["id"])  # cached
    with cached.db.transaction(ents.scope, package="forum") as tx:
        tx.update("post", post["id"], {"title": "v2"})
        assert tx.read("post", post["id"])["title"] == "v2"
    assert ents.read("post", post["id"])["title"] == "v2"


def test_returned_rows_do_not_alias_the_cache(cached: World) -> None:
    ents = cached.ents(cached.a, "u1", 3)
    post = ents.create("post", {"title": "t", "tags": ["a"]})
    ents.read("post", post["id"])["tags"].append("mutated")
    ents.read("post", post["id"])["tags"].append("mutated")
    assert ents.read("post", post["id"])["tags"] == ["a"]
