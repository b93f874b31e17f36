from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.fixtures.databases import database_url  # noqa: F401
from tests.views.site import Site, make_site


@pytest_asyncio.fixture
async def site(database_url: str, tmp_path: Path) -> AsyncIterator[Site]:  # noqa: F811
    async for built in make_site(database_url, tmp_path / "data"):
        yield built
