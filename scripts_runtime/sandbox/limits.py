"""The runtime side of a script manifest: how long and how much memory one run may use.

The package loader owns manifests (`scripts/*.json`); it hands the runtime fields to
`ScriptLimits.from_manifest`, which accepts::

    "timeout":  seconds as a number, or a string "500ms" / "5s" / "2m"   (default 5 s)
    "timeoutMs": milliseconds (the original project's style)
    "memory":   megabytes as a number, or a string "256MB" / "1GB"        (default 256 MB)
    "memoryMb": megabytes

and clamps them to the platform's ceilings. Anything else in the manifest is ignored here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT_S = 5.0
DEFAULT_MEMORY_MB = 256
MAX_TIMEOUT_S = 300.0
MIN_TIMEOUT_S = 0.01
MAX_MEMORY_MB = 2048
MIN_MEMORY_MB = 16

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(kb|mb|gb|k|m|g)?\s*$", re.IGNORECASE)
_SIZE_FACTORS_MB = {
    None: 1.0,
    "k": 1 / 1024,
    "kb": 1 / 1024,
    "m": 1.0,
    "mb": 1.0,
    "g": 1024.0,
    "gb": 1024.0,
}
_DURATION_FACTORS_S = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0}


class LimitsError(ValueError):
    """A manifest's timeout or memory field cannot be understood."""


def parse_duration_s(value: Any) -> float:
    if isinstance(value, bool):
        raise LimitsError(
            f"timeout must be a number of seconds or a string like '5s', not {value!r}"
        )
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1)) * _DURATION_FACTORS_S[match.group(2)]
    raise LimitsError(f"timeout must be a number of seconds or a string like '5s', not {value!r}")


def parse_size_mb(value: Any) -> int:
    if isinstance(value, bool):
        raise LimitsError(f"memory must be megabytes or a string like '256MB', not {value!r}")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            unit = match.group(2).lower() if match.group(2) else None
            return int(float(match.group(1)) * _SIZE_FACTORS_MB[unit])
    raise LimitsError(f"memory must be megabytes or a string like '256MB', not {value!r}")


@dataclass(frozen=True)
class ScriptLimits:
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "timeout_s", min(max(float(self.timeout_s), MIN_TIMEOUT_S), MAX_TIMEOUT_S)
        )
        object.__setattr__(
            self, "memory_mb", min(max(int(self.memory_mb), MIN_MEMORY_MB), MAX_MEMORY_MB)
        )

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> ScriptLimits:
        timeout_s = DEFAULT_TIMEOUT_S
        if "timeoutMs" in manifest:
            timeout_s = parse_duration_s(manifest["timeoutMs"]) / 1000.0
        if "timeout" in manifest:
            timeout_s = parse_duration_s(manifest["timeout"])
        memory_mb = DEFAULT_MEMORY_MB
        if "memoryMb" in manifest:
            memory_mb = parse_size_mb(manifest["memoryMb"])
        if "memory" in manifest:
            memory_mb = parse_size_mb(manifest["memory"])
        return cls(timeout_s=timeout_s, memory_mb=memory_mb)
