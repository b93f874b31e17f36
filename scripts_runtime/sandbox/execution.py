"""Running one compiled script against a `ctx`, with every failure turned into data.

This is the body of a sandbox child's work (and of in-process policy tests): compile through
the cache, build fresh globals, run the module, call `main(ctx)`, check the return value is
JSON within its cap, and describe any exception as a `ScriptError`-shaped dict that names the
script's own file and line. The caller owns isolation; nothing here is a security boundary by
itself except the guards wired into the globals.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from RestrictedPython.PrintCollector import PrintCollector

from scripts_runtime.ctx.api import Ctx, HostCall
from scripts_runtime.ctx.output import OutputLimit, OutputSink
from scripts_runtime.sandbox.compiler import CompileCache
from scripts_runtime.sandbox.errors import ErrorCode, HostError
from scripts_runtime.sandbox.guards import RESTRICTED_GLOBALS
from scripts_runtime.sandbox.refusals import AccessDenied, ImportDenied, RegexTimeout
from scripts_runtime.sandbox.safe_builtins import build_builtins

MAX_RESULT_BYTES = 1024 * 1024

ExtraGlobals = Callable[[], Mapping[str, Any]]
"""Per-language additions to a script's globals (the JSON-script runtime uses this)."""


def _print_collector(sink: OutputSink) -> type[PrintCollector]:
    class ScriptPrint(PrintCollector):
        """`print(...)` in a script writes a log line (and feeds `printed`)."""

        def _call_print(self, *objects: Any, **kwargs: Any) -> None:
            if kwargs.get("file") is not None:
                raise AccessDenied("print(file=...) is not allowed; use ctx.log")
            sep = kwargs.get("sep")
            end = kwargs.get("end")
            text = (" " if sep is None else str(sep)).join(str(o) for o in objects)
            self.txt.append(text + ("\n" if end is None else str(end)))
            sink.log("info", text)

    return ScriptPrint


def build_globals(sink: OutputSink, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    script_globals: dict[str, Any] = dict(RESTRICTED_GLOBALS)
    script_globals["__builtins__"] = build_builtins()
    script_globals["_print_"] = _print_collector(sink)
    if extra:
        script_globals.update(extra)
    return script_globals


def _script_line(tb: TracebackType | None, filename: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_REFUSALS: tuple[tuple[type[BaseException], ErrorCode], ...] = (
    (ImportDenied, ErrorCode.IMPORT_DENIED),
    (AccessDenied, ErrorCode.ACCESS_DENIED),
    (RegexTimeout, ErrorCode.REGEX_TIMEOUT),
    (OutputLimit, ErrorCode.OUTPUT_LIMIT),
    (MemoryError, ErrorCode.MEMORY_LIMIT),
    (RecursionError, ErrorCode.RECURSION_LIMIT),
)


def describe_exception(exc: BaseException, filename: str) -> dict[str, Any]:
    line = _script_line(exc.__traceback__, filename)
    error: dict[str, Any] = {"filename": filename, "line": line}
    if isinstance(exc, HostError):
        error.update(code=ErrorCode.HOST_ERROR.value, host_code=exc.code, message=exc.message)
        return error
    for kind, code in _REFUSALS:
        if isinstance(exc, kind):
            error.update(code=code.value, message=f"{type(exc).__name__}: {_text(exc)}")
            return error
    error.update(code=ErrorCode.RUNTIME_ERROR.value, message=f"{type(exc).__name__}: {_text(exc)}")
    return error


def _text(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # a hostile __str__ cannot be written, but be boring if one exists
        text = "<unprintable>"
    return text[:2000]


def _finite(value: Any) -> Any:
    """JavaScript's JSON.stringify writes NaN and +-Infinity as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _encode_result(value: Any, js_numbers: bool) -> tuple[Any, dict[str, Any] | None]:
    try:
        encoded = json.dumps(_finite(value) if js_numbers else value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return None, {
            "code": ErrorCode.INVALID_RESULT.value,
            "message": f"main() must return JSON-serialisable data: {_text(exc)}",
        }
    if len(encoded) > MAX_RESULT_BYTES:
        return None, {
            "code": ErrorCode.OUTPUT_LIMIT.value,
            "message": f"the result is {len(encoded)} bytes; the cap is {MAX_RESULT_BYTES}",
        }
    return json.loads(encoded), None


def execute(
    request: Mapping[str, Any],
    call: HostCall,
    cache: CompileCache,
    extra_globals: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one request (the dict form of a `ScriptRequest`); returns the "done" payload."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    filename = str(request["filename"])
    sink = OutputSink()
    value: Any = None
    error: dict[str, Any] | None = None
    retire = False
    compiled = cache.get(str(request["source"]), filename)
    if compiled.code is None:
        first = compiled.errors[0]
        error = {
            "code": ErrorCode.COMPILE_ERROR.value,
            "message": "; ".join(
                (f"line {m.line}: " if m.line else "") + m.message for m in compiled.errors
            ),
            "filename": filename,
            "line": first.line,
        }
    else:
        script_globals = build_globals(sink, extra_globals)
        try:
            exec(compiled.code, script_globals)  # noqa: S102 - restricted code, guarded globals
            main = script_globals.get("main")
            if not callable(main):
                error = {
                    "code": ErrorCode.NO_MAIN.value,
                    "message": "the script must define a function main(ctx)",
                    "filename": filename,
                }
            else:
                ctx = Ctx(
                    call=call,
                    sink=sink,
                    input=request.get("input"),
                    user=request.get("user") or {},
                    tenant=str(request.get("tenant", "")),
                    tenant_slug=str(request.get("tenant_slug", "")),
                )
                raw = main(ctx)
                value, error = _encode_result(raw, request.get("language") == "jsonscript")
                if error is not None:
                    error["filename"] = filename
        except BaseException as exc:
            error = describe_exception(exc, filename)
            retire = isinstance(exc, MemoryError)
        finally:
            script_globals.clear()
    return {
        "t": "done",
        "ok": error is None,
        "value": value,
        "error": error,
        "logs": sink.logs,
        "events": sink.events,
        "duration_ms": (time.perf_counter() - started) * 1000.0,
        "cpu_ms": (time.process_time() - cpu_started) * 1000.0,
        "retire": retire,
    }
