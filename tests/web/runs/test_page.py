"""The runs page (package ui_runs): rendered by the component renderer for signed-in members,
filled by the client runtime from the runs API, live in a real Chromium."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect
from temporalio.client import Client

from engine.compiler import build_client_runtime
from tests.auth.harness import PASSWORD
from tests.fixtures.browser import artifact
from tests.web.runs.world import World, gate, serve_world

pytestmark = pytest.mark.temporal


@pytest_asyncio.fixture(scope="module")
async def live(
    temporal_client: Client, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    runtime = tmp_path_factory.mktemp("runtime")
    build_client_runtime(runtime)
    async for world in serve_world(
        temporal_client, tmp_path_factory.mktemp("runs-page"), runtime_dir=runtime
    ):
        yield world


async def test_the_page_renders_for_members(live: World) -> None:
    slug = live.tenants["a"]
    alice = await live.session("alice")
    html = (await alice.get(f"/{slug}/runs")).text
    assert 'data-runs="browser"' in html and 'data-runs-level="1"' in html
    assert 'name="status"' in html and 'name="user"' not in html  # users filter only own runs
    assert "The runs you started." in html
    admin = (await (await live.session("ada")).get(f"/{slug}/runs")).text
    assert 'name="user"' in admin and "Every run of this tenant" in admin


async def test_anonymous_visitors_are_sent_to_sign_in(live: World) -> None:
    async with live.anonymous() as anonymous:
        answer = await anonymous.get(f"/{live.tenants['a']}/runs")
    assert answer.status_code == 303
    assert "/login?next=" in answer.headers["location"]


async def sign_in(page: Page, world: World, username: str, target: str) -> None:
    """Open `target` (a path), which sends us through the login form and back."""
    await page.goto(world.url + target)
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.browser
async def test_a_running_action_turns_completed_live(live: World, page: Page) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not str(m.location.get("url")).endswith("/favicon.ico")
            else None
        ),
    )
    name = str(uuid.uuid4())
    started = await live.action(
        "alice", "gated", {"gate": name, "note": "<b>not html</b>"}, wait=False
    )
    await sign_in(page, live, "alice", f"/{live.tenants['a']}/runs")
    row = page.locator(f'tr[data-workflow-id="{started.workflow_id}"]')
    await expect(row.locator("[data-status]").first).to_have_attribute("data-status", "running")
    await expect(page.locator('[data-runs="needs-js"]')).to_be_hidden()
    gate(name).set()
    await expect(row.locator("[data-status]").first).to_have_attribute(
        "data-status", "completed", timeout=10_000
    )
    await row.get_by_role("link").click()
    detail = page.locator('[data-runs="detail"]')
    await expect(detail).to_be_visible()
    await expect(detail.locator('[data-runs="input"]')).to_contain_text('"note": "<b>not html</b>"')
    await expect(detail.locator('[data-runs="result"]')).to_contain_text('"echo"')
    link = detail.locator('[data-runs="temporal"]')
    href = await link.get_attribute("href")
    assert href is not None and started.run_id in href and href.endswith("/history")
    await expect(page.locator("#run-retry")).to_be_visible()
    await expect(page.locator("#run-cancel")).to_be_hidden()
    assert f"run={started.workflow_id.replace('/', '%2F')}" in page.url
    await page.screenshot(path=artifact("runs-page.png"), full_page=True)
    assert problems == [], "\n".join(problems)


@pytest.mark.browser
async def test_a_flow_shows_its_steps_live_approve_and_cancel(live: World, page: Page) -> None:
    flow = await live.flow("alice", [("fetch", 1), ("save", 1), ("notify", 3)])
    await sign_in(page, live, "alice", f"/{live.tenants['a']}/runs")
    await page.goto(f"{live.url}/{live.tenants['a']}/runs?run={flow.id}")
    await expect(page.locator('[data-runs="nodes"] tr')).to_have_count(3)
    await expect(page.locator('tr[data-node="fetch"]')).to_have_attribute("data-status", "waiting")
    await page.locator("#run-approve").click()  # the button posts to the flows API
    await expect(page.locator('tr[data-node="fetch"]')).to_have_attribute("data-status", "done")
    await expect(page.locator('tr[data-node="save"]')).to_have_attribute("data-status", "waiting")
    assert (await live.decide("alice", flow.id)).status_code == 200  # from elsewhere: live
    await expect(page.locator('tr[data-node="save"]')).to_have_attribute("data-status", "done")
    await expect(page.locator('tr[data-node="notify"]')).to_have_attribute("data-status", "waiting")
    await expect(page.locator("#run-approve")).to_be_hidden()  # notify needs level 3
    await page.locator("#run-cancel").click()
    await expect(page.locator('[data-runs="summary"] [data-status]').first).to_have_attribute(
        "data-status", "cancelled", timeout=10_000
    )
    await expect(page.locator("#run-cancel")).to_be_hidden()


@pytest.mark.browser
async def test_filters_narrow_the_list(live: World, page: Page) -> None:
    done = await live.action("alice", "echo", {"n": 1})
    failed = await live.action("alice", "broken", {})
    await sign_in(page, live, "alice", f"/{live.tenants['a']}/runs")
    await expect(page.locator(f'tr[data-workflow-id="{failed.workflow_id}"]')).to_be_visible()
    await page.get_by_label("Status").select_option("failed")
    await page.locator("#runs-apply").click()
    await expect(page.locator(f'tr[data-workflow-id="{done.workflow_id}"]')).to_have_count(0)
    await expect(page.locator(f'tr[data-workflow-id="{failed.workflow_id}"]')).to_be_visible()
    assert "status=failed" in page.url
    await page.reload()
    await expect(page.get_by_label("Status")).to_have_value("failed")
