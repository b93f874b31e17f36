"""The process wall on its own: a child hardened exactly like a pool child cannot open
sockets, files or processes even when running unrestricted Python (as an escaped script
would). Each probe runs in a fresh interpreter that forks, hardens and reports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from scripts_runtime.sandbox import seccomp

PROBE = textwrap.dedent(
    """
    import json, os, socket, sys
    from scripts_runtime.sandbox.hardening import Protections, harden
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        protections = Protections()
        harden(write_end, 64, protections)
        outcome = {"applied": protections.applied, "missing": protections.missing}
        def attempt(name, action):
            try:
                action()
                outcome[name] = "allowed"
            except OSError as exc:
                outcome[name] = exc.errno
            except MemoryError:
                outcome[name] = "MemoryError"
        attempt("socket_inet", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        attempt("socket_unix", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        attempt("socketpair", lambda: socket.socketpair())
        attempt("open_read", lambda: open("/etc/hostname"))
        attempt("open_proc_environ", lambda: open("/proc/1/environ", "rb"))
        attempt("fork", os.fork)
        attempt("exec", lambda: os.execv("/bin/true", ["true"]))
        attempt("memory", lambda: bytearray(512 * 1024 * 1024))
        os.write(write_end, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.waitpid(pid, 0)
    print(data.decode())
    """
)


@pytest.fixture(scope="module")
def probe() -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    outcome: dict[str, object] = json.loads(completed.stdout)
    return outcome


def test_all_walls_are_applied(probe: dict[str, object]) -> None:
    assert probe["missing"] == []
    assert probe["applied"] == ["netns", "uid:nobody", "rlimits", "seccomp"]


@pytest.mark.parametrize(
    "attempt",
    ["socket_inet", "socket_unix", "socketpair", "open_read", "open_proc_environ", "fork", "exec"],
)
def test_it_denies_with_eperm(probe: dict[str, object], attempt: str) -> None:
    """It denies sockets, file opens, fork and exec with EPERM (seccomp)."""
    assert probe[attempt] == 1


def test_memory_beyond_the_limit_is_refused(probe: dict[str, object]) -> None:
    assert probe["memory"] == "MemoryError"


def test_the_filter_program_denies_every_listed_syscall_and_checks_the_arch() -> None:
    program = seccomp.build_program("x86_64")
    instructions = [program[i : i + 8] for i in range(0, len(program), 8)]
    assert len(instructions) == 4 + 1 + len(set(seccomp._ARCHES["x86_64"][1].values())) + 2
    assert {"socket", "connect", "execve", "fork", "clone", "openat", "ptrace"} <= seccomp.DENIED
