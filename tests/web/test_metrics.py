"""GET /metrics: what the web process counts, with bounded labels, and who may read it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from dbal.database import Database
from dbal.scope import Scope
from engine.cli.services import build_app, build_catalog
from engine.config import load_settings
from engine.temporal_client import TemporalConnection
from web.metrics import MetricsMiddleware

SYSTEM = Scope.system()
ACTION_ROUTE = "/api/v1/{tenant}/{package}/actions/{action}"
PAGE_ROUTE = "/{tenant}/{path:path}"


def full_app(db: Database, data_dir: Path, token: str | None = None) -> Starlette:
    settings = load_settings({}, data_dir=data_dir).with_overrides(metrics_token=token)
    # Nothing listens there: these tests never reach Temporal.
    conn = TemporalConnection("127.0.0.1:1", "default")
    return build_app(settings, db, build_catalog(settings), conn)


def http(app: Any, host: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client: httpx.AsyncClient) -> str:
    answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.fixture
def app(database: Database, tmp_path: Path) -> Starlette:
    acme = database.tenants.create(SYSTEM, "acme", "Acme")
    database.installed_packages.upsert(SYSTEM, acme["id"], "hello_world", "1.0.0", config={})
    return full_app(database, tmp_path / "var")


async def test_requests_are_counted_by_route_template_and_status(app: Starlette) -> None:
    async with http(app) as client:
        for path in ("/acme/one", "/acme/two", "/healthz"):
            await client.get(path)
        text = await scrape(client)
    assert value(text, "metabuilder_http_requests_total", method="GET", route="/healthz",
                 status="200") == 1  # fmt: skip
    pages = [
        (labels, v)
        for (name, labels), v in samples(text).items()
        if name == "metabuilder_http_requests_total" and ("route", PAGE_ROUTE) in labels
    ]
    assert sum(v for _, v in pages) == 2
    assert "/acme/one" not in text, "paths never become labels"
    count = value(text, "metabuilder_http_request_duration_seconds_count", method="GET",
                  route="/healthz")  # fmt: skip
    assert count == 1
    assert value(text, "metabuilder_http_requests_in_flight") == 0
    assert value(text, "process_cpu_seconds_total") > 0


async def test_odd_methods_and_unrouted_requests_do_not_grow_the_label_sets(
    app: Starlette,
) -> None:
    async with http(app) as client:
        await client.request("BREW", "/acme/pot")
        await client.request("X" * 40, "/healthz")
        text = await scrape(client)
    methods = {
        dict(labels)["method"]
        for (name, labels) in samples(text)
        if name == "metabuilder_http_requests_total"
    }
    assert methods == {"OTHER"}


async def test_action_dispatches_count_actions_the_dispatcher_knew(app: Starlette) -> None:
    async def post(path: str, body: Any) -> httpx.Response:
        client.cookies.clear()  # cookie-less: the CSRF check has nothing to compare
        return await client.post(path, json=body)

    async with http(app) as client:
        refused = await post("/api/v1/acme/hello_world/actions/increment", {"input": [1]})
        unknown = await post("/api/v1/acme/hello_world/actions/no-such-" + "x" * 30, {})
        not_installed = await post("/api/v1/acme/shop/actions/buy", {})
        text = await scrape(client)
    assert (refused.status_code, unknown.status_code, not_installed.status_code) == (422, 404, 404)
    dispatches = {
        labels: v
        for (name, labels), v in samples(text).items()
        if name == "metabuilder_action_dispatches_total"
    }
    assert dispatches == {
        (("action", "increment"), ("package", "hello_world"), ("status", "422")): 1.0
    }
    assert value(text, "metabuilder_http_requests_total", method="POST", route=ACTION_ROUTE,
                 status="404") == 2  # fmt: skip


async def test_the_exposition_is_prometheus_text_and_never_cached(app: Starlette) -> None:
    async with http(app) as client:
        answer = await client.get("/metrics")
        post = await client.post("/metrics")
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert answer.headers["cache-control"] == "no-store"
    assert "# TYPE metabuilder_http_requests_total counter" in answer.text
    assert post.status_code == 405 and post.json()["error"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("token", "host", "headers", "status"),
    [
        (None, "127.0.0.1", {}, 200),
        (None, "::1", {}, 200),
        (None, "10.1.2.3", {}, 403),
        (None, "127.0.0.1", {"X-Forwarded-For": "127.0.0.1"}, 403),
        (None, "127.0.0.1", {"X-Real-IP": "127.0.0.1"}, 403),
        (None, "127.0.0.1", {"Forwarded": "for=127.0.0.1"}, 403),
        (None, "testclient", {}, 403),
        ("s3cret-token", "10.1.2.3", {"Authorization": "Bearer s3cret-token"}, 200),
        ("s3cret-token", "10.1.2.3", {"Authorization": "bearer  s3cret-token "}, 200),
        ("s3cret-token", "127.0.0.1", {}, 401),
        ("s3cret-token", "10.1.2.3", {"Authorization": "Bearer s3cret-tokeN"}, 401),
        ("s3cret-token", "10.1.2.3", {"Authorization": "Bearer s3cret"}, 401),
        ("s3cret-token", "10.1.2.3", {"Authorization": "Basic czNjcmV0LXRva2Vu"}, 401),
    ],
    ids=["loopback", "loopback-v6", "remote", "proxied-xff", "proxied-real-ip",
         "proxied-forwarded", "not-an-address", "token", "token-case-and-spaces",
         "token-missing", "token-wrong", "token-prefix", "basic-auth"],
)  # fmt: skip
async def test_metrics_are_for_loopback_or_the_token_holder(
    database: Database,
    tmp_path: Path,
    token: str | None,
    host: str,
    headers: dict[str, str],
    status: int,
) -> None:
    app = full_app(database, tmp_path / "var", token=token)
    async with http(app, host) as client:
        answer = await client.get("/metrics", headers=headers)
    assert answer.status_code == status, answer.text
    if status != 200:
        assert "metabuilder_http_requests_total" not in answer.text
        assert answer.json()["error"] in ("UNAUTHORIZED", "FORBIDDEN")


# ---- the middleware on its own --------------------------------------------------------


def bare_app(release: asyncio.Event) -> Starlette:
    async def slow(request: Request) -> PlainTextResponse:
        await release.wait()
        return PlainTextResponse("done")

    async def broken(request: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    return Starlette(
        routes=[Route("/slow", slow), Route("/broken", broken)],
        middleware=[Middleware(MetricsMiddleware)],
    )


async def test_requests_being_answered_are_in_flight() -> None:
    release = asyncio.Event()
    async with http(bare_app(release)) as client:
        pending = asyncio.gather(*(client.get("/slow") for _ in range(3)))
        for _ in range(100):
            during = await scrape(client)
            if value(during, "metabuilder_http_requests_in_flight") == 3:
                break
            await asyncio.sleep(0.01)
        release.set()
        await pending
        after = await scrape(client)
    assert value(during, "metabuilder_http_requests_in_flight") == 3
    assert value(after, "metabuilder_http_requests_in_flight") == 0
    assert value(after, "metabuilder_http_requests_total", method="GET", route="/slow",
                 status="200") == 3  # fmt: skip


async def test_an_exception_that_escapes_counts_as_a_500() -> None:
    app = bare_app(asyncio.Event())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get("/broken")
        text = await scrape(client)
    assert answer.status_code == 500
    assert value(text, "metabuilder_http_requests_total", method="GET", route="/broken",
                 status="500") == 1  # fmt: skip
    assert value(text, "metabuilder_http_requests_in_flight") == 0
