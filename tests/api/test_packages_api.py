"""The package API on a real Temporal dev server, worker and sandbox: a tenant admin lists the
catalog, installs, upgrades, disables, enables and uninstalls packages as PackageInstall runs;
pages and the entity API follow as soon as a run ends; levels, tenants, conflicts and refused
changes answer as web/api/packages.py says."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from dbal.scope import Scope
from engine.packages.lifecycle import PackageManager
from engine.workflows.package_install import PackageChange, start_package_change
from tests.api.conftest import PACKAGES, Api, with_worker
from tests.auth.harness import BUILTIN, login
from tests.fixtures.temporal import task_queue, temporal_client, temporal_server  # noqa: F401

pytestmark = [pytest.mark.temporal, pytest.mark.slow]

LIFECYCLE = PACKAGES / "lifecycle"
API = "/api/v1/acme/packages"
WAIT = "?wait=30"


@pytest.fixture
async def stack(
    database_url: str,
    tmp_path: Path,
    temporal_client: Client,  # noqa: F811
    task_queue: str,  # noqa: F811
) -> AsyncIterator[Api]:
    dirs = (BUILTIN, PACKAGES, LIFECYCLE)
    data = tmp_path / "data"
    async with with_worker(database_url, data, temporal_client, task_queue, dirs) as api:
        manager = PackageManager(api.h.db, api.services.catalog)
        for slug in ("acme", "rival"):
            api.tenants[slug] = api.h.tenant(slug)
            manager.install(api.tenants[slug]["id"], "forum")
        for role in ("user", "moderator", "admin"):
            api.users[role] = api.h.user("acme", role, role)
        api.users["rival-admin"] = api.h.user("rival", "rival-admin", "admin")
        api.users["rival-god"] = api.h.user("rival", "rival-god", "god")
        yield api


def item(listing: httpx.Response, package_id: str) -> dict[str, Any]:
    assert listing.status_code == 200, listing.text
    found = [i for i in listing.json()["items"] if i["id"] == package_id]
    assert len(found) == 1, listing.text
    return found[0]


async def change(
    client: httpx.AsyncClient, package: str, verb: str, query: str = WAIT, **body: Any
) -> httpx.Response:
    return await client.post(f"{API}/{package}/{verb}{query}", json=body)


async def follow(client: httpx.AsyncClient, started: dict[str, Any]) -> dict[str, Any]:
    """The run, through the runs API, once it has ended."""
    url = f"/api/v1/acme/runs/{started['workflowId']}?runId={started['runId']}"
    deadline = time.monotonic() + 60
    while True:
        r = await client.get(url)
        assert r.status_code == 200, r.text
        if r.json()["status"] != "running" or time.monotonic() > deadline:
            return dict(r.json())
        await asyncio.sleep(0.2)


async def test_the_listing_shows_each_catalog_package_with_the_tenants_install(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    listing = await admin.get(API)
    notes = item(listing, "notes")
    assert notes["installedVersion"] is None and notes["enabled"] is None
    assert notes["availableVersion"] == "1.1.0" and notes["versions"] == ["1.0.0", "1.1.0"]
    assert notes["upgradeAvailable"] is False and notes["inCatalog"] is True
    forum = item(listing, "forum")
    assert (forum["installedVersion"], forum["enabled"], forum["upgradeAvailable"]) == (
        "1.0.0",
        True,
        False,
    )
    assert item(listing, "orphan")["dependencies"] == {"no_such_package": "^1.0.0"}

    r = await change(admin, "notes", "install", version="1.0.0")
    assert r.status_code == 200, r.text
    notes = item(await admin.get(API), "notes")
    assert (notes["installedVersion"], notes["enabled"], notes["upgradeAvailable"]) == (
        "1.0.0",
        True,
        True,
    )
    assert notes["installedAt"] is not None


async def test_an_install_runs_as_a_workflow_and_its_page_is_served_when_it_ends(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    visitor = await stack.client("anonymous")
    assert (await visitor.get("/acme/notes")).status_code == 404

    r = await change(admin, "notes", "install", query="")
    assert r.status_code == 202, r.text
    started = r.json()
    assert started["workflowId"] == "acme/notes/package-change"
    assert (started["status"], started["op"], started["package"]) == ("running", "install", "notes")
    run = await follow(admin, started)
    assert run["status"] == "completed", run
    assert (run["kind"], run["action"], run["user"]) == ("install", "package-install",
                                                         stack.users["admin"])  # fmt: skip

    page = await visitor.get("/acme/notes")
    assert page.status_code == 200, page.text
    assert "Notes 1.1.0" in page.text
    # the init script ran as a child run of the install
    kv = stack.services.db.kv(Scope.system(stack.tenants["acme"]["id"]))
    assert kv.get("notes-setup") == "install"


async def test_waiting_answers_with_the_result_and_the_entity_api_follows_at_once(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    user = await stack.client("user")
    # the entity API has just looked at (and cached) the tenant's packages
    assert (await user.get("/api/v1/acme/notes/note")).status_code == 404

    r = await change(admin, "notes", "install", version="1.0.0")
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["op"]) == ("completed", "install")
    assert done["result"]["changed"] == ["notes@1.0.0"]
    assert len(done["result"]["initRuns"]) == 1
    created = await user.post("/api/v1/acme/notes/note", json={"text": "first"})
    assert created.status_code == 201, created.text
    assert (await user.get("/acme/notes")).status_code == 200

    # installing again moves to the newest version: an upgrade, the page shows it at once
    r = await change(admin, "notes", "install")
    assert r.status_code == 200, r.text
    assert (r.json()["op"], r.json()["result"]["changed"]) == ("upgrade", ["notes@1.1.0"])
    assert "Notes 1.1.0" in (await user.get("/acme/notes")).text
    listed = item(await admin.get(API), "notes")
    assert (listed["installedVersion"], listed["upgradeAvailable"]) == ("1.1.0", False)
    assert (await user.get("/api/v1/acme/notes/note")).json()["items"][0]["text"] == "first"


async def test_a_tenant_runs_the_version_it_installed_until_it_upgrades(stack: Api) -> None:
    """The catalog holds notes 1.0.0 and 1.1.0: a tenant on 1.0.0 is served 1.0.0's page and
    runs 1.0.0's action, while another tenant runs 1.1.0; the upgrade moves it over."""
    admin, user = await stack.client("admin"), await stack.client("user")
    assert (await change(admin, "notes", "install", version="1.0.0")).status_code == 200
    rival = stack.tenants["rival"]["id"]
    PackageManager(stack.services.db, stack.services.catalog).install(rival, "notes")

    async def served() -> tuple[str, Any]:
        page = await user.get("/acme/notes")
        action = await user.post("/api/v1/acme/notes/actions/version", json={})
        assert (page.status_code, action.status_code) == (200, 200), action.text
        shown = "1.1.0" if "Notes 1.1.0" in page.text else "1.0.0" * ("Notes 1.0.0" in page.text)
        return shown, action.json()["result"]

    assert await served() == ("1.0.0", "1.0.0")
    rival_admin = await stack.client("rival-admin")
    theirs = await rival_admin.post("/api/v1/rival/notes/actions/version", json={})
    assert (await rival_admin.get("/rival/notes")).text.count("Notes 1.1.0") == 1
    assert theirs.json()["result"] == "1.1.0"

    r = await change(admin, "notes", "install")
    assert (r.status_code, r.json()["op"]) == (200, "upgrade"), r.text
    assert await served() == ("1.1.0", "1.1.0")


async def test_disable_hides_the_package_enable_brings_it_back_uninstall_removes_it(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    visitor = await stack.client("anonymous")
    assert (await change(admin, "notes", "install")).status_code == 200
    assert (await visitor.get("/acme/notes")).status_code == 200
    assert (await admin.post("/api/v1/acme/notes/note", json={"text": "x"})).status_code == 201

    r = await change(admin, "notes", "disable")
    assert (r.status_code, r.json()["op"]) == (200, "disable"), r.text
    assert (await visitor.get("/acme/notes")).status_code == 404
    assert (await admin.get("/api/v1/acme/notes/note")).status_code == 404
    assert item(await admin.get(API), "notes")["enabled"] is False

    assert (await change(admin, "notes", "enable")).status_code == 200
    assert (await visitor.get("/acme/notes")).status_code == 200
    assert item(await admin.get(API), "notes")["enabled"] is True

    assert (await change(admin, "notes", "uninstall")).status_code == 200
    assert (await visitor.get("/acme/notes")).status_code == 404
    assert (await admin.get("/api/v1/acme/notes/note")).status_code == 404
    notes = item(await admin.get(API), "notes")
    assert (notes["installedVersion"], notes["enabled"]) == (None, None)


# who may list and change: (caller, listing status, change status)
ACCESS = [
    ("anonymous", 401, 401),
    ("user", 403, 403),
    ("moderator", 403, 403),
    ("rival-admin", 404, 404),  # signed in elsewhere: as if acme did not exist
    ("admin", 200, 200),
    ("rival-god", 200, 200),  # gods act in every tenant
]


@pytest.mark.parametrize(("who", "listing", "changing"), ACCESS)
async def test_only_the_tenants_admins_and_gods_manage_its_packages(
    stack: Api, who: str, listing: int, changing: int
) -> None:
    client = await stack.client(who)
    r = await client.get(API)
    assert r.status_code == listing, r.text
    r = await change(client, "forum", "disable")
    assert r.status_code == changing, r.text
    if changing != 200:
        assert r.json()["error"] in ("UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND")
        rows = stack.services.db.installed_packages.list(stack.tenants["acme"]["id"])
        assert [row["package_id"] for row in rows] == ["forum"]  # still enabled
    if who == "rival-admin":
        unknown = await client.get("/api/v1/nosuch/packages")
        assert r.json() == {**unknown.json(), "message": "no tenant 'acme'"}


async def test_an_admin_changes_only_their_own_tenant(stack: Api) -> None:
    admin = await stack.client("admin")
    rival = await stack.client("rival-admin")
    r = await admin.post("/api/v1/rival/packages/forum/uninstall?wait=30", json={})
    assert r.status_code == 404, r.text
    assert (await admin.get("/api/v1/rival/packages")).status_code == 404
    assert item(await rival.get("/api/v1/rival/packages"), "forum")["installedVersion"] == "1.0.0"

    assert (await change(admin, "notes", "install")).status_code == 200
    assert item(await rival.get("/api/v1/rival/packages"), "notes")["installedVersion"] is None
    assert (await rival.get("/rival/notes")).status_code == 404
    # the run belongs to acme: rival's admin cannot see it either
    assert (await rival.get("/api/v1/rival/runs/acme/notes/package-change")).status_code == 404


async def test_a_second_change_of_a_package_while_one_runs_is_a_conflict(
    stack: Api,
    temporal_client: Client,  # noqa: F811
) -> None:
    acme = stack.tenants["acme"]
    # an install no worker picks up stays open for as long as the test needs
    blocker = await start_package_change(
        temporal_client,
        PackageChange(acme["id"], "acme", "notes", "install"),
        task_queue=f"idle-{uuid.uuid4()}",
        exclusive=True,
    )
    admin = await stack.client("admin")
    try:
        # uninstall too: the run in flight is the answer, not "notes is not installed"
        for verb in ("install", "uninstall"):
            r = await change(admin, "notes", verb, query="")
            assert r.status_code == 409, r.text
            assert r.json()["error"] == "CONFLICT"
            assert r.json()["details"] == {"workflowId": blocker.id,
                                           "runId": blocker.result_run_id}  # fmt: skip
        # another package is not held up
        other = await change(admin, "forum", "disable", query="")
        assert other.status_code == 202, other.text
        assert (await follow(admin, other.json()))["status"] == "completed"
    finally:
        await blocker.terminate("test over")
    r = await change(admin, "notes", "install")
    assert r.status_code == 200, r.text
    assert r.json()["runId"] != blocker.result_run_id


async def test_a_retried_request_with_its_idempotency_key_joins_the_first_run(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    key = {"idempotency-key": f"k-{uuid.uuid4()}"}
    first = await admin.post(f"{API}/forum/disable", json={}, headers=key)
    assert first.status_code == 202, first.text
    again = await admin.post(f"{API}/forum/disable{WAIT}", json={}, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["runId"] == first.json()["runId"]
    # once it has ended, the retry still answers with that run instead of a new one
    late = await admin.post(f"{API}/forum/disable", json={}, headers=key)
    assert (late.status_code, late.json()["runId"]) == (200, first.json()["runId"])
    other = await admin.post(f"{API}/forum/uninstall", json={}, headers=key)
    assert other.status_code == 422, other.text
    huge = await admin.post(f"{API}/forum/enable", json={}, headers={"idempotency-key": "k" * 201})
    assert huge.status_code == 422, huge.text


async def test_a_package_whose_dependency_is_missing_is_refused_before_any_run(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    r = await change(admin, "orphan", "install", query="")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "DEPENDENCY_ERROR"
    assert "no_such_package" in body["message"]
    assert body["details"]["error"] == "MissingDependency"
    assert "no_such_package" in body["details"]["chain"]
    run = await admin.get("/api/v1/acme/runs/acme/orphan/package-change")
    assert run.status_code == 404, run.text  # nothing was started
    assert item(await admin.get(API), "orphan")["installedVersion"] is None


async def test_dependencies_are_installed_first_and_cannot_be_uninstalled_under_a_dependent(
    stack: Api,
) -> None:
    admin = await stack.client("admin")
    r = await change(admin, "notes_tags", "install")
    assert r.status_code == 200, r.text
    assert r.json()["result"]["changed"] == ["notes@1.1.0", "notes_tags@1.0.0"]
    r = await change(admin, "notes", "uninstall", query="")
    assert r.status_code == 422, r.text
    assert (r.json()["error"], r.json()["details"]["chain"]) == (
        "DEPENDENCY_ERROR",
        ["notes_tags", "notes"],
    )
    assert item(await admin.get(API), "notes")["installedVersion"] == "1.1.0"
    assert (await change(admin, "notes_tags", "uninstall")).status_code == 200
    assert (await change(admin, "notes", "uninstall")).status_code == 200


async def test_a_change_that_fails_in_its_run_is_422_with_the_runs_failure(stack: Api) -> None:
    admin = await stack.client("admin")
    r = await change(admin, "brittle", "install")
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "PACKAGE_CHANGE_FAILED"
    details = body["details"]
    assert details["workflowId"] == "acme/brittle/package-change" and details["runId"]
    assert (details["status"], details["step"], details["compensated"]) == (
        "failed",
        "init:brittle/setup",
        True,
    )
    assert "no warehouse configured" in body["message"]
    assert "no warehouse configured" in details["cause"]["message"]
    assert item(await admin.get(API), "brittle")["installedVersion"] is None  # rolled back


REFUSED = [
    # (package, verb, query, body, status, error)
    ("nosuch", "install", "", {}, 404, "NOT_FOUND"),
    ("no/such", "install", "", {}, 404, "NOT_FOUND"),
    ("notes", "enable", "", {}, 404, "NOT_FOUND"),  # not installed
    ("notes", "uninstall", "", {}, 404, "NOT_FOUND"),
    ("notes", "install", "", {"version": "9.9.9"}, 422, "DEPENDENCY_ERROR"),
    ("notes", "install", "", {"force": True}, 422, "VALIDATION_ERROR"),
    ("notes", "install", "", {"config": []}, 422, "VALIDATION_ERROR"),
    ("forum", "install", "", {"config": {"a": 1}}, 422, "VALIDATION_ERROR"),  # installed
    ("-rf", "install", "", {}, 404, "NOT_FOUND"),
    ("x" * 129, "install", "", {}, 404, "NOT_FOUND"),
    ("forum", "disable", "", {"version": "1.0.0"}, 422, "VALIDATION_ERROR"),
    ("forum", "disable", "?wait=600", {}, 422, "VALIDATION_ERROR"),
    ("forum", "disable", "?wait=soon", {}, 422, "VALIDATION_ERROR"),
]


@pytest.mark.parametrize(("package", "verb", "query", "body", "status", "error"), REFUSED)
async def test_requests_that_cannot_work_are_refused_with_a_clear_error(
    stack: Api, package: str, verb: str, query: str, body: dict[str, Any], status: int, error: str
) -> None:
    admin = await stack.client("admin")
    r = await admin.post(f"{API}/{package}/{verb}{query}", json=body)
    assert r.status_code == status, r.text
    if r.headers.get("content-type", "").startswith("application/json"):
        assert r.json()["error"] == error and r.json()["message"]


async def test_a_change_from_a_browser_session_needs_the_csrf_token(stack: Api) -> None:
    async with stack.h.client(browser=False) as bare:
        assert (await login(bare, "acme", "admin")).status_code == 200
        r = await bare.post(f"{API}/forum/disable", json={})
        assert (r.status_code, r.json()["error"]) == (403, "CSRF_FAILED")
    assert item(await (await stack.client("admin")).get(API), "forum")["enabled"] is True


async def test_the_api_document_shows_package_management_to_admins_only(stack: Api) -> None:
    doc = "/api/v1/acme/openapi.json"
    admin = (await (await stack.client("admin")).get(doc)).json()["paths"]
    assert "get" in admin[API]
    assert {f"{API}/{{package}}/{verb}" for verb in ("install", "enable", "disable",
                                                      "uninstall")} <= set(admin)  # fmt: skip
    moderator = (await (await stack.client("moderator")).get(doc)).json()["paths"]
    assert not any(path.startswith(API) for path in moderator)
