"""Acceptance 2: secrets planted in the host's environment and memory are not in the sandbox
processes at all, so no script of the corpus (or any other) can read them."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from scripts_runtime.sandbox import SandboxPool
from tests.sandbox.conftest import RecordingHost, run_script
from tests.sandbox.escape_corpus import CORPUS

PLANTED_DB_URL = "postgresql://mb:PLANTED-DB-PASSWORD-5f1c@127.0.0.1:5432/prod"
PLANTED_SECRET_KEY = "PLANTED-SECRET-KEY-9b7e2d41"
PLANTED_MEMORY = b"PLANTED-IN-HOST-MEMORY-3c88a0"
MARKERS = (b"PLANTED-DB-PASSWORD-5f1c", PLANTED_SECRET_KEY.encode(), PLANTED_MEMORY)


@pytest_asyncio.fixture(loop_scope="session")
async def planted_pool(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxPool]:
    monkeypatch.setenv("METABUILDER_DATABASE_URL", PLANTED_DB_URL)
    monkeypatch.setenv("DATABASE_URL", PLANTED_DB_URL)
    monkeypatch.setenv("METABUILDER_SECRET_KEY", PLANTED_SECRET_KEY)
    held_in_memory = bytearray(PLANTED_MEMORY * 4)  # lives in this (host) process
    async with SandboxPool(size=1) as pool:
        yield pool
    assert held_in_memory


def _readable_memory(pid: int) -> bytes:
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if "r" not in perms:
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            if end - start > 256 * 1024 * 1024:
                continue
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except (OSError, OverflowError, ValueError):
                continue
    return b"".join(chunks)


def _environ(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/environ", "rb") as handle:
        entries = handle.read().split(b"\0")
    return dict(e.decode().split("=", 1) for e in entries if b"=" in e)


async def test_sandbox_processes_start_with_a_minimal_environment(
    planted_pool: SandboxPool,
) -> None:
    assert os.environ["METABUILDER_SECRET_KEY"] == PLANTED_SECRET_KEY  # planted in the host
    pids = [planted_pool.zygote_pid, *planted_pool.child_pids]
    for pid in pids:
        assert pid is not None
        environ = _environ(pid)
        assert set(environ) <= {"PATH", "LANG", "PYTHONHASHSEED"}, environ
        assert not any(key.startswith("METABUILDER") for key in environ)


async def test_planted_secrets_are_nowhere_in_sandbox_memory(planted_pool: SandboxPool) -> None:
    warm = await run_script(planted_pool, "def main(ctx):\n    return 1\n")
    assert warm.ok
    for pid in [planted_pool.zygote_pid, *planted_pool.child_pids]:
        assert pid is not None
        memory = _readable_memory(pid)
        assert len(memory) > 1024 * 1024  # we really read the process
        for marker in MARKERS:
            assert marker not in memory, f"{marker!r} found in process {pid}"


async def test_no_corpus_script_can_read_a_planted_secret(planted_pool: SandboxPool) -> None:
    probes = [case for case in CORPUS if case.timeout_s >= 2.0 and case.memory_mb <= 128]
    pattern = re.compile("PLANTED-")
    for case in probes:
        result = await run_script(
            planted_pool, case.script, RecordingHost(), filename=f"{case.name}.py"
        )
        assert not pattern.search(json.dumps(result.to_json())), case.name
    reader = await run_script(
        planted_pool,
        """
        def main(ctx):
            return [ctx.secrets.get("DATABASE_URL"), ctx.secrets.get("METABUILDER_SECRET_KEY")]
        """,
    )
    assert reader.value == [None, None]
