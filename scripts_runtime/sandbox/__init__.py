"""The script sandbox: RestrictedPython code in hardened processes forked from a clean zygote.

Public API::

    from scripts_runtime.sandbox import (
        SandboxPool, ScriptRequest, ScriptResult, ScriptError, HostError)

    async with SandboxPool(size=2) as pool:
        result = await pool.run(ScriptRequest(source=..., filename=..., tenant=...), host)

See `pool` (host side), `zygote`/`child`/`hardening`/`seccomp` (process walls), `compiler`,
`guards`, `safe_builtins`, `safe_modules`, `regex`, `formatting` (language walls) and
`errors` (the exception tree and error codes).
"""

from scripts_runtime.sandbox.errors import ErrorCode, HostError, SandboxError, SandboxUnavailable
from scripts_runtime.sandbox.limits import ScriptLimits
from scripts_runtime.sandbox.messages import (
    JSON,
    Event,
    LogEntry,
    ScriptError,
    ScriptRequest,
    ScriptResult,
)
from scripts_runtime.sandbox.pool import HostHandler, SandboxPool

__all__ = [
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
]
