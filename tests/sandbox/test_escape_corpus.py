"""Acceptance 1: every escape attempt in the corpus meets its specific refusal, through the
real pool, and the pool keeps serving afterwards."""

from __future__ import annotations

import pytest

from scripts_runtime.sandbox import SandboxPool
from tests.sandbox.conftest import RecordingHost, run_script
from tests.sandbox.escape_corpus import CORPUS, Escape


def test_the_corpus_is_large_enough_and_names_are_unique() -> None:
    assert len(CORPUS) >= 60
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.name)
async def test_escape_attempt_is_refused(pool: SandboxPool, case: Escape) -> None:
    result = await run_script(
        pool,
        case.script,
        RecordingHost(),
        filename=f"{case.name}.py",
        timeout_s=case.timeout_s,
        memory_mb=case.memory_mb,
    )
    if case.code is None:
        assert result.ok, result.error
        assert result.value == case.value
    else:
        assert result.error is not None, f"not refused: {result.value!r}"
        assert result.error.code == case.code, result.error
        assert case.message in result.error.message
        assert result.error.filename == f"{case.name}.py"
        if case.host_code is not None:
            assert result.error.host_code == case.host_code


async def test_the_pool_still_serves_after_the_corpus(pool: SandboxPool) -> None:
    result = await run_script(pool, "def main(ctx):\n    return sum([1, 2, 3])\n")
    assert result.value == 6
    assert len(pool.child_pids) == pool.size
