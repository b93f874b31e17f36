"""The sandbox child: a process forked from the zygote that serves runs over one socket.

Loop: receive a "run" frame, set the run's CPU and memory limits, execute it (proxied ctx
calls go out as "call" frames and block for the host's "reply"), send the "done" frame. The
child retires itself (exits) after a run that hit the memory limit, so the pool replaces it
with a clean one; the host kills it for every other limit.
"""

from __future__ import annotations

import gc
import os
import socket
import sys
from typing import Any

from scripts_runtime.jsonscript.runtime import JS_GLOBALS
from scripts_runtime.sandbox import framing, regex, safe_modules
from scripts_runtime.sandbox.compiler import CompileCache
from scripts_runtime.sandbox.errors import HostError
from scripts_runtime.sandbox.execution import execute
from scripts_runtime.sandbox.hardening import Protections, apply_run_limits, harden

RECURSION_LIMIT = 400
GC_THRESHOLD = 5000


class Channel:
    """The child's end of the host pipe; `call` is the `HostCall` the ctx API uses."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def call(self, op: str, args: dict[str, Any]) -> Any:
        framing.send_sync(self.sock, {"t": "call", "op": op, "args": args})
        reply = framing.recv_sync(self.sock)
        if reply.get("t") != "reply":
            raise RuntimeError("protocol error: expected a reply from the host")
        if reply.get("ok"):
            return reply.get("value")
        raise HostError(str(reply.get("code", "error")), str(reply.get("message", "")))


def serve(fd: int, max_memory_mb: int) -> None:
    """Entry point in the forked child; never returns."""
    sock = socket.socket(fileno=fd)
    protections = Protections()
    code = 0
    try:
        baseline_mb = harden(fd, max_memory_mb, protections)
        safe_modules.reseed_random()
        regex.install_alarm_handler()
        sys.setrecursionlimit(RECURSION_LIMIT)
        # Scripts allocate many short-lived containers (bound methods from guarded attribute
        # access); collect the young generation less often than the default 700.
        gc.set_threshold(GC_THRESHOLD, 20, 20)
        channel = Channel(sock)
        cache = CompileCache()
        framing.send_sync(
            sock,
            {
                "t": "ready",
                "pid": os.getpid(),
                "protections": protections.applied,
                "missing": protections.missing,
            },
        )
        while True:
            try:
                message = framing.recv_sync(sock)
            except framing.FrameError:
                break
            if message.get("t") != "run":
                continue
            apply_run_limits(
                baseline_mb, int(message.get("memory_mb", 256)), float(message.get("timeout_s", 5))
            )
            extra = JS_GLOBALS if message.get("language") == "jsonscript" else None
            done = execute(message, channel.call, cache, extra)
            framing.send_sync(sock, done)
            if done.get("retire"):
                break
    except BaseException:
        code = 70
    finally:
        os._exit(code)
