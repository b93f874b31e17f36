"""What runs as Temporal workflows (real dev server, worker and sandbox): entity actions
(`POST .../{entity}/{id}/{action}` runs the package script the entity declares in
`x-actions`, with the row by reference, after the caller's level and read access are
checked) and background imports with their progress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from temporalio.client import Client

from engine.packages.lifecycle import PackageManager
from tests.api.conftest import FORUM, PACKAGES, Api, with_worker
from tests.auth.harness import BUILTIN
from tests.fixtures.temporal import task_queue, temporal_client, temporal_server  # noqa: F401

pytestmark = [pytest.mark.temporal, pytest.mark.slow]


@pytest.fixture
async def stack(
    database_url: str,
    tmp_path: Path,
    temporal_client: Client,  # noqa: F811
    task_queue: str,  # noqa: F811
) -> AsyncIterator[Api]:
    dirs = (BUILTIN, PACKAGES)
    data = tmp_path / "data"
    async with with_worker(database_url, data, temporal_client, task_queue, dirs) as api:
        tenant = api.h.tenant("acme")
        api.tenants["acme"] = tenant
        PackageManager(api.h.db, api.services.catalog).install(tenant["id"], "forum")
        for role in ("user", "moderator", "admin"):
            api.users[role] = api.h.user("acme", role, role)
        yield api


async def test_an_entity_action_runs_its_script_on_the_row(stack: Api) -> None:
    seeded = await stack.seed()
    thread = seeded["threads"][0]
    url = f"{FORUM}/thread/{thread['id']}/lock"
    moderator = await stack.client("moderator")
    r = await moderator.post(url, json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["result"] == {
        "locked": True,
        "id": thread["id"],
    }
    assert (await moderator.get(f"{FORUM}/thread/{thread['id']}")).json()["locked"] is True

    user = await stack.client("user")
    assert (await user.post(url, json={})).status_code == 403  # the script's minLevel is 2
    anonymous = await stack.client("anonymous")
    assert (await anonymous.post(url, json={})).status_code == 401
    assert (await moderator.post(f"{FORUM}/thread/{thread['id']}/explode")).status_code == 404
    assert (await moderator.post(f"{FORUM}/thread/no-such-row/lock")).status_code == 404
    post = seeded["posts"][0]["id"]
    assert (await moderator.post(f"{FORUM}/post/{post}/lock")).status_code == 404  # not declared


async def test_a_background_import_runs_as_a_workflow_and_reports(stack: Api) -> None:
    seeded = await stack.seed()
    admin = await stack.client("admin")
    thread = seeded["threads"][1]["id"]
    lines = [orjson.dumps({"thread_id": thread, "body": f"row {i}"}) for i in range(3000)]
    lines[1500] = orjson.dumps({"thread_id": thread, "body": 7})
    started = await admin.post(
        f"{FORUM}/post/_import", params={"format": "ndjson", "background": "true", "mode": "skip"},
        content=b"\n".join(lines),
    )  # fmt: skip
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["workflowId"].startswith("acme/forum/import-post/")
    assert started.headers["location"] == run["progress"]
    for _ in range(300):
        seen = (await admin.get(run["progress"])).json()
        if seen["status"] != "running":
            break
        assert set(seen["progress"]) == {"total", "valid"}
        await asyncio.sleep(0.2)
    assert seen["status"] == "completed", seen
    report = seen["report"]
    assert (report["total"], report["created"]) == (3000, 2999)
    assert report["errors"] == [{"row": 1501, "field": "body", "error": "must be a string"}]
    total = await admin.get(f"{FORUM}/post", params={"limit": "1", "total": "true"})
    assert total.json()["total"] == 3 + 2999
    user = await stack.client("user")
    refused = await user.post(
        f"{FORUM}/category/_import?background=true&format=ndjson", content=b"{}"
    )
    assert refused.status_code == 403
    assert (await admin.get(f"{FORUM}/post/_imports/not-a-run")).status_code == 404
    other = run["progress"].replace("/post/", "/thread/")
    assert (await admin.get(other)).status_code == 404  # a run is only seen where it started
    assert not list((stack.h.app.state.services.settings.data_dir / "imports").iterdir())
