"""Every method of the entity REST API on one row: create, read, replace, change, delete,
with Location, ETags, If-Match (412), If-None-Match (304), field errors and change events."""

from __future__ import annotations

from typing import Any

from engine.events import EntityChange
from tests.api.conftest import FORUM, Api


async def test_create_answers_201_with_location_and_etag(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    r = await admin.post(
        f"{FORUM}/thread", json={"title": "New", "category_id": seeded["category"]["id"]}
    )
    assert r.status_code == 201
    row = r.json()
    assert r.headers["location"] == f"{FORUM}/thread/{row['id']}"
    assert r.headers["etag"].startswith('W/"')
    assert row["title"] == "New" and row["pinned"] is False and row["views"] == 0
    assert row["author"] == api.users["admin"]  # the owner field defaults to the caller
    got = await admin.get(r.headers["location"])
    assert got.status_code == 200 and got.json() == row
    assert got.headers["etag"] == r.headers["etag"]


async def test_read_one_supports_fields_include_and_if_none_match(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    post = seeded["posts"][0]
    r = await user.get(f"{FORUM}/post/{post['id']}", params={"fields": "body"})
    assert r.json() == {"id": post["id"], "body": "first post"}
    assert r.headers["etag"] == (await user.get(f"{FORUM}/post/{post['id']}")).headers["etag"]
    r = await user.get(f"{FORUM}/post/{post['id']}", params={"include": "thread_id"})
    assert r.json()["_included"]["thread_id"]["title"] == "Hello world"
    again = await user.get(
        f"{FORUM}/post/{post['id']}", headers={"if-none-match": r.headers["etag"]}
    )
    assert again.status_code == 304


async def test_sensitive_fields_are_written_but_never_returned(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    r = await user.post(
        f"{FORUM}/post",
        json={"thread_id": seeded["threads"][0]["id"], "body": "x", "ip": "10.0.0.1"},
    )
    assert r.status_code == 201 and "ip" not in r.json()
    assert "ip" not in (await user.get(r.headers["location"])).json()
    bad = await user.get(f"{FORUM}/post", params={"filter[ip]": "10.0.0.1"})
    assert bad.status_code == 422


async def test_patch_changes_only_the_given_fields(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][1]
    before = await admin.get(f"{FORUM}/thread/{thread['id']}")
    r = await admin.patch(f"{FORUM}/thread/{thread['id']}", json={"pinned": True})
    assert r.status_code == 200
    assert r.json()["pinned"] is True and r.json()["title"] == thread["title"]
    assert r.headers["etag"] != before.headers["etag"]  # a new version
    after = await admin.get(f"{FORUM}/thread/{thread['id']}", params={"fields": "title"})
    assert r.headers["etag"] == after.headers["etag"]  # field selection keeps the version


async def test_put_replaces_the_row_and_clears_what_it_leaves_out(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    post = seeded["posts"][1]
    assert post["score"] == 1.0
    sent = {**post, "body": "replaced"}
    del sent["score"]
    r = await user.put(f"{FORUM}/post/{post['id']}", json=sent)
    assert r.status_code == 200, r.text
    row = r.json()
    assert row["body"] == "replaced" and row["score"] is None
    assert row["author"] == api.users["user"] and row["created_at"] == post["created_at"]
    missing = await user.put(f"{FORUM}/post/{post['id']}", json={"body": "no thread"})
    assert missing.status_code == 422
    assert {"field": "thread_id", "error": "is required"} in missing.json()["details"]["fields"]


async def test_delete_answers_204_then_404(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    url = f"{FORUM}/post/{seeded['posts'][2]['id']}"
    assert (await user.delete(url)).status_code == 204
    gone = await user.get(url)
    assert gone.status_code == 404 and gone.json()["error"] == "NOT_FOUND"
    assert (await user.delete(url)).status_code == 404


async def test_if_match_guards_patch_put_and_delete(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    url = f"{FORUM}/post/{seeded['posts'][0]['id']}"
    first = await user.get(url)
    old_tag = first.headers["etag"]
    changed = await user.patch(url, json={"body": "edited"}, headers={"if-match": old_tag})
    assert changed.status_code == 200
    for method, body in (("PATCH", {"body": "lost update"}), ("PUT", first.json())):
        stale = await user.request(method, url, json=body, headers={"if-match": old_tag})
        assert stale.status_code == 412, stale.text
        assert stale.json()["error"] == "PRECONDITION_FAILED"
    for junk in ('"nonsense"', 'W/"zz"', "garbage"):
        assert (
            await user.patch(url, json={"body": "x"}, headers={"if-match": junk})
        ).status_code == 412
    assert (await user.delete(url, headers={"if-match": old_tag})).status_code == 412
    assert (await user.get(url)).json()["body"] == "edited"
    fresh = changed.headers["etag"]
    assert (await user.delete(url, headers={"if-match": fresh})).status_code == 204
    assert (
        await user.patch(url, json={"body": "x"}, headers={"if-match": fresh})
    ).status_code == 404


async def test_validation_errors_are_422_with_field_details(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    r = await user.post(
        f"{FORUM}/post",
        json={"thread_id": seeded["threads"][0]["id"], "body": "", "status": "weird", "nope": 1},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "VALIDATION_ERROR"
    fields = {f["field"] for f in body["details"]["fields"]}
    assert fields == {"body", "status", "nope"}
    dangling = await user.post(f"{FORUM}/post", json={"thread_id": "no-such-thread", "body": "x"})
    assert dangling.status_code == 422
    underscore = await user.post(
        f"{FORUM}/post", json={"id": "_bulk", "thread_id": seeded["threads"][0]["id"], "body": "x"}
    )
    assert underscore.status_code == 422


async def test_every_committed_write_reaches_the_listeners_even_if_one_fails(api: Api) -> None:
    seen: list[EntityChange] = []

    async def broken(change: EntityChange) -> None:
        raise RuntimeError("listener bug")

    async def record(change: EntityChange) -> None:
        seen.append(change)

    api.services.entity_listeners.extend([broken, record])
    seeded = await api.seed()
    user = await api.client("user")
    url = f"{FORUM}/post/{seeded['posts'][0]['id']}"
    assert (await user.patch(url, json={"body": "b"})).status_code == 200
    assert (await user.delete(url)).status_code == 204
    ops: list[tuple[str, str, Any]] = [(c.entity, c.op, c.record.get("body")) for c in seen]
    assert ops[:3] == [
        ("category", "create", None),
        ("thread", "create", None),
        ("thread", "create", None),
    ]
    assert ops[-2:] == [("post", "update", "b"), ("post", "delete", "b")]
    assert all(c.tenant_slug == "acme" and c.package_id == "forum" for c in seen)
    assert seen[-1].user_id == api.users["user"] and seen[-1].user_level == 1


HOSTILE_BODIES: list[tuple[bytes, int]] = [
    (b"", 400),
    (b"{not json", 400),
    (b'"a string"', 422),
    (b"[1, 2, 3]", 422),
    (b'{"body": "\\ud800 lone surrogate"}', 400),
    (b'{"body": "x", "score": 123456789012345678901234567890}', 422),
    (b'{"body": "x", "score": "NaN"}', 422),
    (b'{"body": "x", "meta": ' + b'{"a": ' * 40 + b"1" + b"}" * 40 + b"}", 422),
    (b'{"body": "x", "tenant_id": "someone-else", "created_at": "2000-01-01T00:00:00Z"}', 422),
    (b'{"body": "' + b"x" * 20_000 + b'"}', 422),
    (b'{"body": "' + b"x" * (5 * 1024 * 1024) + b'"}', 413),
]


async def test_hostile_bodies_are_refused_cleanly(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    thread = seeded["threads"][0]["id"]
    for raw, status in HOSTILE_BODIES:
        body = raw.replace(b'{"body"', b'{"thread_id": "' + thread.encode() + b'", "body"', 1)
        r = await user.post(
            f"{FORUM}/post", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == status, (raw[:80], r.text[:300])
        assert set(r.json()) <= {"error", "message", "details"}, raw[:80]
    rows = (await user.get(f"{FORUM}/post")).json()["items"]
    assert len(rows) == 3  # nothing was written
