"""The nginx site, run by a real nginx in front of stand-in replicas: the proxy's policies.

Each test gets its own nginx (on free loopback ports) whose upstream lists a replica that
drops every request first and a healthy one second, the order nginx tries them in.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from deploy import nginx_config
from deploy.local_cluster import free_port
from tests.deploy.upstreams import SSE_GAP_S, CrashingUpstream, GoodUpstream

pytestmark = pytest.mark.skipif(
    not any(Path(p).exists() for p in ("/usr/sbin/nginx", "/usr/bin/nginx")),
    reason="nginx is not installed (deploy/scripts/install-tools.sh installs it)",
)


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


class Proxy:
    def __init__(self, run_dir: Path, upstreams: list[str], login_rate: str = "10r/m") -> None:
        nginx_config.prepare_run_dir(run_dir)
        self.cert, key = nginx_config.self_signed_certificate(run_dir / "tls")
        self.https, self.http, status = free_port(), free_port(), free_port()
        site = nginx_config.SiteSettings(
            tls_cert=self.cert, tls_key=key, cache_dir=run_dir / "cache",
            server_name="localhost 127.0.0.1", http_port=self.http, https_port=self.https,
            status_port=status, login_rate=login_rate,
        )  # fmt: skip
        main = nginx_config.write_conf_dir(
            run_dir / "conf",
            site,
            main=nginx_config.local_main(run_dir, run_as_root=os.geteuid() == 0),
            upstream=nginx_config.upstream_block(upstreams),
        )
        self.access_log = run_dir / "logs" / "access.log"
        self.process = subprocess.Popen(
            [nginx_config.nginx_binary(), "-c", str(main), "-p", str(main.parent)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{status}/nginx-health", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError((run_dir / "logs" / "error.log").read_text())

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=trusting(self.cert), timeout=20)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def good() -> Iterator[GoodUpstream]:
    server = GoodUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def crashing() -> Iterator[CrashingUpstream]:
    server = CrashingUpstream().start()
    yield server
    server.stop()


@pytest.fixture
def proxy_factory(tmp_path: Path) -> Iterator[Callable[..., Proxy]]:
    started: list[Proxy] = []

    def start(upstreams: list[str], **options: str) -> Proxy:
        proxy = Proxy(tmp_path / f"nginx-{len(started)}", upstreams, **options)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture
def proxy(
    proxy_factory: Callable[..., Proxy], crashing: CrashingUpstream, good: GoodUpstream
) -> Proxy:
    return proxy_factory([f"127.0.0.1:{crashing.port}", f"127.0.0.1:{good.port}"])


def test_plain_http_redirects_to_https(proxy: Proxy) -> None:
    answer = httpx.get(f"http://127.0.0.1:{proxy.http}/default/hello?x=1")
    assert answer.status_code == 308
    assert answer.headers["location"] == f"https://127.0.0.1:{proxy.https}/default/hello?x=1"


def test_tls_offers_http2(proxy: Proxy) -> None:
    done = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{proxy.https}", "-alpn", "h2,http/1.1"],
        input=b"", capture_output=True, timeout=20, check=False,
    )  # fmt: skip
    assert b"ALPN protocol: h2" in done.stdout


def test_an_action_dropped_by_a_dying_replica_is_retried_with_the_same_idempotency_key(
    proxy: Proxy, crashing: CrashingUpstream, good: GoodUpstream
) -> None:
    with proxy.client() as http:
        answer = http.post("/api/v1/default/hello_world/actions/increment", json={})
    assert answer.status_code == 200
    assert answer.json()["port"] == good.port
    (dropped,) = crashing.recorder.paths("/api/v1/default/hello_world/actions/")
    (served,) = good.recorder.paths("/api/v1/default/hello_world/actions/")
    key = dropped.headers["idempotency-key"]
    assert len(key) == 32 and served.headers["idempotency-key"] == key


def test_a_client_idempotency_key_is_passed_through(proxy: Proxy, good: GoodUpstream) -> None:
    with proxy.client() as http:
        answer = http.post(
            "/api/v1/t/p/actions/a", json={}, headers={"Idempotency-Key": "order-42"}
        )
    assert answer.json()["headers"]["idempotency-key"] == "order-42"


def test_a_dropped_non_idempotent_request_is_not_resent(
    proxy: Proxy, crashing: CrashingUpstream, good: GoodUpstream
) -> None:
    with proxy.client() as http:
        answer = http.post("/api/v1/default/shop/orders", json={"item": 1})
    assert answer.status_code == 503
    assert answer.json()["error"] == "UNAVAILABLE"
    assert answer.headers["retry-after"] == "5"
    assert len(crashing.recorder.paths("/api/v1/default/shop/orders")) == 1
    assert good.recorder.paths("/api/v1/default/shop/orders") == []


def test_a_page_request_moves_to_the_next_replica(
    proxy: Proxy, crashing: CrashingUpstream, good: GoodUpstream
) -> None:
    with proxy.client() as http:
        answer = http.get("/default/hello")
    assert answer.status_code == 200 and answer.json()["port"] == good.port
    assert len(crashing.recorder.paths("/default/hello")) == 1


@pytest.mark.parametrize("sent", [None, "203.0.113.9", "203.0.113.9, 127.0.0.1"])
def test_forwarding_headers_reach_the_app(
    proxy: Proxy, good: GoodUpstream, sent: str | None
) -> None:
    headers = {"X-Forwarded-For": sent} if sent else {}
    with proxy.client() as http:
        echoed = http.post("/api/v1/t/p/actions/a", json={}, headers=headers).json()["headers"]
    assert echoed["x-forwarded-proto"] == "https"
    assert echoed["host"] == f"127.0.0.1:{proxy.https}"  # the CSRF check compares ports too
    # Only the address nginx saw: a client cannot pick the address the app's limits count.
    assert echoed["x-forwarded-for"] == "127.0.0.1"
    assert len(echoed["x-request-id"]) == 32


@pytest.mark.parametrize("path", ["/metrics", "/metrics?x=1"])
def test_metrics_are_not_served_on_the_public_site(
    proxy: Proxy, good: GoodUpstream, path: str
) -> None:
    with proxy.client() as http:
        answer = http.get(path)
    assert answer.status_code == 404 and answer.json()["error"] == "NOT_FOUND"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert good.recorder.paths("/metrics") == []


@pytest.mark.parametrize("path", ["/default/hello", "/static/build/runtime.js", "/nowhere-503"])
def test_security_headers_are_on_every_answer(
    proxy_factory: Callable[..., Proxy], good: GoodUpstream, path: str
) -> None:
    # "/nowhere-503": a proxy whose only replica is down answers from nginx itself.
    upstream = f"127.0.0.1:{free_port()}" if path == "/nowhere-503" else f"127.0.0.1:{good.port}"
    proxy = proxy_factory([upstream])
    with proxy.client() as http:
        answer = http.get(path)
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in answer.headers or answer.headers["server"] == "nginx"


def test_the_apps_own_security_headers_win_and_are_never_doubled(
    proxy_factory: Callable[..., Proxy], good: GoodUpstream
) -> None:
    proxy = proxy_factory([f"127.0.0.1:{good.port}"])
    with proxy.client() as http:
        answer = http.get("/own-headers")
    assert answer.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert answer.headers.get_list("strict-transport-security") == ["max-age=1"]
    assert answer.headers.get_list("x-content-type-options") == ["nosniff"]


def test_static_files_are_cached_and_never_carry_a_visitors_cookie(
    proxy_factory: Callable[..., Proxy], good: GoodUpstream
) -> None:
    proxy = proxy_factory([f"127.0.0.1:{good.port}"])
    with proxy.client() as http:
        first = http.get("/static/build/runtime.js")
        second = http.get("/static/build/runtime.js")
    assert (first.headers["x-cache-status"], second.headers["x-cache-status"]) == ("MISS", "HIT")
    assert "set-cookie" not in first.headers and "set-cookie" not in second.headers
    assert len(good.recorder.paths("/static/")) == 1
    assert "max-age=3600" in second.headers["cache-control"]


def test_server_sent_events_are_not_buffered(
    proxy_factory: Callable[..., Proxy], good: GoodUpstream
) -> None:
    proxy = proxy_factory([f"127.0.0.1:{good.port}"])
    arrivals: list[tuple[float, str]] = []
    start = time.monotonic()
    with proxy.client() as http, http.stream("GET", "/api/v1/default/runs/r1/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data:"):
                arrivals.append((time.monotonic() - start, line))
    assert [line for _, line in arrivals] == ["data: first", "data: second"]
    assert arrivals[0][0] < SSE_GAP_S / 2, "the first event waited for the second"
    assert arrivals[1][0] >= SSE_GAP_S * 0.9


def test_request_bodies_are_limited_except_media_uploads(
    proxy_factory: Callable[..., Proxy], good: GoodUpstream
) -> None:
    proxy = proxy_factory([f"127.0.0.1:{good.port}"])
    three_mb = b"x" * (3 * 1024 * 1024)
    with proxy.client() as http:
        refused = http.post("/api/v1/default/hello_world/actions/increment", content=three_mb)
        accepted = http.post("/api/v1/default/media/uploads", content=three_mb)
    assert refused.status_code == 413
    assert accepted.status_code == 200
    assert good.recorder.paths("/api/v1/default/media/uploads")[0].body_size == len(three_mb)


def test_login_attempts_are_rate_limited_per_address(
    proxy_factory: Callable[..., Proxy], good: GoodUpstream
) -> None:
    proxy = proxy_factory([f"127.0.0.1:{good.port}"], login_rate="10r/m")
    body = {"tenant": "default", "username": "a", "password": "b"}
    with proxy.client() as http:
        statuses = [http.post("/api/v1/auth/login", json=body).status_code for _ in range(8)]
        limited = http.post("/api/v1/auth/login", json=body)
        other = http.get("/default/hello")
    # burst=5 (nodelay) on top of the first request: 6 pass, then 429 until the rate refills
    assert statuses == [200] * 6 + [429] * 2
    assert limited.json()["error"] == "RATE_LIMITED" and limited.headers["retry-after"] == "60"
    assert other.status_code == 200, "only the login endpoint has this limit"
    assert len(good.recorder.paths("/api/v1/auth/login")) == 6
