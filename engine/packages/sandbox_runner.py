"""Run package scripts for declarative tests through the real sandbox (`scripts_runtime`).

The host side of the proxied ``ctx`` calls is an in-memory key-value store per runner, so a
test can exercise ``ctx.kv``; data-layer calls are refused with ``not_available`` (package
tests do not touch a tenant's database).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.packages.model import Package, ScriptManifest
from engine.packages.testrunner import ScriptFailure
from scripts_runtime.sandbox import HostError, SandboxPool, ScriptRequest

__all__ = ["SandboxScriptRunner"]

_FUNCTION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SandboxScriptRunner:
    def __init__(self, pool: SandboxPool, *, tenant: str = "package-tests") -> None:
        self.pool = pool
        self.tenant = tenant
        self.kv: dict[str, Any] = {}

    async def __call__(
        self, package: Package, script: ScriptManifest, function: str | None, input: Any
    ) -> Any:
        source = script.source
        if script.language == "jsonscript":
            if function:  # the translated module picks the function from its input
                input = {
                    "function": function,
                    "args": input if isinstance(input, list) else [input],
                }
        elif function and function != "main":
            if not _FUNCTION.match(function):
                raise ScriptFailure("invalid", f"{function!r} is not a function name")
            # the sandbox calls main(ctx); call the named function of the module instead
            source += f"\n\n\ndef main(ctx):\n    return {function}(ctx)\n"
        request = ScriptRequest(
            source=source,
            filename=f"{package.id}/scripts/{script.body_file.name}",
            input=input,
            tenant=self.tenant,
            tenant_slug=self.tenant,
            timeout_s=script.timeout_s,
            memory_mb=script.memory_mb,
            input_schema=script.input_schema if not function else None,
            language=script.language,
            line_map=script.line_map or None,
        )
        result = await self.pool.run(request, self._host)
        if not result.ok:
            error = result.error
            raise ScriptFailure(
                error.code if error else "error", error.message if error else "script failed"
            )
        return result.value

    def _host(self, operation: str, args: Mapping[str, Any]) -> Any:
        key = str(args.get("key", ""))
        if operation == "kv.get":
            return self.kv.get(key)
        if operation == "kv.set":
            self.kv[key] = args.get("value")
            return None
        if operation == "kv.delete":
            return self.kv.pop(key, None) is not None
        if operation == "kv.incr":
            current = self.kv.get(key) or 0
            if not isinstance(current, int):
                raise HostError("invalid", f"kv value {key!r} is not an integer")
            self.kv[key] = current + int(args.get("by", 1))
            return self.kv[key]
        raise HostError("not_available", f"{operation} is not available in package tests")
