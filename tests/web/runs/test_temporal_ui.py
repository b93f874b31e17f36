"""The run browser's Temporal UI links open the right run in the real Temporal UI.

The session's dev server runs headless, so this module starts its own with the UI on, runs a
ScriptRun there, and opens the link the API builds (`temporal_url`) in Chromium.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect
from temporalio.client import Client
from temporalio.worker import Worker

from engine import search_attributes
from engine.temporal_server import DevServerConfig, TemporalDevServer
from engine.workflows.script_run import ScriptRun, ScriptRunInput
from tests.fixtures.browser import artifact
from tests.fixtures.ports import free_port
from tests.web.runs.world import PACKAGE, stand_in_run_script
from web.api.run_view import temporal_url

pytestmark = [pytest.mark.temporal, pytest.mark.browser, pytest.mark.slow]


@pytest_asyncio.fixture(scope="module")
async def with_ui(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TemporalDevServer]:
    workdir: Path = tmp_path_factory.mktemp("temporal-ui")
    server = TemporalDevServer(
        DevServerConfig(
            db_file=workdir / "temporal.db",
            log_file=workdir / "temporal.log",
            port=free_port(),
            ui_port=free_port(),
            http_port=free_port(),
            metrics_port=free_port(),
            headless=False,
        )
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_the_link_opens_the_run_in_temporal_ui(
    with_ui: TemporalDevServer, page: Page
) -> None:
    client = await Client.connect(with_ui.target)
    task_queue = f"ui-{uuid.uuid4()}"
    ids = []
    async with Worker(
        client, task_queue=task_queue, workflows=[ScriptRun], activities=[stand_in_run_script]
    ):
        for n in range(2):  # two runs of one workflow id: the link must name the second
            workflow_id = f"acme/{PACKAGE}/echo/{uuid.uuid4()}" if n == 0 else ids[0][0]
            handle = await client.start_workflow(
                ScriptRun.run,
                ScriptRunInput("t1", "acme", PACKAGE, "echo", {"n": n}),
                id=workflow_id,
                task_queue=task_queue,
                search_attributes=search_attributes.run_attributes(
                    tenant="acme", package=PACKAGE, action="echo", user=None, kind="action"
                ),
            )
            await handle.result()
            ids.append((handle.id, handle.result_run_id or handle.run_id))
    workflow_id, run_id = ids[1]
    assert run_id is not None and run_id != ids[0][1]
    ui = f"http://127.0.0.1:{with_ui.config.ui_port}"
    await page.goto(temporal_url(ui, "default", workflow_id, run_id))
    await expect(page.get_by_text(run_id)).to_be_visible(timeout=30_000)
    await expect(page.get_by_text(workflow_id).first).to_be_visible()
    await expect(page.get_by_text("ScriptRun").first).to_be_visible()
    await page.screenshot(path=artifact("runs-temporal-ui.png"))
