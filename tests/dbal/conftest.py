from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from dbal.database import Database
from dbal.entities import Entities
from dbal.scope import Scope
from tests.fixtures.databases import (  # noqa: F401
    BACKENDS,
    database,
    database_url,
    fresh_database_url,
)

POST: dict[str, Any] = {
    "type": "object",
    "x-entity": "post",
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "body": {"type": ["string", "null"]},
        "score": {"type": "integer", "minimum": -1000000, "default": 0},
        "rating": {"type": ["number", "null"]},
        "published": {"type": "boolean", "default": False},
        "author": {"type": ["string", "null"]},
        "status": {"enum": ["draft", "live", "archived"], "default": "draft"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 10},
        "secret": {"type": "string", "x-sensitive": True},
        "due": {"type": ["string", "null"], "format": "date-time"},
        "slug": {"type": ["string", "null"], "pattern": "^[a-z0-9-]+$"},
    },
    "required": ["title"],
    "x-indexes": [["score"], {"fields": ["author", "score"], "name": "by_author"}],
    "x-unique": [["slug"]],
    "x-search": ["title", "body"],
    "x-owner": "author",
    "x-acl": {
        "create": 1,
        "read": 0,
        "update": {"level": 2, "owner": 1},
        "delete": {"level": 3, "owner": 1},
    },
}

COMMENT: dict[str, Any] = {
    "type": "object",
    "x-entity": "comment",
    "properties": {
        "post_id": {"type": "string"},
        "text": {"type": "string"},
        "author": {"type": ["string", "null"]},
    },
    "required": ["post_id", "text"],
    "x-foreign-keys": [{"field": "post_id", "entity": "post", "on_delete": "cascade"}],
    "x-owner": "author",
    "x-acl": {"read": {"level": 3, "owner": 1}},
}


@dataclass
class World:
    db: Database
    a: str  # tenant ids
    b: str

    def ents(self, tenant: str, user: str | None = "u1", level: int = 1) -> Entities:
        return self.db.entities(Scope.for_user(tenant, user, level), package="forum")

    def system(self, tenant: str | None = None) -> Entities:
        return self.db.entities(Scope.system(tenant), package="forum")


@pytest.fixture
def world(database: Database) -> Iterator[World]:  # noqa: F811
    yield make_world(database)


def make_world(db: Database) -> World:
    db.schema.apply_entities("forum", [POST, COMMENT])
    a = db.tenants.create(Scope.system(), "alpha", "Alpha")["id"]
    b = db.tenants.create(Scope.system(), "beta", "Beta")["id"]
    return World(db, a, b)


@pytest.fixture(scope="module", params=BACKENDS)
def module_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world per module and backend, for tests that only read what a module seeds."""
    directory = tmp_path_factory.mktemp("world")
    with fresh_database_url(request.param, request.config, directory) as url:
        db = Database.connect(url)
        try:
            db.upgrade()
            yield make_world(db)
        finally:
            db.close()
