"""The walking skeleton end to end: `metabuilder up`, a page from package JSON, a button whose
action runs as a Temporal workflow in the sandbox and writes through the DBAL, a clean stop,
and data that survives a restart. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.stack import EmbeddedStack
from tests.fixtures.browser import artifact

pytestmark = [pytest.mark.temporal, pytest.mark.browser, pytest.mark.slow]

TEMPORAL = str(Path(sys.executable).parent / "temporal")


@pytest.fixture
def stack(tmp_path: Path, database_url: str) -> Iterator[EmbeddedStack]:
    url = None if database_url.startswith("sqlite") else database_url
    instance = EmbeddedStack(tmp_path / "var", database_url=url)
    yield instance
    instance.kill()


def workflow_list(stack: EmbeddedStack, query: str) -> list[dict[str, object]]:
    out = subprocess.run(
        [TEMPORAL, "workflow", "list", "--address", stack.temporal_address,
         "--query", query, "--output", "json"],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout  # fmt: skip
    return json.loads(out) if out.strip() else []


async def test_click_twice_then_stop_and_restart_keeps_the_count(
    stack: EmbeddedStack, page: Page, database_url: str
) -> None:
    stack.start()
    async with httpx.AsyncClient() as http:
        assert (await http.get(stack.url + "/healthz")).status_code == 200
        ui = await http.get(f"http://127.0.0.1:{stack.ports.ui}/", timeout=5)
        assert ui.status_code == 200

    await page.goto(stack.url + "/default/hello")
    await expect(page.get_by_text("Count: 0")).to_be_visible()
    button = page.get_by_role("button", name="Count one more")
    await button.click()
    await expect(page.get_by_text("Count: 1")).to_be_visible()
    await button.click()
    await expect(page.get_by_text("Count: 2")).to_be_visible()
    leg = "sqlite" if database_url.startswith("sqlite") else "postgres"
    await page.screenshot(path=artifact(f"hello-{leg}.png"), full_page=True)

    runs = workflow_list(stack, 'MbTenant = "default" AND MbAction = "increment"')
    assert len(runs) == 2
    for run in runs:
        assert run["status"] == "WORKFLOW_EXECUTION_STATUS_COMPLETED"
        assert str(run["execution"]["workflowId"]).startswith("default/hello_world/increment/")  # type: ignore[index]

    code, survivors = stack.stop()
    assert code == 0
    assert survivors == set(), f"processes left after SIGTERM: {survivors}"

    stack.start()
    async with httpx.AsyncClient() as http:
        page_html = (await http.get(stack.url + "/default/hello")).text
    assert "Count: 2" in page_html
    code, survivors = stack.stop()
    assert (code, survivors) == (0, set())
