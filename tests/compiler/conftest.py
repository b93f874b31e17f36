from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.compiler import EsbuildNotFoundError, find_esbuild


@pytest.fixture(autouse=True)
def _fresh_binary_lookup() -> Iterator[None]:
    """Each test finds esbuild anew, so tests that hide it cannot leak into others."""
    find_esbuild.cache_clear()
    yield
    find_esbuild.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _esbuild_installed() -> None:
    try:
        find_esbuild()
    except EsbuildNotFoundError as exc:  # fail loudly: the setup command installs it
        pytest.fail(str(exc), pytrace=False)
