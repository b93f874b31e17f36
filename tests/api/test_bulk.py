"""Bulk create, update and delete on `.../{entity}/_bulk`: one transaction each, all or nothing."""

from __future__ import annotations

from tests.api.conftest import FORUM, Api

BULK = f"{FORUM}/post/_bulk"


async def test_bulk_create_update_and_delete_by_items_and_ids(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][1]["id"]
    created = await admin.post(
        BULK, json={"items": [{"thread_id": thread, "body": f"b{i}", "score": i} for i in range(5)]}
    )
    assert created.status_code == 201, created.text
    rows = created.json()["items"]
    assert [r["body"] for r in rows] == [f"b{i}" for i in range(5)]
    ids = [r["id"] for r in rows]
    changed = await admin.patch(
        BULK, json={"items": [{"id": ids[0], "score": 100}, {"id": ids[1], "status": "hidden"}]}
    )
    assert changed.status_code == 200, changed.text
    assert [(r["score"], r["status"]) for r in changed.json()["items"]] == [
        (100.0, "draft"),
        (1.0, "hidden"),
    ]
    deleted = await admin.request("DELETE", BULK, json={"ids": ids[:2]})
    assert (
        deleted.json() == {"deleted": 2, "ids": sorted(ids[:2])} or deleted.json()["deleted"] == 2
    )
    left = await admin.get(f"{FORUM}/post", params={"filter[thread_id]": thread})
    assert sorted(r["body"] for r in left.json()["items"]) == ["b2", "b3", "b4"]


async def test_bulk_update_and_delete_by_filter(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][0]["id"]
    r = await admin.patch(
        BULK,
        json={
            "filter": {"thread_id": thread, "score": {"gte": 1}},
            "data": {"status": "published"},
        },
    )
    assert r.status_code == 200, r.text
    assert sorted(x["body"] for x in r.json()["items"]) == ["second post here", "third"]
    assert all(x["status"] == "published" for x in r.json()["items"])
    gone = await admin.request("DELETE", BULK, json={"filter": {"status": "published"}})
    assert gone.json()["deleted"] == 2
    left = await admin.get(f"{FORUM}/post")
    assert [x["body"] for x in left.json()["items"]] == ["first post"]


async def test_a_bad_item_rolls_the_whole_bulk_back(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][1]["id"]
    bad = await admin.post(
        BULK,
        json={"items": [{"thread_id": thread, "body": "ok"}, {"thread_id": thread, "body": 5}]},
    )
    assert bad.status_code == 422
    assert bad.json()["details"]["fields"] == [{"field": "1.body", "error": "must be a string"}]
    ids = [p["id"] for p in seeded["posts"]]
    half = await admin.patch(
        BULK, json={"items": [{"id": ids[0], "body": "x"}, {"id": "missing", "body": "y"}]}
    )
    assert half.status_code == 404
    missing = await admin.request("DELETE", BULK, json={"ids": [ids[0], "missing"]})
    assert missing.status_code == 404 and missing.json()["details"] == {"ids": ["missing"]}
    after = await admin.get(f"{FORUM}/post", params={"sort": "score"})
    assert [x["body"] for x in after.json()["items"]] == ["first post", "second post here", "third"]


async def test_bulk_refuses_shapes_it_does_not_know(api: Api) -> None:
    await api.seed()
    admin = await api.client("admin")
    for method, body in (
        ("POST", {"items": []}),
        ("POST", {"items": [{}] * 1001}),
        ("POST", {"items": [], "extra": 1}),
        ("POST", [1, 2]),
        ("PATCH", {"filter": {}, "data": {"body": "x"}}),
        ("PATCH", {"filter": {"score": {"gte": 0}}, "data": "x"}),
        ("PATCH", {"items": [{"body": "no id"}]}),
        ("DELETE", {"filter": {}}),
        ("DELETE", {"ids": [1, 2]}),
        ("DELETE", {"everything": True}),
    ):
        r = await admin.request(method, BULK, json=body)
        assert r.status_code == 422, (method, body, r.text)
    assert (await admin.post(BULK, content=b"{nope")).status_code == 400
