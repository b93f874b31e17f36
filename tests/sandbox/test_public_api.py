"""The sandbox's public surface is deliberate: adding an export is a visible change."""

from __future__ import annotations

import pytest

import scripts_runtime.sandbox as sandbox
from scripts_runtime.sandbox.limits import LimitsError, ScriptLimits


def test_exported_members() -> None:
    assert set(sandbox.__all__) == {
        "JSON",
        "ErrorCode",
        "Event",
        "HostError",
        "HostHandler",
        "LogEntry",
        "SandboxError",
        "SandboxPool",
        "SandboxUnavailable",
        "ScriptError",
        "ScriptLimits",
        "ScriptRequest",
        "ScriptResult",
    }
    for name in sandbox.__all__:
        assert getattr(sandbox, name) is not None


def test_host_error_carries_code_and_message() -> None:
    error = sandbox.HostError("forbidden", "level 3 needed")
    assert (error.code, error.message, str(error)) == (
        "forbidden",
        "level 3 needed",
        "forbidden: level 3 needed",
    )
    assert isinstance(error, sandbox.SandboxError)


@pytest.mark.parametrize(
    ("manifest", "timeout_s", "memory_mb"),
    [
        ({}, 5.0, 256),
        ({"timeout": 2}, 2.0, 256),
        ({"timeout": "500ms", "memory": "64MB"}, 0.5, 64),
        ({"timeout": "2m", "memory": "1GB"}, 120.0, 1024),
        ({"timeoutMs": 1500, "memoryMb": 32}, 1.5, 32),
        ({"timeout": 10_000, "memory": 1_000_000}, 300.0, 2048),  # clamped to the ceilings
        ({"timeout": 0, "memory": 1}, 0.01, 16),
    ],
)
def test_limits_from_manifest(
    manifest: dict[str, object], timeout_s: float, memory_mb: int
) -> None:
    limits = ScriptLimits.from_manifest(manifest)
    assert (limits.timeout_s, limits.memory_mb) == (timeout_s, memory_mb)


@pytest.mark.parametrize("manifest", [{"timeout": "soon"}, {"memory": True}, {"timeout": [1]}])
def test_unreadable_limits_are_refused(manifest: dict[str, object]) -> None:
    with pytest.raises(LimitsError):
        ScriptLimits.from_manifest(manifest)
