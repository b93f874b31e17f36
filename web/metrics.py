"""GET /metrics: Prometheus text exposition of the web process (prometheus_client).

    metabuilder_http_requests_total{method, route, status}        counter
    metabuilder_http_request_duration_seconds{method, route}      histogram, until the last byte
    metabuilder_http_requests_in_flight                           gauge
    metabuilder_action_dispatches_total{package, action, status}  counter
    process_* / python_info                                       the process collectors

`route` is the route *template* (`/api/v1/{tenant}/{package}/actions/{action}`), never the
path, and methods outside the standard set count as OTHER, so a client cannot grow the label
sets. `metabuilder_action_dispatches_total` counts answers of the action endpoints for which
the dispatcher knew the action (started, denied, or refused its input); tenants are not a label.
Each web process keeps its own registry and is scraped on its own (a replica is a target).

`MetricsMiddleware` is the outermost middleware: it measures everything behind it and
answers `/metrics` itself, ahead of authentication (whose `Authorization` header handling
would otherwise claim the scraper's token). Who may read it:
- with METABUILDER_METRICS_TOKEN set: a request carrying `Authorization: Bearer <token>`;
- without it: a request from loopback that did not come through a proxy (no forwarding
  header), e.g. a sidecar or node agent; anything else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import error_response

METRICS_PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
NO_ROUTE = "(none)"  # refused before routing (CSRF, rate limit) or no route matched
# Action answers for which the dispatcher looked the action up (others: unknown names).
DISPATCHED = frozenset({200, 202, 401, 403, 422})
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class WebMetrics:
    """One registry per app, so that several apps in one process (tests) stay apart."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "metabuilder_http_requests",
            "HTTP requests answered, by route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "metabuilder_http_request_duration_seconds",
            "Time from request to the last byte of the answer.",
            ["method", "route"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "metabuilder_http_requests_in_flight",
            "Requests being answered now.",
            registry=self.registry,
        )
        self.dispatches = Counter(
            "metabuilder_action_dispatches",
            "Action requests the dispatcher handled, by package, action and HTTP status.",
            ["package", "action", "status"],
            registry=self.registry,
        )

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        route = route_template(scope)
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)
        params = scope.get("path_params", {})
        if "/actions/{action}" in route and status in DISPATCHED and "package" in params:
            self.dispatches.labels(params["package"], params["action"], str(status)).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The template of the route that answered (the router leaves it in the scope)."""
    route = scope.get("route")
    if isinstance(route, Route | Mount):
        return route.path or "/"
    return NO_ROUTE


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, *, token: str | None = None) -> None:
        self.app = app
        self.token = token
        self.metrics = WebMetrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self.serve(scope, receive, send)
            return
        status = 500  # unless an answer starts: an exception escaped to the server
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_and_record)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.observe(scope, status, time.perf_counter() - started)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            response: Response = error_response(405, "GET /metrics only")
            response.headers["allow"] = "GET, HEAD"
        else:
            response = Response(self.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
            response.headers["cache-control"] = "no-store"
        await response(scope, receive, send)

    def refusal(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        if self.token is not None:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            ):
                return None
            response = error_response(401, "metrics need the metrics token (Bearer)")
            response.headers["www-authenticate"] = 'Bearer realm="metrics"'
            return response
        client = scope.get("client")
        proxied = any(name in headers for name in FORWARDING_HEADERS)
        if is_loopback(client[0] if client else None) and not proxied:
            return None
        return error_response(
            403, "metrics are served on loopback only unless METABUILDER_METRICS_TOKEN is set"
        )
