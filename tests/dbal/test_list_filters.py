"""Conformance: every filter operator, sorting, keyset and offset pagination, totals."""

from __future__ import annotations

from typing import Any

import pytest

from dbal.errors import ValidationError
from tests.dbal.conftest import World

ROWS: list[dict[str, Any]] = [
    {
        "title": "alpha",
        "score": 1,
        "rating": 0.5,
        "published": True,
        "author": "ann",
        "status": "live",
        "due": "2030-01-01T00:00:00Z",
    },
    {
        "title": "beta",
        "score": 2,
        "rating": None,
        "published": False,
        "author": "bob",
        "status": "draft",
    },
    {
        "title": "gamma",
        "score": 3,
        "rating": 2.5,
        "published": True,
        "author": None,
        "status": "live",
        "due": "2031-06-01T12:00:00+02:00",
    },
    {
        "title": "Alphabet",
        "score": 4,
        "rating": 1.0,
        "published": False,
        "author": "ann",
        "status": "archived",
    },
    {
        "title": "delta",
        "score": 5,
        "rating": None,
        "published": True,
        "author": "cy",
        "status": "draft",
    },
]


@pytest.fixture(scope="module")
def seeded(module_world: World) -> World:
    """Seeded once per backend: the tests of this module only read."""
    world = module_world
    world.system(world.a).create_many("post", ROWS)
    # noise in the other tenant that every filter must ignore
    world.system(world.b).create_many("post", ROWS)
    return world


@pytest.mark.parametrize(
    ("filter", "titles"),
    [
        ({"title": "beta"}, {"beta"}),
        ({"title": {"eq": "beta"}}, {"beta"}),
        ({"author": {"ne": "ann"}}, {"beta", "gamma", "delta"}),
        ({"score": {"lt": 3}}, {"alpha", "beta"}),
        ({"score": {"lte": 3}}, {"alpha", "beta", "gamma"}),
        ({"score": {"gt": 3}}, {"Alphabet", "delta"}),
        ({"score": {"gte": 3, "lt": 5}}, {"gamma", "Alphabet"}),
        ({"rating": {"gt": 0.9}}, {"gamma", "Alphabet"}),
        ({"status": {"in": ["live", "archived"]}}, {"alpha", "gamma", "Alphabet"}),
        ({"status": {"in": []}}, set()),
        ({"title": {"contains": "lph"}}, {"alpha", "Alphabet"}),
        ({"title": {"contains": "LPH"}}, set()),
        ({"title": {"startswith": "Al"}}, {"Alphabet"}),
        ({"title": {"contains": "%"}}, set()),
        ({"title": {"startswith": "_"}}, set()),
        ({"rating": {"is_null": True}}, {"beta", "delta"}),
        ({"rating": {"is_null": False}}, {"alpha", "gamma", "Alphabet"}),
        ({"published": True}, {"alpha", "gamma", "delta"}),
        ({"due": {"gt": "2030-06-01T00:00:00Z"}}, {"gamma"}),
        ({"or": [{"score": 1}, {"author": "cy"}]}, {"alpha", "delta"}),
        ({"and": [{"published": True}, {"score": {"gt": 1}}]}, {"gamma", "delta"}),
        ({"not": {"published": True}}, {"beta", "Alphabet"}),
        ({}, {"alpha", "beta", "gamma", "Alphabet", "delta"}),
        (None, {"alpha", "beta", "gamma", "Alphabet", "delta"}),
    ],
)
def test_filter_operators(seeded: World, filter: Any, titles: set[str]) -> None:
    ents = seeded.ents(seeded.a)
    page = ents.list("post", filter=filter, total=True, limit=100)
    assert {r["title"] for r in page["items"]} == titles
    assert page["total"] == len(titles)
    assert ents.count("post", filter=filter) == len(titles)


@pytest.mark.parametrize(
    ("sort", "titles"),
    [
        ("score", ["alpha", "beta", "gamma", "Alphabet", "delta"]),
        ("-score", ["delta", "Alphabet", "gamma", "beta", "alpha"]),
        (["-published", "score"], ["alpha", "gamma", "delta", "beta", "Alphabet"]),
        ([{"field": "rating", "dir": "desc"}], ["gamma", "Alphabet", "alpha", "beta", "delta"]),
        ("rating", ["alpha", "Alphabet", "gamma", "beta", "delta"]),  # NULLS LAST both ways
        ("author,-score", ["Alphabet", "alpha", "beta", "delta", "gamma"]),
    ],
)
def test_sorting(seeded: World, sort: Any, titles: list[str]) -> None:
    items = seeded.ents(seeded.a).list("post", sort=sort)["items"]
    assert [r["title"] for r in items] == titles


@pytest.mark.parametrize(
    "sort", [None, "score", "-score", "rating", "-rating", "author,-score", "-due"]
)
@pytest.mark.parametrize("size", [1, 2, 3])
def test_keyset_pages_cover_every_row_once(seeded: World, sort: Any, size: int) -> None:
    ents = seeded.ents(seeded.a)
    expected = [r["id"] for r in ents.list("post", sort=sort)["items"]]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = ents.list("post", sort=sort, limit=size, cursor=cursor)
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_offset_pagination(seeded: World) -> None:
    ents = seeded.ents(seeded.a)
    page = ents.list("post", sort="score", offset=2, limit=2, total=True)
    assert [r["title"] for r in page["items"]] == ["gamma", "Alphabet"]
    assert page["total"] == 5 and page["next_cursor"] is not None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sort": "secret"},
        {"sort": "tags"},
        {"sort": "nope"},
        {"sort": "score; DROP TABLE x"},
        {"sort": ["a", "b", "c", "d", "e"]},
        {"sort": "score,score"},
        {"sort": 5},
        {"sort": [{"field": "score", "dir": "sideways"}]},
        {"limit": 0},
        {"limit": 100000},
        {"limit": "10"},
        {"offset": -1},
        {"offset": 1, "cursor": "abc"},
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJzIjoiYWJjIiwidiI6WzFdfQ"},
        {"filter": {"secret": "s"}},
        {"filter": {"tags": "x"}},
        {"filter": {"title": {"like": "%"}}},
        {"filter": {"title": {"eq": None}}},
        {"filter": {"score": {"gt": "1"}}},
        {"filter": {"score": {"gt": True}}},
        {"filter": {"score": {"in": "1,2"}}},
        {"filter": {"published": {"lt": True}}},
        {"filter": {"score": {"contains": "1"}}},
        {"filter": {"due": {"gt": "yesterday"}}},
        {"filter": {"or": []}},
        {"filter": {"or": {"a": 1}}},
        {"filter": {"score": {}}},
        {"filter": ["score"]},
        {"filter": {"title; --": 1}},
        {"filter": {"score": {"gt": 2**70}}},
        {"filter": {"rating": {"gt": float("nan")}}},
    ],
)
def test_bad_list_arguments_are_validation_errors(seeded: World, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        seeded.ents(seeded.a).list("post", **kwargs)


def test_cursor_from_another_sort_is_rejected(seeded: World) -> None:
    ents = seeded.ents(seeded.a)
    cursor = ents.list("post", sort="score", limit=1)["next_cursor"]
    with pytest.raises(ValidationError):
        ents.list("post", sort="-score", cursor=cursor)
