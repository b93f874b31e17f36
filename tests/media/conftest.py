from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.fixtures.databases import database_url  # noqa: F401
from tests.fixtures.temporal import (  # noqa: F401
    task_queue,
    temporal_client,
    temporal_server,
    time_skipping_env,
)
from tests.media.clips import Clips


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips.build(tmp_path_factory.mktemp("clips"))


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def tenant() -> str:
    return f"t{uuid.uuid4().hex[:12]}"
