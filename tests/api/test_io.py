"""Import and export: 10,000 rows round-trip exactly through NDJSON and CSV (nulls and empty
strings kept apart: `""` is the empty string, an empty unquoted cell null), a CSV with three
bad rows is reported row by row in a dry run, and the all-or-nothing and skip modes."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pytest

from dbal.csv_codec import decode_records, encode_record
from tests.api.conftest import FORUM, Api

N = 10_000
FIELDS = ("id", "thread_id", "body", "subtitle", "author", "score", "status", "published_at",
          "meta")  # fmt: skip
SUBTITLES = (None, "", '""', " ", "'", "a,b", 'say "x"', "line\nbreak", "plain")


def stamp(i: int) -> str:
    return f"2026-02-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.{i % 1000:03d}000+00:00"


def tricky(i: int, thread: str, author: str) -> dict[str, Any]:
    """Rows that stress the formats: quotes, commas, newlines, formulas, unicode, nulls and
    empty strings (every 9th row of each kind of subtitle)."""
    bodies = ['say "hi", then\nleave', "=SUM(A1:A9)", "'quoted", "-3", "ünïcødé ✓", "plain"]
    return {
        "thread_id": thread,
        "body": f"{bodies[i % len(bodies)]} {i}" if i % 7 else bodies[i % len(bodies)],
        "subtitle": SUBTITLES[i % len(SUBTITLES)],
        "author": author,
        **({"score": i * 0.37} if i % 3 else {}),
        "status": ("draft", "published", "hidden")[i % 3],
        "published_at": stamp(i) if i % 5 else None,
        "meta": {"n": i, "tags": ["a", "b"][: i % 3]} if i % 4 else None,
    }


def comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: r.get(k) for k in FIELDS} for r in rows), key=lambda r: r["id"])


async def every_row(client: Any, url: str) -> list[dict[str, Any]]:
    r = await client.get(f"{url}/_export", params={"format": "ndjson"})
    assert r.status_code == 200, r.text
    return [orjson.loads(line) for line in r.content.splitlines()]


@pytest.mark.slow
async def test_ten_thousand_rows_round_trip_exactly(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][1]["id"]
    url = f"{FORUM}/post"
    body = b"".join(orjson.dumps(tricky(i, thread, api.users["admin"])) + b"\n" for i in range(N))
    loaded = await admin.post(f"{url}/_import", params={"format": "ndjson"}, content=body)
    assert loaded.status_code == 200, loaded.text[:500]
    assert loaded.json()["created"] == N
    before = await every_row(admin, url)
    assert len(before) == N + 3
    exports = {}
    for fmt, media in (("csv", "text/csv"), ("ndjson", "application/x-ndjson")):
        exported = await admin.get(f"{url}/_export", params={"format": fmt})
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith(media)
        exports[fmt] = exported.content
    ids = [r["id"] for r in before]
    assert sum(r["subtitle"] is None for r in before) > 1000  # both kinds are there
    assert sum(r["subtitle"] == "" for r in before) > 1000
    for fmt, content in exports.items():
        for start in range(0, len(ids), 1000):  # bulk deletes take at most 1000 rows a request
            gone = await admin.request(
                "DELETE", f"{url}/_bulk", json={"ids": ids[start : start + 1000]}
            )
            assert gone.status_code == 200, gone.text
        assert await every_row(admin, url) == []
        back = await admin.post(f"{url}/_import", params={"format": fmt}, content=content)
        assert back.status_code == 200, back.text[:500]
        assert back.json()["created"] == N + 3 and back.json()["errors"] == []
        assert comparable(await every_row(admin, url)) == comparable(before), fmt


BAD_CSV = """\
thread_id,body,score,status,published_at
{t},fine one,1.5,draft,2026-01-01T00:00:00Z
{t},,2,draft,
{t},bad score,lots,draft,
{t},fine two,3,published,
{t},bad status,4,exploded,
{t},"quoted, with comma",5,hidden,2026-01-02T00:00:00Z
{t},fine three,6,draft,not-a-date
"""


async def test_a_csv_with_three_bad_rows_reports_exactly_those_in_a_dry_run(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    url = f"{FORUM}/post/_import"
    text = BAD_CSV.format(t=seeded["threads"][0]["id"]).replace(
        "fine three,6,draft,not-a-date", "fine three,6,draft,"
    )
    data = text.encode()
    dry = await admin.post(
        url, params={"dry_run": "true"}, content=data, headers={"content-type": "text/csv"}
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert [(e["row"], e["field"]) for e in report["errors"]] == [
        (2, "body"),
        (3, "score"),
        (5, "status"),
    ]
    assert (report["total"], report["valid"], report["created"], report["dry_run"]) == (
        7,
        4,
        0,
        True,
    )
    assert len((await admin.get(f"{FORUM}/post")).json()["items"]) == 3

    strict = await admin.post(url, content=data, headers={"content-type": "text/csv"})
    assert strict.status_code == 422 and strict.json()["details"]["created"] == 0
    assert len((await admin.get(f"{FORUM}/post")).json()["items"]) == 3

    skip = await admin.post(
        url, params={"mode": "skip"}, content=data, headers={"content-type": "text/csv"}
    )
    assert skip.status_code == 200 and skip.json()["created"] == 4
    bodies = {
        p["body"]
        for p in (await admin.get(f"{FORUM}/post", params={"limit": "50"})).json()["items"]
    }
    assert {"fine one", "fine two", "quoted, with comma", "fine three"} <= bodies


async def test_json_import_export_and_database_refusals(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    url = f"{FORUM}/category"
    rows = [{"name": f"C{i}", "slug": f"c-{i}"} for i in range(3)]
    r = await admin.post(f"{url}/_import", params={"format": "json"}, content=orjson.dumps(rows))
    assert r.status_code == 200 and r.json()["created"] == 3
    exported = await admin.get(
        f"{url}/_export", params={"format": "json", "sort": "slug", "fields": "slug"}
    )
    assert [x["slug"] for x in exported.json()] == ["c-0", "c-1", "c-2", "general"]
    assert set(exported.json()[0]) == {"id", "slug"}
    clash = [{"name": "New", "slug": "c-new"}, rows[1], {"name": "Other", "slug": "c-other"}]
    dup = await admin.post(f"{url}/_import", params={"format": "json"}, content=orjson.dumps(clash))
    assert dup.status_code == 422
    assert [(e["row"], e["field"]) for e in dup.json()["details"]["errors"]] == [(2, None)]
    assert "already exists" in dup.json()["details"]["errors"][0]["error"]
    skip = await admin.post(f"{url}/_import?format=json&mode=skip", content=orjson.dumps(clash))
    assert (skip.status_code, skip.json()["created"], skip.json()["valid"]) == (200, 2, 2)
    good = orjson.dumps({"title": "ok", "category_id": seeded["category"]["id"]})
    dangling = await admin.post(
        f"{FORUM}/thread/_import", params={"format": "ndjson", "dry_run": "true"},
        content=good + b'\n{"title": "x", "category_id": "gone"}\n',
    )  # fmt: skip
    assert dangling.status_code == 200
    assert [e["row"] for e in dangling.json()["errors"]] == [2]
    assert dangling.json()["valid"] == 1
    assert seeded["category"]["slug"] == "general"


async def test_csv_export_defuses_formulas_and_import_restores_them(api: Api) -> None:
    seeded = await api.seed()
    user = await api.client("user")
    thread = seeded["threads"][0]["id"]
    for body in ("=cmd|' /C calc'!A0", "@SUM(1)", "'already"):
        assert (
            await user.post(f"{FORUM}/post", json={"thread_id": thread, "body": body})
        ).status_code == 201
    exported = await user.get(f"{FORUM}/post/_export", headers={"accept": "text/csv"})
    cells = [row[FIELD] for row in csv.DictReader(io.StringIO(exported.text)) for FIELD in ["body"]]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells and "''already" in cells
    assert all(not c.startswith(("=", "@", "+")) for c in cells)


async def test_import_and_export_keep_levels_and_refuse_bad_requests(api: Api) -> None:
    await api.seed()
    public = await api.client("public")
    anonymous = await api.client("anonymous")
    assert (await anonymous.get(f"{FORUM}/post/_export")).status_code == 403
    r = await public.post(
        f"{FORUM}/post/_import?format=ndjson&dry_run=true", content=b'{"body": "x"}\n'
    )
    assert r.status_code == 403
    admin = await api.client("admin")
    for params, content in (
        ({"format": "xml"}, b""),
        ({"mode": "sometimes"}, b""),
        ({"dry_run": "maybe"}, b""),
        ({"unknown": "1"}, b""),
    ):
        assert (
            await admin.post(f"{FORUM}/post/_import", params=params, content=content)
        ).status_code == 422
    assert (
        await admin.post(f"{FORUM}/post/_import?format=csv", content=b"\xff\xfe\x00bad")
    ).status_code == 422
    assert (await admin.get(f"{FORUM}/post/_export", params={"cursor": "x"})).status_code == 422
    notes = await admin.post(
        f"{FORUM}/post/_import?format=ndjson&dry_run=true", content=b"[1]\nnot json\n"
    )
    assert [e["row"] for e in notes.json()["errors"]] == [1, 2]


CODEC_CASES = [
    ("a,,c\r\n", [["a", None, "c"]]),
    ('a,"",c\n', [["a", "", "c"]]),
    (',\n', [[None, None]]),
    ('"",""\n', [["", ""]]),
    ('"x, ""y""","line\nbreak"\r\n', [['x, "y"', "line\nbreak"]]),
    ("\n\r\nlast", [["last"]]),  # blank lines are skipped; no line end at the end
    ('"open\n', ["a quoted cell is not closed"]),
    ('"a"b,c\nd\n', ["a closing quote must be followed by a comma or the end of the line",
                      ["d"]]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "records"), CODEC_CASES)
def test_the_csv_codec_reads_null_and_empty_apart(text: str, records: list[Any]) -> None:
    assert list(decode_records(iter(text.splitlines(keepends=True)))) == records


@pytest.mark.parametrize(
    "cells", [["a", None, "c"], ["", None, ""], ['x, "y"', "a\r\nb", None], [None, "''"]]
)
def test_the_csv_codec_round_trips_what_it_writes(cells: list[str | None]) -> None:
    text = encode_record(cells)
    assert list(decode_records(iter(text.splitlines(keepends=True)))) == [cells]


async def test_csv_keeps_null_and_the_empty_string_apart(api: Api) -> None:
    seeded = await api.seed()
    admin = await api.client("admin")
    thread = seeded["threads"][0]["id"]
    url = f"{FORUM}/post"
    data = (
        "thread_id,body,subtitle,published_at,meta\r\n"
        f"{thread},null subtitle,,,\r\n"
        f'{thread},empty subtitle,"","",""\r\n'  # "" in non-text fields reads as null
        f'{thread},"quoted ""body""","  ",,\r\n'
        f'{thread},broken,"x"y,,\r\n'
    ).encode()
    dry = await admin.post(f"{url}/_import", params={"format": "csv", "dry_run": "true"},
                           content=data)  # fmt: skip
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["total"], report["valid"], report["created"]) == (4, 3, 0)
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(4, None)]
    assert "closing quote" in report["errors"][0]["error"]
    done = await admin.post(f"{url}/_import", params={"format": "csv", "mode": "skip"},
                            content=data)  # fmt: skip
    assert done.status_code == 200 and done.json()["created"] == 3, done.text
    rows = {r["body"]: r for r in await every_row(admin, url)}
    assert rows["null subtitle"]["subtitle"] is None
    assert rows["empty subtitle"]["subtitle"] == ""
    assert rows["empty subtitle"]["published_at"] is None and rows["empty subtitle"]["meta"] is None
    assert rows['quoted "body"']["subtitle"] == "  "
    exported = await admin.get(
        f"{url}/_export", params={"format": "csv", "fields": "body,subtitle"}
    )
    lines = exported.text.splitlines()
    by_body = {line.split(",")[1]: line.split(",", 2)[2] for line in lines[1:]}
    assert by_body["null subtitle"] == "" and by_body["empty subtitle"] == '""'
    assert lines[0] == "id,body,subtitle"
