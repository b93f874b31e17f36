"""The second wall: what a freshly forked sandbox child does to itself before any script runs.

In order: leave the network (a new, empty network namespace when the kernel lets us), drop
root to an unprivileged uid, die with the zygote, cap file descriptors / processes / file
size / core dumps, and install the seccomp filter (no sockets, exec, fork, file opens, ptrace
or namespace changes). Per-run CPU and address-space limits are set by `apply_run_limits`.
Each step reports what it achieved, so the host (and tests) can see which walls are up.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass, field

from scripts_runtime.sandbox import seccomp

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
NOBODY = 65534
MAX_OPEN_FILES = 16
MB = 1024 * 1024


@dataclass
class Protections:
    applied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _set_limit(kind: int, soft: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(kind)
    if hard is None:
        hard = current_hard
    resource.setrlimit(kind, (soft, hard))


def harden(keep_fd: int, max_memory_mb: int, protections: Protections) -> int:
    """Make the calling child process a sandbox; irreversible. `keep_fd` is its pipe.
    Returns the address-space baseline in MB that per-run budgets are added to."""
    libc = _libc()
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(devnull, std)
    os.close(devnull)

    if libc.unshare(CLONE_NEWNET) == 0:
        protections.applied.append("netns")
    else:
        protections.missing.append(f"netns (errno {ctypes.get_errno()})")

    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        protections.applied.append("uid:nobody")
    else:
        protections.missing.append("uid drop (not started as root)")

    # After the uid change (which clears it): die with the zygote; no core dumps, no ptrace
    # attach from other processes of the same uid.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)

    for fd in range(3, 1024):
        if fd != keep_fd:
            try:
                os.close(fd)
            except OSError:
                continue

    baseline_mb = address_space_mb()
    ceiling = (baseline_mb + max_memory_mb) * MB
    _set_limit(resource.RLIMIT_AS, ceiling, ceiling)
    _set_limit(resource.RLIMIT_NOFILE, MAX_OPEN_FILES, MAX_OPEN_FILES)
    _set_limit(resource.RLIMIT_NPROC, 0, 0)
    _set_limit(resource.RLIMIT_FSIZE, 0, 0)
    _set_limit(resource.RLIMIT_CORE, 0, 0)
    protections.applied.append("rlimits")

    try:
        seccomp.install()
        protections.applied.append("seccomp")
    except seccomp.SeccompUnavailable as exc:
        protections.missing.append(f"seccomp ({exc})")
    return baseline_mb


def address_space_mb() -> int:
    """Current virtual size of this process in MB, from /proc/self/statm (page units)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return (pages * resource.getpagesize() + MB - 1) // MB


def apply_run_limits(baseline_mb: int, memory_mb: int, timeout_s: float) -> None:
    """Before each run: address space = baseline + the run's budget; CPU seconds = what this
    process has used so far + the run's timeout + 1 (RLIMIT_CPU counts the whole life)."""
    _set_limit(resource.RLIMIT_AS, (baseline_mb + memory_mb) * MB)
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime)
    _set_limit(resource.RLIMIT_CPU, spent + int(timeout_s) + 2)
