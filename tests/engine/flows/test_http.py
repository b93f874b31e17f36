"""Flows over HTTP against the real app, database and Temporal dev server: start (sync and
async), webhooks with secrets, approvals with level and tenant checks, entity events,
validation before save."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from dbal.scope import Scope
from engine.cli.services import build_app
from engine.config import load_settings
from engine.flows.dispatch import FlowRequest
from engine.temporal_client import TemporalConnection
from tests.engine.flows.defs import flow, node
from tests.engine.flows.harness import HOOK_SECRET, Stack
from tests.engine.flows.test_waiting import until_waiting
from tests.web.app import client
from web.identity import Identity

pytestmark = pytest.mark.temporal


@pytest_asyncio.fixture
async def app(stack: Stack, tmp_path: Any) -> AsyncIterator[Starlette]:
    settings = load_settings({}, data_dir=tmp_path).with_overrides(task_queue=stack.task_queue)
    conn = TemporalConnection("unused", "default", stack.client)
    yield build_app(settings, stack.db, stack.world.catalog, conn)


def user(stack: Stack, level: int, tenant: str = "acme") -> Identity:
    return Identity(
        user_id=f"user-{level}",
        username=f"u{level}",
        level=level,
        tenant_id=stack.tenant(tenant)["id"],
    )


def as_(app: Starlette, identity: Identity | None = None) -> httpx.AsyncClient:
    return client(app, identity)


async def test_starting_a_flow_waits_for_its_http_response(app: Starlette, stack: Stack) -> None:
    title = f"t-{uuid.uuid4().hex[:6]}"
    async with as_(app, user(stack, 1)) as http:
        answer = await http.post(
            "/api/v1/acme/flow_demo/flows/create_note", json={"input": {"title": title}}
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "completed" and body["result"]["title"] == title
    assert body["workflowId"].startswith("acme/flow_demo/flow:create_note/")
    assert [n for n in stack.notes() if n["title"] == title]


async def test_async_start_answers_202_with_the_run_id(app: Starlette, stack: Stack) -> None:
    async with as_(app, user(stack, 1)) as http:
        answer = await http.post(
            "/api/v1/acme/flow_demo/flows/create_note?async=1", json={"title": "x"}
        )
    assert answer.status_code == 202 and answer.json()["status"] == "running"
    handle = stack.client.get_workflow_handle(answer.json()["workflowId"])
    await handle.result()


async def test_a_failed_node_is_reported_with_its_id(app: Starlette, stack: Stack) -> None:
    async with as_(app, user(stack, 1)) as http:
        answer = await http.post(
            "/api/v1/acme/flow_demo/flows/create_note", json={"body": "no title"}
        )
    body = answer.json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "VALIDATION_FAILED" and body["error"]["node"] == "check"


@pytest.mark.parametrize(
    ("path", "identity_level", "status"),
    [
        ("/api/v1/acme/flow_demo/flows/create_note", None, 401),  # manual trigger needs level 1
        ("/api/v1/acme/flow_demo/flows/on_note_created", 1, 403),  # no manual trigger
        ("/api/v1/acme/flow_demo/flows/nope", 1, 404),
        ("/api/v1/acme/hello_world/flows/create_note", 1, 404),  # not installed here
        ("/api/v1/nowhere/flow_demo/flows/create_note", 1, 404),
    ],
)
async def test_starts_are_refused_before_anything_runs(
    app: Starlette, stack: Stack, path: str, identity_level: int | None, status: int
) -> None:
    identity = user(stack, identity_level) if identity_level is not None else None
    async with as_(app, identity) as http:
        answer = await http.post(path, json={"title": "x"})
    assert answer.status_code == status
    assert set(answer.json()) >= {"error", "message"}


@pytest.mark.parametrize(
    ("secret", "status"), [(HOOK_SECRET, 201), ("wrong", 401), (None, 401), (HOOK_SECRET[:-1], 401)]
)
async def test_webhooks_need_the_flows_secret(
    app: Starlette, stack: Stack, secret: str | None, status: int
) -> None:
    title = f"hook-{uuid.uuid4().hex[:6]}"
    headers = {"x-webhook-secret": secret} if secret is not None else {}
    async with as_(app) as http:  # no session, no cookies: a server calling in
        answer = await http.post(
            "/api/v1/acme/hooks/create_note", json={"title": title}, headers=headers
        )
    assert answer.status_code == status, answer.text
    created = [n for n in stack.notes() if n["title"] == title]
    if status == 201:
        assert answer.json()["title"] == title and len(created) == 1
    else:
        assert answer.json()["error"] == "UNAUTHORIZED" and not created


async def test_a_flow_without_a_webhook_trigger_has_no_hook(app: Starlette) -> None:
    async with as_(app) as http:
        answer = await http.post(
            "/api/v1/acme/hooks/review_note", json={}, headers={"x-webhook-secret": HOOK_SECRET}
        )
    assert answer.status_code == 404


async def review(stack: Stack, note_title: str) -> tuple[str, str]:
    scope = Scope.for_user(stack.tenant()["id"], "u", 1)
    note = stack.db.entities(scope, package="flow_demo").create("note", {"title": note_title})
    handle = await stack.dispatcher.start(
        FlowRequest(
            stack.tenant()["id"],
            "acme",
            "flow_demo",
            "review_note",
            input={"id": note["id"]},
            user_id="author",
            user_level=1,
        )
    )
    await until_waiting(handle, "review")
    return handle.id, note["id"]


@pytest.mark.parametrize(
    ("url_tenant", "identity_tenant", "level", "status"),
    [
        ("acme", "acme", None, 401),  # anonymous
        ("acme", "acme", 1, 403),  # below the node's minLevel 2
        ("globex", "globex", 5, 404),  # another tenant's URL never reaches the run
        ("acme", "acme", 2, 200),
    ],
)
async def test_approving_over_http_checks_level_and_tenant(
    app: Starlette,
    stack: Stack,
    url_tenant: str,
    identity_tenant: str,
    level: int | None,
    status: int,
) -> None:
    workflow_id, note_id = await review(stack, f"review-{uuid.uuid4().hex[:6]}")
    identity = user(stack, level, identity_tenant) if level is not None else None
    async with as_(app, identity) as http:
        answer = await http.post(
            f"/api/v1/{url_tenant}/runs/{workflow_id}/approve", json={"comment": "ok"}
        )
    assert answer.status_code == status, answer.text
    handle = stack.client.get_workflow_handle(workflow_id)
    if status == 200:
        assert answer.json()["decision"]["approved"] is True
        await handle.result()
        assert [n["status"] for n in stack.notes() if n["id"] == note_id] == ["approved"]
    else:
        assert (await handle.query("progress"))["status"] == "waiting"
        await handle.terminate()


async def test_rejecting_over_http_takes_the_rejected_path(app: Starlette, stack: Stack) -> None:
    workflow_id, note_id = await review(stack, f"review-{uuid.uuid4().hex[:6]}")
    async with as_(app, user(stack, 3)) as http:
        answer = await http.post(f"/api/v1/acme/runs/{workflow_id}/reject", json={})
    async with as_(app, user(stack, 3)) as http:  # a new client: no CSRF cookie to echo
        again = await http.post(f"/api/v1/acme/runs/{workflow_id}/reject", json={})
    assert answer.status_code == 200 and answer.json()["decision"]["approved"] is False
    await stack.client.get_workflow_handle(workflow_id).result()
    assert [n["status"] for n in stack.notes() if n["id"] == note_id] == ["rejected"]
    assert again.status_code in (404, 409), again.text


async def test_an_entity_create_starts_the_flows_triggered_by_it(
    app: Starlette, stack: Stack
) -> None:
    title = f"evt-{uuid.uuid4().hex[:6]}"
    async with as_(app, user(stack, 1)) as http:
        answer = await http.post("/api/v1/acme/flow_demo/note", json={"title": title})
    assert answer.status_code in (200, 201), answer.text
    for _ in range(100):
        found = [n for n in stack.notes() if n["title"] == title]
        if found and found[0]["count"] == 1:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"on_note_created did not run: {found}")


async def test_validation_before_save_reports_node_and_field(app: Starlette, stack: Stack) -> None:
    bad = flow(
        node("a", "database", operation="database_read"),
        node("b", "transform", output="{{ $json. }}"),
        node("c", "nosuch"),
        edges=["a>b", "b>ghost"],
    )
    async with as_(app, user(stack, 1)) as http:
        answer = await http.post("/api/v1/acme/flows/validate", json=bad)
    async with as_(app) as anonymous:
        refused = await anonymous.post("/api/v1/acme/flows/validate", json=bad)
    assert answer.status_code == 200 and answer.json()["ok"] is False
    where = {(i.get("node"), i.get("field"), i["code"]) for i in answer.json()["issues"]}
    assert ("a", "parameters.entity", "missing_parameter") in where
    assert ("b", "parameters.output", "bad_expression") in where
    assert ("c", "type", "unknown_type") in where
    assert ("b", "connections.b.main[0][0].node", "dangling_connection") in where
    assert refused.status_code == 401


async def test_a_browser_request_with_a_session_still_needs_the_csrf_token(
    app: Starlette, stack: Stack
) -> None:
    """Webhooks are exempt only because servers send no cookies: a request riding on a
    browser's cookies without the CSRF token is refused before the flow is looked at."""
    async with as_(app) as http:
        answer = await http.post(
            "/api/v1/acme/hooks/create_note",
            json={"title": "csrf"},
            headers={"x-webhook-secret": HOOK_SECRET, "cookie": "mb_session=abc; mb_csrf=t1"},
        )
    assert answer.status_code == 403 and answer.json()["error"] == "CSRF_FAILED"
    assert not [n for n in stack.notes() if n["title"] == "csrf"]
