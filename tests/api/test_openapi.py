"""The generated OpenAPI document: what each level sees, the docs page, and schemathesis
against the forum entities (no 5xx, no response that breaks the document)."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from temporalio.client import Client

from engine.temporal_client import TemporalConnection
from tests.api.conftest import FORUM, Api
from tests.fixtures.temporal import temporal_client, temporal_server  # noqa: F401

DOC = "/api/v1/acme/openapi.json"
EXAMPLES = 12  # per operation: ~30 operations stay well under a minute on both backends


def operations(doc: dict[str, Any]) -> set[str]:
    return {f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops if m != "parameters"}


async def test_each_level_sees_the_operations_it_may_call(api: Api) -> None:
    anonymous = await (await api.client("anonymous")).get(DOC)
    assert anonymous.status_code == 200
    seen = operations(anonymous.json())
    assert f"GET {FORUM}/category" in seen and f"GET {FORUM}/thread/{{id}}" in seen
    assert not any("/post" in op for op in seen)  # posts need level 1
    assert not any(op.startswith(("POST", "PATCH", "PUT", "DELETE")) for op in seen)
    user = operations((await (await api.client("user")).get(DOC)).json())
    assert f"POST {FORUM}/post" in user and f"PATCH {FORUM}/post/{{id}}" in user  # own rows
    assert f"POST {FORUM}/category" not in user
    admin_doc = (await (await api.client("admin")).get(DOC)).json()
    admin = operations(admin_doc)
    assert {f"POST {FORUM}/category", f"DELETE {FORUM}/post/_bulk", f"POST {FORUM}/post/_import",
            f"GET {FORUM}/post/_export", f"POST {FORUM}/thread/{{id}}/lock"} <= admin  # fmt: skip
    assert admin_doc["openapi"] == "3.1.0"
    post = admin_doc["components"]["schemas"]["forum.post"]["properties"]
    assert "ip" not in post and "body" in post  # sensitive fields are write-only
    create = admin_doc["components"]["schemas"]["forum.post.create"]
    assert set(create["required"]) == {"thread_id", "body"}
    assert create["properties"]["ip"]["writeOnly"]


async def test_the_tenantless_document_follows_the_session(api: Api) -> None:
    admin = await api.client("admin")
    own = await admin.get("/api/v1/openapi.json")
    assert own.status_code == 200 and f"POST {FORUM}/category" in operations(own.json())
    redirect = await admin.get("/api/v1/openapi.json", params={"tenant": "rival"})
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/api/v1/rival/openapi.json"
    there = operations((await admin.get(redirect.headers["location"])).json())
    assert not any(op.startswith("POST") for op in there)  # a visitor in rival
    assert (await admin.get("/api/v1/nowhere/openapi.json")).status_code == 404


async def test_the_docs_page_loads_swagger_ui_from_our_origin(api: Api) -> None:
    client = await api.client("anonymous")
    page = await client.get("/api/v1/acme/docs")
    assert page.status_code == 200
    html = page.text
    assert 'data-spec="/api/v1/acme/openapi.json"' in html
    assert "<script>" not in html and "https://" not in html  # CSP: script-src 'self'
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/api/v1/docs/assets/swagger-ui-bundle.js", "/api/v1/docs/assets/swagger-ui.css",
                  "/api/v1/docs/init.js"):  # fmt: skip
        assert (await client.get(asset)).status_code == 200, asset
    assert "SwaggerUIBundle" in (await client.get("/api/v1/docs/init.js")).text


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def admin_token(api: Api) -> str:
    await api.seed()
    admin = await api.client("admin")
    r = await admin.post("/api/v1/auth/tokens", json={"name": "schemathesis"})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def fuzz(operation: Any, headers: dict[str, str], statuses: dict[int, int]) -> str | None:
    """Run the checks on EXAMPLES generated cases of one operation; the failure, if any."""

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    try:
        run()
    except Exception as exc:  # a check failed: report it with the operation
        return f"{operation.label}: {str(exc)[:1500]}"
    return None


@pytest.mark.temporal
async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    api: Api,
    temporal_client: Client,  # noqa: F811
) -> None:
    # background imports start real runs (no worker takes them; their progress says running)
    api.services.temporal = TemporalConnection("unused", "default", temporal_client)
    token = await admin_token(api)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi(DOC, api.h.app, headers=headers)
    ops = [op.ok() for op in schema.get_all_operations()]
    assert len(ops) >= 30
    statuses: dict[int, int] = {}
    failures = [f for op in ops if (f := fuzz(op, headers, statuses)) is not None]
    assert not failures, "\n\n".join(failures)
    assert statuses.get(200) and statuses.get(201), statuses  # real work, not only refusals
