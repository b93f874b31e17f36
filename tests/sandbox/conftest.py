"""A real sandbox pool shared by the sandbox tests, and a host that records what it is asked."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from scripts_runtime.sandbox import HostError, SandboxPool, ScriptRequest, ScriptResult


@dataclass
class RecordingHost:
    """An in-memory HostHandler: kv works, secrets has one entry, everything else refuses."""

    kv: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=lambda: {"api_token": "tenant-token"})

    def __call__(self, op: str, args: Mapping[str, Any]) -> Any:
        self.calls.append((op, dict(args)))
        if op == "kv.get":
            return self.kv.get(args["key"])
        if op == "kv.set":
            self.kv[args["key"]] = args["value"]
            return None
        if op == "kv.delete":
            return self.kv.pop(args["key"], None) is not None
        if op == "kv.incr":
            self.kv[args["key"]] = int(self.kv.get(args["key"], 0)) + int(args.get("by", 1))
            return self.kv[args["key"]]
        if op == "secrets.get":
            return self.secrets.get(args["name"])
        raise HostError("not_allowed", f"{op} is not available in this test host")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=2, max_memory_mb=512) as running:
        yield running


@pytest.fixture
def host() -> RecordingHost:
    return RecordingHost()


async def run_script(
    pool: SandboxPool,
    source: str,
    host: RecordingHost | None = None,
    *,
    filename: str = "script.py",
    **options: Any,
) -> ScriptResult:
    request = ScriptRequest(
        source=textwrap.dedent(source),
        filename=filename,
        tenant=options.pop("tenant", "tenant-a"),
        tenant_slug=options.pop("tenant_slug", "acme"),
        **options,
    )
    return await pool.run(request, host if host is not None else RecordingHost())
