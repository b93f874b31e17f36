from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.client import Client

from tests.fixtures.browser import browser, page  # noqa: F401
from tests.fixtures.temporal import task_queue, temporal_client, temporal_server  # noqa: F401
from tests.web.runs.world import World, serve_world


@pytest_asyncio.fixture(scope="module")
async def world(
    temporal_client: Client,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[World]:
    async for built in serve_world(temporal_client, tmp_path_factory.mktemp("runs")):
        yield built
