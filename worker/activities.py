"""Host side of the `run_script` activity: package script -> sandbox pool -> result or failure.

The activity finds the script in the package catalog, runs it in a sandbox process with a host
handler that answers the script's `ctx` calls through the DBAL under the caller's scope, and
turns a script error into a non-retryable `ScriptError` failure carrying file and line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from engine.packages import Catalog
from engine.workflows.script_run import (
    HEARTBEAT_TIMEOUT_S,
    RUN_SCRIPT_ACTIVITY,
    SCRIPT_ERROR,
    ScriptRunInput,
    ScriptRunResult,
)
from scripts_runtime.sandbox import HostHandler, SandboxPool, ScriptRequest

HostFactory = Callable[[ScriptRunInput], HostHandler]
T = TypeVar("T")


class ScriptActivities:
    def __init__(self, *, pool: SandboxPool, catalog: Catalog, host_for: HostFactory) -> None:
        self._pool = pool
        self._catalog = catalog
        self._host_for = host_for

    @activity.defn(name=RUN_SCRIPT_ACTIVITY)
    async def run_script(self, params: ScriptRunInput) -> ScriptRunResult:
        package = self._catalog.pick(params.package_id, params.version)
        script = package.script(params.script) if package is not None else None
        if package is None or script is None:
            raise ApplicationError(
                f"no script {params.script!r} in package {params.package_id!r}",
                {"code": "SCRIPT_NOT_FOUND"},
                type=SCRIPT_ERROR,
                non_retryable=True,
            )
        request = ScriptRequest(
            source=script.source,
            filename=f"{package.id}/{script.body_file.name}" if script.body_file else script.name,
            input=params.input,
            tenant=params.tenant_id,
            tenant_slug=params.tenant_slug,
            user={"id": params.user_id, "level": params.user_level},
            timeout_s=script.timeout_s,
            memory_mb=script.memory_mb,
            input_schema=script.input_schema,
            language="jsonscript" if script.body_kind == "json-script" else "python",
        )
        result = await _heartbeating(self._pool.run(request, self._host_for(params)))
        if not result.ok:
            error = result.error
            message = error.message if error else "the script failed"
            details = {
                "code": error.code if error else "SCRIPT_ERROR",
                "file": error.filename if error else None,
                "line": error.line if error else None,
            }
            raise ApplicationError(message, details, type=SCRIPT_ERROR, non_retryable=True)
        return ScriptRunResult(
            value=result.value,
            logs=list(result.logs),
            events=list(result.events),
            duration_ms=result.duration_ms,
        )


async def _heartbeating(work: Awaitable[T]) -> T:
    """Await `work`, heartbeating while it runs (a quick script sends no heartbeat at all;
    a local activity, which has no heartbeat timeout, none either)."""
    task = asyncio.ensure_future(work)
    beat = activity.info().heartbeat_timeout is not None
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_TIMEOUT_S / 3)
            if done:
                return task.result()
            if beat:
                activity.heartbeat()
    finally:
        task.cancel()  # a cancelled activity stops its script
