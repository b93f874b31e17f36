from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auth.harness import Harness, build
from tests.fixtures.databases import database, database_url  # noqa: F401


@pytest.fixture
def harness(database_url: str, tmp_path: Path) -> Iterator[Harness]:  # noqa: F811
    yield from build(database_url, tmp_path / "data")
