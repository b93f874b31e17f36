"""DBAL overhead against plain SQLAlchemy Core doing the same work, in the same run.

    .venv/bin/python bench/dbal.py [--rounds N] [--sqlite-only]

Three workloads per backend: read one row by id (tenant-filtered), list 50 rows of a tenant
(ordered, as dicts), insert 1,000 rows in batches. The baseline is a plain engine created with
`create_engine(url)` (SQLite gets the same WAL/synchronous/foreign-key pragmas) running the
equivalent prebuilt Core statements and returning dicts built the same way (zip of column
names and row tuples, the fastest plain idiom); the DBAL side goes through scopes, ACL checks,
validation, audit rows and the statement cache. Times are medians over rounds; the ratio is
the median of back-to-back pair ratios (robust to load drift on a shared machine).
Prints a table, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dbal.database import Database
from dbal.ids import new_id, utcnow
from dbal.scope import Scope

ITEM = {
    "type": "object",
    "x-entity": "item",
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "score": {"type": "integer"},
        "done": {"type": "boolean"},
        "note": {"type": ["string", "null"]},
    },
    "required": ["title"],
    "x-acl": {"create": 1, "read": 1, "update": 1, "delete": 1},
}
ADMIN_URL = os.environ.get(
    "METABUILDER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def plain_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

    return engine


def rows_for(n: int, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {"title": f"item {offset + i}", "score": i, "done": i % 2 == 0, "note": None}
        for i in range(n)
    ]


def timed(fn: Callable[[], Any], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def bench_backend(url: str, rounds: int) -> dict[str, tuple[float, float, float]]:
    db = Database.connect(url)
    db.upgrade()
    db.schema.apply_entities("bench", {"item": ITEM})
    tenant = db.tenants.create(Scope.system(), f"b{uuid.uuid4().hex[:8]}", "Bench")["id"]
    other = db.tenants.create(Scope.system(), f"o{uuid.uuid4().hex[:8]}", "Other")["id"]
    ents = db.entities(Scope.for_user(tenant, "bench-user", 1), package="bench")
    table = db.schema.get("bench.item").table
    db.entities(Scope.for_user(other, "x", 1), package="bench").create_many("item", rows_for(1000))
    ids = [r["id"] for r in ents.create_many("item", rows_for(1000))]
    plain = plain_engine(url)
    columns = [
        table.c[c] for c in ("id", "created_at", "updated_at", "title", "score", "done", "note")
    ]
    read_stmt = select(*columns).where(table.c.tenant_id == tenant, table.c.id == text(":id"))
    list_stmt = select(*columns).where(table.c.tenant_id == tenant).order_by(table.c.id).limit(50)
    rng = random.Random(7)

    keys = [c.name for c in columns]

    def plain_read() -> None:
        with plain.connect() as conn:
            found = conn.execute(read_stmt, {"id": rng.choice(ids)}).first()
            assert found is not None
            dict(zip(keys, found, strict=True))

    def dbal_read() -> None:
        ents.read("item", rng.choice(ids))

    def plain_list() -> None:
        with plain.connect() as conn:
            rows = [dict(zip(keys, r, strict=True)) for r in conn.execute(list_stmt).all()]
            assert len(rows) == 50

    def dbal_list() -> None:
        assert len(ents.list("item", limit=50)["items"]) == 50

    batch = [0]

    def plain_insert() -> None:
        batch[0] += 1
        now = utcnow()
        params = [
            {"id": new_id(), "tenant_id": tenant, "created_at": now, "updated_at": now, **r}
            for r in rows_for(1000, batch[0] * 1000)
        ]
        with plain.begin() as conn:
            for start in range(0, 1000, 500):
                conn.execute(insert(table), params[start : start + 500])

    def dbal_insert() -> None:
        batch[0] += 1
        ents.create_many("item", rows_for(1000, batch[0] * 1000))

    work = {
        "read": (plain_read, dbal_read, 300),
        "list50": (plain_list, dbal_list, 100),
        "insert1000": (plain_insert, dbal_insert, 2),
    }
    results: dict[str, tuple[float, float, float]] = {}
    for name, (base, ours, repeat) in work.items():
        timed(base, max(1, repeat // 10))  # warm both paths (pools, caches)
        timed(ours, max(1, repeat // 10))
        base_t, ours_t, ratios = [], [], []
        for i in range(rounds * (3 if name == "insert1000" else 1)):
            # back-to-back pairs, alternating who goes first: the median of the pair ratios
            # is robust to other load on the machine drifting during the run
            if i % 2:
                o, b = timed(ours, repeat), timed(base, repeat)
            else:
                b, o = timed(base, repeat), timed(ours, repeat)
            base_t.append(b)
            ours_t.append(o)
            ratios.append(o / b)
        results[name] = (
            statistics.median(base_t),
            statistics.median(ours_t),
            statistics.median(ratios),
        )
    plain.dispose()
    db.close()
    return results


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'bench.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    name = f"mb_bench_{uuid.uuid4().hex}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    backends: list[tuple[str, Callable[[], Any]]] = [("sqlite", sqlite_url)]
    if not args.sqlite_only:
        backends.append(("postgres", postgres_url))
    figures: dict[str, Any] = {"bench": "dbal"}
    print(f"{'backend':<10} {'workload':<11} {'core ms':>9} {'dbal ms':>9} {'ratio':>6}")
    for backend, make_url_cm in backends:
        with make_url_cm() as url:
            results = bench_backend(url, args.rounds)
        for name, (base, ours, ratio) in results.items():
            figures[f"{backend}_{name}_ratio"] = round(ratio, 3)
            print(f"{backend:<10} {name:<11} {base * 1000:>9.3f} {ours * 1000:>9.3f} {ratio:>6.2f}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
