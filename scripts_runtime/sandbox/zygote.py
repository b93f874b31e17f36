"""The zygote: a clean parent process that forks sandbox children on the host's request.

The host starts it with `python -I -m scripts_runtime.sandbox.zygote FD MAX_MEMORY_MB` and a
minimal environment (no configuration, database URL, key or token ever reaches it), and
passes one end of a SOCK_SEQPACKET pair as FD. It imports only the stdlib, RestrictedPython
and scripts_runtime, warms everything a child needs, then serves control messages::

    {"op": "spawn"} + one fd (SCM_RIGHTS)  -> {"pid": N}      fork a child serving that fd
    {"op": "reap", "pid": N}               -> {"status": S}   SIGKILL (if alive) and wait

Only the zygote reaps its children, and only when asked, so a pid the host names can never
have been recycled. EOF on the control socket (host gone) ends the zygote; children die with
it (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

# Everything a child may touch is imported here, before any fork, so children never need
# the filesystem (their seccomp filter refuses open()).
import _strptime  # type: ignore[import-not-found]  # noqa: F401 - strptime's lazy import
import codecs
import contextlib
import ctypes
import encodings.idna
import encodings.latin_1  # noqa: F401
import gc
import json
import os
import signal
import socket
import sys

from scripts_runtime.sandbox import child, safe_modules

PR_SET_PDEATHSIG = 1
CONTROL_BUFFER = 4096


WARM_ENCODINGS = (
    "ascii",
    "latin-1",
    "utf-8",
    "utf-16",
    "utf-32",
    "cp1252",
    "cp1250",
    "cp437",
    "iso8859-2",
    "iso8859-15",
    "mac-roman",
    "idna",
    "punycode",
    "unicode-escape",
    "raw-unicode-escape",
    "shift-jis",
    "euc-jp",
    "gb2312",
    "big5",
    "koi8-r",
)
"""Codecs load lazily from files, which children cannot open: load the common ones here."""


def _warm() -> None:
    """Exercise lazy paths once so forked children inherit them ready."""
    datetime = safe_modules.safe_import("datetime")
    datetime.datetime.strptime("2024-01-02", "%Y-%m-%d")
    datetime.date(2024, 1, 2).strftime("%A %B")
    for name in WARM_ENCODINGS:
        codecs.lookup(name)
    "bücher.de".encode("idna")


def _reply(control: socket.socket, message: dict[str, object]) -> None:
    control.send(json.dumps(message).encode())


def serve(control: socket.socket, max_memory_mb: int) -> None:
    children: set[int] = set()
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(control, CONTROL_BUFFER, 1)
        except InterruptedError:
            continue
        if not data:
            break
        request = json.loads(data)
        op = request.get("op")
        if op == "spawn" and len(fds) == 1:
            pid = os.fork()
            if pid == 0:
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                child.serve(fds[0], max_memory_mb)  # never returns
            os.close(fds[0])
            children.add(pid)
            _reply(control, {"pid": pid})
        elif op == "reap" and request.get("pid") in children:
            pid = int(request["pid"])
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            children.discard(pid)
            _reply(control, {"status": status})
        else:
            for fd in fds:
                os.close(fd)
            _reply(control, {"error": f"bad control request {request!r}"})
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            continue


def main() -> None:
    fd, max_memory_mb = int(sys.argv[1]), int(sys.argv[2])
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    control = socket.socket(fileno=fd)
    _warm()
    # Everything imported so far lives as long as the process: keep it out of the garbage
    # collector's reach, so a child's collections only scan what its scripts allocate (and
    # its pages stay shared with the zygote instead of being touched by every full scan).
    gc.collect()
    gc.freeze()
    _reply(control, {"ready": True, "pid": os.getpid()})
    serve(control, max_memory_mb)


if __name__ == "__main__":
    main()
