"""Entity REST API throughput over HTTP against a bare Starlette endpoint, in the same run.

    .venv/bin/python bench/api.py [--seconds S] [--rounds N] [--concurrency C] [--postgres]

Two uvicorn servers run side by side in their own processes on the same database (SQLite
by default): our app (`web.app` via `engine.cli.services.build_app`, every middleware,
tenant and package resolution, scope, ACL, validation of the query string, ETags) serving
`GET /api/v1/{tenant}/bench/item?limit=50` and `GET /api/v1/{tenant}/bench/item/{id}`, and a
bare Starlette app whose two endpoints run the equivalent prebuilt SQLAlchemy Core
statements (tenant filter, ORDER BY id, LIMIT 50 / id lookup) on a plain engine and answer
the same rows as orjson. The entity is publicly readable (`x-acl` read 0), so neither side
authenticates. A load generator (httpx, C concurrent keep-alive connections) drives each
server for S seconds per round (many short rounds, alternating which goes first, so that
load drifting on a shared machine hits both alike); requests/s are medians over
rounds, the ratio is the median of the back-to-back pair ratios, p50/p95 are latencies over
all rounds. Prints a table, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from sqlalchemy import select, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dbal import ITEM, plain_engine, postgres_url, rows_for
from dbal.database import Database
from dbal.scope import Scope
from engine.cli.services import build_app, build_catalog
from engine.config import load_settings
from engine.temporal_client import TemporalConnection

PUBLIC_ITEM = {**ITEM, "x-acl": {"create": 1, "read": 0, "update": 1, "delete": 1}}
COLUMNS = ("id", "created_at", "updated_at", "title", "score", "done", "note")
ROWS = 1000


# -- servers (each in its own process) --------------------------------------------------------


def bare_app(url: str, tenant: str) -> Starlette:
    """The baseline: plain SQLAlchemy Core and orjson behind two sync Starlette endpoints."""
    db = Database.connect(url)  # only to find the entity's table; queries use `engine`
    table = db.schema.get("bench.item").table
    engine = plain_engine(url)
    cols = [table.c[c] for c in COLUMNS]
    list_stmt = select(*cols).where(table.c.tenant_id == tenant).order_by(table.c.id).limit(50)
    get_stmt = select(*cols).where(table.c.tenant_id == tenant, table.c.id == text(":id"))

    def listing(request: Request) -> Response:
        with engine.connect() as conn:
            rows = [dict(zip(COLUMNS, r, strict=True)) for r in conn.execute(list_stmt)]
        return Response(orjson.dumps({"items": rows}), media_type="application/json")

    def one(request: Request) -> Response:
        with engine.connect() as conn:
            found = conn.execute(get_stmt, {"id": request.path_params["id"]}).first()
        if found is None:
            return Response(b'{"error": "NOT_FOUND"}', 404, media_type="application/json")
        row = dict(zip(COLUMNS, found, strict=True))
        return Response(orjson.dumps(row), media_type="application/json")

    return Starlette(routes=[Route("/item", listing), Route("/item/{id}", one)])


def our_app(url: str, data_dir: str) -> Any:
    settings = load_settings({}, data_dir=Path(data_dir)).with_overrides(database_url=url)
    db = Database.connect(url)
    return build_app(settings, db, build_catalog(settings), TemporalConnection("127.0.0.1:9", "x"))


def serve(kind: str, url: str, port: int, tenant: str, data_dir: str) -> None:
    app = bare_app(url, tenant) if kind == "bare" else our_app(url, data_dir)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(kind: str, url: str, tenant: str, data_dir: str) -> Iterator[str]:
    port = free_port()
    args = [sys.executable, __file__, "--serve", kind, "--url", url, "--port", str(port),
            "--tenant", tenant, "--data-dir", data_dir]  # fmt: skip
    proc = subprocess.Popen(args)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/nothing-here", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"the {kind} server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


# -- load -------------------------------------------------------------------------------------


async def drive(base: str, paths: list[str], seconds: float, concurrency: int) -> list[float]:
    """Latencies (s) of the requests answered in `seconds` by `concurrency` connections."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop:
                start = time.perf_counter()
                response = await client.get(rng.choice(paths))
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code} {response.text[:200]}")

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    db = Database.connect(url)
    db.upgrade()
    db.schema.apply_entities("bench", {"item": PUBLIC_ITEM})
    slug = f"b{uuid.uuid4().hex[:8]}"
    tenant = db.tenants.create(Scope.system(), slug, "Bench")["id"]
    other = db.tenants.create(Scope.system(), f"o{uuid.uuid4().hex[:8]}", "Other")["id"]
    for tid in (tenant, other):
        db.installed_packages.upsert(Scope.system(), tid, "bench", "1.0.0")
        rows = db.entities(Scope.for_user(tid, "bench", 1), package="bench").create_many(
            "item", rows_for(ROWS)
        )
    ids = [r["id"] for r in db.entities(Scope.system(tenant), package="bench").list(
        "item", limit=ROWS)["items"]]  # fmt: skip
    assert len(ids) == ROWS and rows
    db.close()
    ours_paths = {"list50": [f"/api/v1/{slug}/bench/item?limit=50"],
                  "get": [f"/api/v1/{slug}/bench/item/{i}" for i in ids]}  # fmt: skip
    bare_paths = {"list50": ["/item"], "get": [f"/item/{i}" for i in ids]}
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory() as data_dir,
        server("ours", url, tenant, data_dir) as ours,
        server("bare", url, tenant, data_dir) as bare,
    ):
        for name in ("list50", "get"):
            for base, paths in ((ours, ours_paths[name]), (bare, bare_paths[name])):
                asyncio.run(drive(base, paths, 1.0, args.concurrency))  # warm up
            rps: dict[str, list[float]] = {"ours": [], "bare": []}
            lat: dict[str, list[float]] = {"ours": [], "bare": []}
            ratios = []
            for i in range(args.rounds):
                order = [("ours", ours, ours_paths), ("bare", bare, bare_paths)]
                for who, base, paths in order if i % 2 == 0 else order[::-1]:
                    got = asyncio.run(drive(base, paths[name], args.seconds, args.concurrency))
                    rps[who].append(len(got) / args.seconds)
                    lat[who].extend(got)
                ratios.append(rps["ours"][-1] / rps["bare"][-1])
            results[name] = {
                who: {
                    "rps": statistics.median(rps[who]),
                    "p50": percentile(lat[who], 0.5) * 1000,
                    "p95": percentile(lat[who], 0.95) * 1000,
                }
                for who in ("ours", "bare")
            }
            results[name]["ratio"] = statistics.median(ratios)
    return results


@contextmanager
def database_url(postgres: bool) -> Iterator[str]:
    if not postgres:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    with postgres_url() as url:
        yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--serve", choices=["ours", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tenant", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.url, args.port, args.tenant, args.data_dir)
        return 0
    backend = "postgres" if args.postgres else "sqlite"
    with database_url(args.postgres) as url:
        results = run(args, url)
    print(f"{backend} at concurrency {args.concurrency}, {args.rounds} x {args.seconds:g} s")
    print(f"{'workload':<8} {'server':<6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}")
    figures: dict[str, Any] = {"bench": "api", "backend": backend}
    for name, label in (("list50", "list50"), ("get", "get")):
        r = results[name]
        for who in ("ours", "bare"):
            ratio = f"{r['ratio']:>6.2f}" if who == "ours" else ""
            print(f"{label:<8} {who:<6} {r[who]['rps']:>8.0f} {r[who]['p50']:>8.2f} "
                  f"{r[who]['p95']:>8.2f} {ratio}")  # fmt: skip
        figures[f"{name}_rps"] = round(r["ours"]["rps"], 1)
        figures[f"{name}_p50_ms"] = round(r["ours"]["p50"], 3)
        figures[f"{name}_p95_ms"] = round(r["ours"]["p95"], 3)
        figures[f"{name}_bare_rps"] = round(r["bare"]["rps"], 1)
        figures[f"{name}_rps_ratio"] = round(r["ratio"], 3)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
