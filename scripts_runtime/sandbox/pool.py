"""`SandboxPool`: the host side of the script sandbox.

The pool starts one zygote subprocess with a minimal environment and asks it to fork `size`
children, each connected to the host by its own socket pair. `run()` takes an idle child,
sends it the request, answers its proxied ctx calls by calling the `HostHandler` in a thread,
and returns its result. The wall-clock limit is enforced here, from outside: on a timeout,
an oversized frame or a dead child, the child is killed through the zygote, the failure is
reported as a `ScriptError`, and a fresh child replaces it in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

import jsonschema

from scripts_runtime.jsonscript.translate import translate_script
from scripts_runtime.sandbox import framing
from scripts_runtime.sandbox.errors import ErrorCode, HostError, SandboxUnavailable
from scripts_runtime.sandbox.messages import (
    Event,
    LogEntry,
    ScriptError,
    ScriptRequest,
    ScriptResult,
)

HostHandler = Callable[[str, Mapping[str, Any]], Any]
"""Called (in a worker thread) for every proxied ctx call: (operation, arguments) -> JSON.
Raise `HostError(code, message)` to refuse."""

logger = logging.getLogger(__name__)

MAX_TIMEOUT_S = 300.0
MAX_MEMORY_MB = 2048
KILL_GRACE_S = 0.25
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "random"}


class _Child:
    __slots__ = ("pid", "protections", "reader", "runs", "writer")

    def __init__(
        self, pid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.pid = pid
        self.reader = reader
        self.writer = writer
        self.runs = 0
        self.protections: list[str] = []


class SandboxPool:
    """A warm pool of sandbox processes. Use as ``async with SandboxPool(2) as pool``."""

    def __init__(
        self,
        size: int = 2,
        *,
        max_memory_mb: int = 1024,
        python: str = sys.executable,
        start_timeout_s: float = 30.0,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one process")
        self.size = size
        self.max_memory_mb = min(max_memory_mb, MAX_MEMORY_MB)
        self._python = python
        self._start_timeout_s = start_timeout_s
        self._zygote: asyncio.subprocess.Process | None = None
        self._control: socket.socket | None = None
        self._control_lock = asyncio.Lock()
        self._idle: asyncio.Queue[_Child] = asyncio.Queue()
        self._children: dict[int, _Child] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._started = False
        self._broken: str | None = None
        self._generation = 0
        self._restart_lock = asyncio.Lock()
        self.replaced = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> SandboxPool:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def zygote_pid(self) -> int | None:
        return None if self._zygote is None else self._zygote.pid

    @property
    def child_pids(self) -> list[int]:
        return sorted(self._children)

    def protections(self) -> list[str]:
        """The walls every current child reported as applied (intersection)."""
        sets = [set(c.protections) for c in self._children.values()]
        return sorted(set.intersection(*sets)) if sets else []

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        await self._start_zygote()
        await asyncio.gather(*(self._add_child() for _ in range(self.size)))

    async def _start_zygote(self) -> None:
        host_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # Spawned from the event-loop thread: the zygote's PDEATHSIG follows this thread.
        self._zygote = await asyncio.create_subprocess_exec(
            self._python,
            "-I",
            "-m",
            "scripts_runtime.sandbox.zygote",
            str(zygote_end.fileno()),
            str(self.max_memory_mb),
            env=CLEAN_ENV,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=(zygote_end.fileno(),),
            close_fds=True,
        )
        zygote_end.close()
        self._control = host_end
        ready = await asyncio.wait_for(
            asyncio.to_thread(self._control_recv), timeout=self._start_timeout_s
        )
        if not ready.get("ready"):
            raise SandboxUnavailable(f"the sandbox zygote failed to start: {ready!r}")

    async def _stop_zygote(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._zygote is not None:
            zygote = self._zygote
            self._zygote = None
            with contextlib.suppress(ProcessLookupError):
                zygote.terminate()
            try:
                await asyncio.wait_for(zygote.wait(), 5)
            except TimeoutError:
                zygote.kill()
                await zygote.wait()

    async def _restart(self, generation: int) -> None:
        """The zygote cannot fork: replace it (once per failure) and refill the pool."""
        async with self._restart_lock:
            if self._closed or generation != self._generation:
                return  # closed, or another task already restarted it
            self._generation += 1
            logger.warning("sandbox zygote unusable; starting a new one")
            for child in list(self._children.values()):
                child.writer.close()
            self._children.clear()
            while not self._idle.empty():
                self._idle.get_nowait()
            await self._stop_zygote()
            try:
                await self._start_zygote()
                await asyncio.gather(*(self._add_child() for _ in range(self.size)))
            except (SandboxUnavailable, OSError, TimeoutError) as exc:
                self._broken = f"the sandbox could not be restarted: {exc}"
                logger.error(self._broken)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for child in list(self._children.values()):
            child.writer.close()
        self._children.clear()
        await self._stop_zygote()

    # -- zygote control ----------------------------------------------------------------------

    def _control_recv(self) -> dict[str, Any]:
        assert self._control is not None
        data = self._control.recv(4096)
        if not data:
            raise SandboxUnavailable("the sandbox zygote exited")
        message: dict[str, Any] = json.loads(data)
        return message

    def _control_request(self, message: dict[str, Any], fd: int | None = None) -> dict[str, Any]:
        if self._control is None:
            raise SandboxUnavailable("the sandbox pool is closed")
        payload = json.dumps(message).encode()
        if fd is None:
            self._control.send(payload)
        else:
            socket.send_fds(self._control, [payload], [fd])
        return self._control_recv()

    async def _control_call(self, message: dict[str, Any], fd: int | None = None) -> dict[str, Any]:
        async with self._control_lock:
            return await asyncio.to_thread(self._control_request, message, fd)

    async def _add_child(self) -> None:
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            reply = await self._control_call({"op": "spawn"}, child_end.fileno())
            pid = int(reply["pid"])
        except BaseException:
            host_end.close()
            raise
        finally:
            child_end.close()
        reader, writer = await asyncio.open_unix_connection(sock=host_end, limit=1 << 20)
        child = _Child(pid, reader, writer)
        self._children[pid] = child
        try:
            ready, _ = await asyncio.wait_for(
                framing.recv_async(reader, MAX_MESSAGE_BYTES), timeout=self._start_timeout_s
            )
        except (TimeoutError, framing.FrameError) as exc:
            await self._reap(child)
            raise SandboxUnavailable(f"a sandbox process failed to start: {exc}") from None
        child.protections = list(ready.get("protections", []))
        if ready.get("missing"):
            logger.warning("sandbox process %s lacks protections: %s", pid, ready["missing"])
        self._idle.put_nowait(child)

    async def _reap(self, child: _Child) -> int | None:
        """Kill (if alive) and wait for `child`; returns its raw wait status."""
        self._children.pop(child.pid, None)
        child.writer.close()
        try:
            reply = await self._control_call({"op": "reap", "pid": child.pid})
        except (OSError, SandboxUnavailable):
            return None
        status = reply.get("status")
        return status if isinstance(status, int) else None

    def _replace_later(self, child: _Child) -> asyncio.Task[Any]:
        generation = self._generation

        async def replace() -> int | None:
            status = await self._reap(child)
            if self._closed:
                return status
            try:
                await self._add_child()
                self.replaced += 1
            except (SandboxUnavailable, OSError, TimeoutError) as exc:
                logger.warning("replacing sandbox process %s failed: %s", child.pid, exc)
                await self._restart(generation)
            return status

        task: asyncio.Task[Any] = asyncio.create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _acquire(self) -> _Child:
        while True:
            if self._broken is not None:
                raise SandboxUnavailable(self._broken)
            if not self._idle.empty():
                return self._idle.get_nowait()
            try:
                return await asyncio.wait_for(self._idle.get(), timeout=1.0)
            except TimeoutError:
                continue

    # -- running scripts ---------------------------------------------------------------------

    async def run(self, request: ScriptRequest, host: HostHandler) -> ScriptResult:
        if self._closed or not self._started:
            raise SandboxUnavailable("the sandbox pool is not running")
        started = time.perf_counter()
        if request.language == "jsonscript" and request.source.lstrip().startswith("{"):
            translated = _translate(request)
            if isinstance(translated, ScriptError):
                return ScriptResult(ok=False, error=translated, duration_ms=_ms(started))
            request = translated
        if request.input_schema is not None:
            failure = _validate_input(request)
            if failure is not None:
                return ScriptResult(ok=False, error=failure, duration_ms=_ms(started))
        timeout_s = min(max(request.timeout_s, 0.01), MAX_TIMEOUT_S)
        memory_mb = min(max(request.memory_mb, 16), self.max_memory_mb)
        child = await self._acquire()
        if child.pid not in self._children:  # from before a restart
            return await self.run(request, host)
        deadline = time.monotonic() + timeout_s
        message = {
            "t": "run",
            "source": request.source,
            "filename": request.filename,
            "input": request.input,
            "tenant": request.tenant,
            "tenant_slug": request.tenant_slug,
            "user": dict(request.user),
            "timeout_s": timeout_s,
            "memory_mb": memory_mb,
            "language": request.language,
        }
        try:
            child.writer.write(framing.encode(message))
            done = await self._converse(child, host, deadline)
        except _Killed as killed:
            status_task = self._replace_later(child)
            return await self._killed_result(request, killed, status_task, started)
        except (framing.FrameError, ConnectionError, ValueError):
            status_task = self._replace_later(child)
            crashed = _Killed(ErrorCode.CRASHED, "the sandbox process died")
            return await self._killed_result(request, crashed, status_task, started)
        child.runs += 1
        if done.get("retire"):
            self._replace_later(child)
        else:
            self._idle.put_nowait(child)
        return _result_from(done, request, started)

    async def _converse(self, child: _Child, host: HostHandler, deadline: float) -> dict[str, Any]:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Killed(ErrorCode.TIMEOUT, "")
            try:
                frame, _ = await asyncio.wait_for(
                    framing.recv_async(child.reader, MAX_MESSAGE_BYTES), timeout=remaining
                )
            except TimeoutError:
                raise _Killed(ErrorCode.TIMEOUT, "") from None
            except framing.FrameError as exc:
                if "exceeds the cap" in str(exc):
                    raise _Killed(ErrorCode.OUTPUT_LIMIT, str(exc)) from None
                raise _Killed(ErrorCode.CRASHED, "") from None
            kind = frame.get("t")
            if kind == "done":
                return frame
            if kind != "call":
                raise _Killed(ErrorCode.CRASHED, f"protocol error: unexpected frame {kind!r}")
            try:
                reply = await asyncio.wait_for(
                    _answer(host, frame), timeout=max(deadline - time.monotonic(), 0.001)
                )
            except TimeoutError:
                raise _Killed(ErrorCode.TIMEOUT, "") from None
            child.writer.write(framing.encode(reply))

    async def _killed_result(
        self,
        request: ScriptRequest,
        killed: _Killed,
        status_task: asyncio.Task[Any],
        started: float,
    ) -> ScriptResult:
        code, message = killed.code, killed.message
        if code == ErrorCode.TIMEOUT:
            message = (
                f"the script ran longer than its {request.timeout_s:g} s limit and was stopped"
            )
        elif code == ErrorCode.CRASHED:
            with contextlib.suppress(Exception):
                status = await asyncio.wait_for(asyncio.shield(status_task), 2.0)
                code, message = _classify_status(status, request)
        return ScriptResult(
            ok=False,
            error=ScriptError(code=code.value, message=message, filename=request.filename),
            duration_ms=_ms(started),
        )


class _Killed(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(code.value)
        self.code = code
        self.message = message


def _classify_status(status: Any, request: ScriptRequest) -> tuple[ErrorCode, str]:
    if isinstance(status, int) and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return ErrorCode.CPU_LIMIT, "the script used more CPU time than its limit allows"
        if sig in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
            return (
                ErrorCode.MEMORY_LIMIT,
                f"the sandbox process died with {signal.Signals(sig).name} (memory limit "
                f"{request.memory_mb} MB)",
            )
        return ErrorCode.CRASHED, f"the sandbox process was killed by {signal.Signals(sig).name}"
    return ErrorCode.CRASHED, "the sandbox process exited unexpectedly"


async def _answer(host: HostHandler, frame: Mapping[str, Any]) -> dict[str, Any]:
    op = str(frame.get("op", ""))
    args = frame.get("args")
    if not isinstance(args, dict):
        args = {}
    try:
        value = await asyncio.to_thread(host, op, args)
        json.dumps(value)
    except HostError as exc:
        return {"t": "reply", "ok": False, "code": exc.code, "message": exc.message}
    except Exception:
        logger.exception("host handler failed for sandbox call %s", op)
        return {"t": "reply", "ok": False, "code": "internal", "message": "the host failed"}
    return {"t": "reply", "ok": True, "value": value}


def _translate(request: ScriptRequest) -> ScriptRequest | ScriptError:
    """A JSON-script document given as source is translated here, on the host."""
    try:
        document = json.loads(request.source)
        translation = translate_script(document, request.filename)
    except ValueError as exc:  # invalid JSON, or TranslationError (a ValueError)
        issues = getattr(exc, "issues", None)
        return ScriptError(
            code=ErrorCode.COMPILE_ERROR.value,
            message=str(exc),
            filename=request.filename,
            location=issues[0].pointer if issues else None,
        )
    return replace(request, source=translation.source, line_map=translation.line_map)


def _validate_input(request: ScriptRequest) -> ScriptError | None:
    schema = request.input_schema
    assert schema is not None
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(request.input), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = "/" + "/".join(str(p) for p in first.absolute_path)
    return ScriptError(
        code=ErrorCode.INVALID_INPUT.value,
        message=f"input {where}: {first.message}",
        filename=request.filename,
        location=where,
    )


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _result_from(done: Mapping[str, Any], request: ScriptRequest, started: float) -> ScriptResult:
    raw_error = done.get("error")
    error = None
    if isinstance(raw_error, dict):
        line = raw_error.get("line")
        location = None
        if request.line_map and isinstance(line, int):
            location = request.line_map.get(line)
        error = ScriptError(
            code=str(raw_error.get("code", ErrorCode.RUNTIME_ERROR.value)),
            message=str(raw_error.get("message", "")),
            filename=request.filename,
            line=line if isinstance(line, int) else None,
            location=location,
            host_code=raw_error.get("host_code"),
        )
    logs = [
        LogEntry(str(e.get("level", "info")), str(e.get("message", "")))
        for e in done.get("logs", [])
        if isinstance(e, dict)
    ]
    events = [
        Event(str(e.get("name", "")), e.get("data"))
        for e in done.get("events", [])
        if isinstance(e, dict)
    ]
    return ScriptResult(
        ok=error is None,
        value=done.get("value") if error is None else None,
        error=error,
        logs=logs,
        events=events,
        duration_ms=_ms(started),
        cpu_ms=float(done["cpu_ms"]) if isinstance(done.get("cpu_ms"), int | float) else None,
    )


__all__ = ["HostHandler", "SandboxPool"]
