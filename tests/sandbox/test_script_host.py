"""worker.script_host on its own: the HTTP allow-list and pinning, secrets, and errors.

Outbound HTTP goes through httpx's transport seam (a MockTransport answering as the remote
server would); the database is a real SQLite file with the tenant's settings in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dbal.database import Database
from dbal.scope import Scope
from scripts_runtime.sandbox import HostError, SandboxPool
from tests.fixtures.databases import fresh_database_url
from tests.sandbox.conftest import run_script
from worker.script_host import ScriptHost, host_allowed, host_factory

SETTINGS = {
    "scripts": {
        "httpAllowHosts": ["api.example.com", "*.partner.io", "10.1.2.3", "internal.example.com"],
        "secrets": {"stripe_key": "sk_test_tenant_alpha"},
    }
}
PUBLIC_IP = "93.184.216.34"


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with fresh_database_url("sqlite", request.config, tmp_path) as url:
        database = Database.connect(url)
        database.upgrade()
        yield database
        database.close()


@pytest.fixture
def tenants(db: Database) -> dict[str, str]:
    alpha = db.tenants.create(Scope.system(), "alpha", "Alpha", SETTINGS)["id"]
    beta = db.tenants.create(Scope.system(), "beta", "Beta")["id"]
    return {"alpha": alpha, "beta": beta}


class Remote:
    """Records requests and answers like a small JSON API."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/redirect":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/"})
        if request.url.path == "/huge":
            return httpx.Response(200, content=b"x" * (2 * 1024 * 1024))
        return httpx.Response(200, json={"echo": request.url.path, "method": request.method})


def resolver(addresses: dict[str, str]) -> Any:
    def resolve(host: str, port: int) -> list[str]:
        return [addresses.get(host, PUBLIC_IP)]

    return resolve


def make_host(db: Database, tenant: str, remote: Remote, **addresses: str) -> ScriptHost:
    return ScriptHost(
        db,
        Scope.for_user(tenant, "u1", 1),
        http_transport=httpx.MockTransport(remote),
        resolver=resolver({k.replace("_", "."): v for k, v in addresses.items()}),
    )


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("api.example.com", True),
        ("API.EXAMPLE.COM", True),
        ("evil-api.example.com", False),
        ("a.partner.io", True),
        ("a.b.partner.io", True),
        ("partner.io", False),
        ("partner.io.evil.com", False),
        ("10.1.2.3", True),
        ("127.0.0.1", False),
    ],
)
def test_host_allow_list_matching(host: str, allowed: bool) -> None:
    assert host_allowed(host, SETTINGS["scripts"]["httpAllowHosts"]) is allowed


def test_an_allowed_request_is_pinned_to_the_checked_address(
    db: Database, tenants: dict[str, str]
) -> None:
    remote = Remote()
    host = make_host(db, tenants["alpha"], remote)
    answer = host("http.request", {"method": "GET", "url": "https://api.example.com/v1/items"})
    assert answer["status"] == 200
    assert answer["json"] == {"echo": "/v1/items", "method": "GET"}
    sent = remote.requests[0]
    assert sent.url.host == PUBLIC_IP
    assert sent.headers["host"] == "api.example.com"
    assert sent.extensions["sni_hostname"] == "api.example.com"


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("https://evil.example.net/", "not_allowed", "not in this tenant's HTTP allow-list"),
        ("http://127.0.0.1:5432/", "not_allowed", "not in this tenant's HTTP allow-list"),
        ("http://169.254.169.254/latest/meta-data", "not_allowed", "allow-list"),
        ("https://internal.example.com/", "not_allowed", "resolves to a non-public address"),
        ("file:///etc/passwd", "invalid", "absolute http(s) URL"),
        ("https://user:pw@api.example.com/", "invalid", "credentials in the URL"),
        ("https://api.example.com/huge", "http_error", "response larger than"),
    ],
)
def test_refused_requests(
    db: Database, tenants: dict[str, str], url: str, code: str, message: str
) -> None:
    remote = Remote()
    host = make_host(db, tenants["alpha"], remote, internal_example_com="10.0.0.7")
    with pytest.raises(HostError) as refused:
        host("http.request", {"method": "GET", "url": url})
    assert refused.value.code == code
    assert message in refused.value.message
    if code != "http_error":
        assert remote.requests == []


def test_redirects_are_returned_not_followed(db: Database, tenants: dict[str, str]) -> None:
    remote = Remote()
    host = make_host(db, tenants["alpha"], remote)
    answer = host("http.request", {"method": "GET", "url": "https://api.example.com/redirect"})
    assert answer["status"] == 302
    assert len(remote.requests) == 1


def test_a_tenant_without_an_allow_list_reaches_nothing(
    db: Database, tenants: dict[str, str]
) -> None:
    host = make_host(db, tenants["beta"], Remote())
    with pytest.raises(HostError, match="allow-list"):
        host("http.request", {"method": "GET", "url": "https://api.example.com/"})


def test_secrets_are_per_tenant_and_by_name_only(db: Database, tenants: dict[str, str]) -> None:
    alpha = make_host(db, tenants["alpha"], Remote())
    beta = make_host(db, tenants["beta"], Remote())
    assert alpha("secrets.get", {"name": "stripe_key"}) == "sk_test_tenant_alpha"
    assert beta("secrets.get", {"name": "stripe_key"}) is None
    with pytest.raises(HostError, match=r"no host operation 'secrets\.list'"):
        alpha("secrets.list", {})


async def test_scripts_use_http_and_secrets_through_the_pool(
    pool: SandboxPool, db: Database, tenants: dict[str, str]
) -> None:
    remote = Remote()
    host = make_host(db, tenants["alpha"], remote)
    result = await run_script(
        pool,
        """
        def main(ctx):
            key = ctx.secrets.get("stripe_key")
            answer = ctx.http.post("https://a.partner.io/charge", json={"amount": 5},
                                   headers={"Authorization": "Bearer " + key})
            try:
                ctx.http.get("https://evil.example.net/")
            except HostError as e:
                refused = e.code
            return [answer["status"], answer["json"]["method"], refused]
        """,
        host,
        tenant=tenants["alpha"],
    )
    assert result.value == [200, "POST", "not_allowed"]
    assert remote.requests[0].headers["authorization"] == "Bearer sk_test_tenant_alpha"
    assert remote.requests[0].content == b'{"amount": 5}'


def test_host_factory_builds_a_host_in_the_callers_scope(
    db: Database, tenants: dict[str, str]
) -> None:
    class Caller:
        tenant_id = tenants["alpha"]
        user_id = "u1"
        user_level = 1
        package_id = "forum"

    host = host_factory(db)(Caller())
    assert host("kv.incr", {"key": "n", "by": 2}) == 2
    assert db.kv(Scope.for_user(tenants["alpha"], None, 0)).get("n") == 2
