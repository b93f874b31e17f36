"""A seccomp-BPF deny-list installed in every sandbox child (Linux x86-64 and aarch64).

Written against the kernel ABI with `ctypes` so the child needs no third-party binding. The
filter returns EPERM for syscalls a script never needs and an escaped script would want:
creating or using sockets, starting programs or processes/threads, opening files, tracing
other processes, and changing namespaces, mounts or kernel state. The child has already
opened everything it needs (its pipe to the host) when the filter goes in, and the filter is
inherited by anything it could still spawn. Other architectures report "unavailable", and
the pool falls back to the remaining walls (network namespace, rlimits, RestrictedPython).
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_RET_K = 0x06

X32_SYSCALL_BIT = 0x40000000

# (audit arch, {syscall name: number}) per machine; names are the kernel's.
_ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "open": 2,
            "socket": 41,
            "connect": 42,
            "accept": 43,
            "bind": 49,
            "listen": 50,
            "socketpair": 53,
            "clone": 56,
            "fork": 57,
            "vfork": 58,
            "execve": 59,
            "creat": 85,
            "link": 86,
            "symlink": 88,
            "chmod": 90,
            "ptrace": 101,
            "personality": 135,
            "pivot_root": 155,
            "chroot": 161,
            "mount": 165,
            "umount2": 166,
            "init_module": 175,
            "delete_module": 176,
            "kexec_load": 246,
            "add_key": 248,
            "request_key": 249,
            "keyctl": 250,
            "openat": 257,
            "unshare": 272,
            "accept4": 288,
            "perf_event_open": 298,
            "open_by_handle_at": 304,
            "setns": 308,
            "process_vm_readv": 310,
            "process_vm_writev": 311,
            "finit_module": 313,
            "bpf": 321,
            "execveat": 322,
            "userfaultfd": 323,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "clone3": 435,
            "openat2": 437,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "umount2": 39,
            "mount": 40,
            "pivot_root": 41,
            "chroot": 51,
            "openat": 56,
            "personality": 92,
            "unshare": 97,
            "kexec_load": 104,
            "init_module": 105,
            "delete_module": 106,
            "ptrace": 117,
            "socket": 198,
            "socketpair": 199,
            "bind": 200,
            "listen": 201,
            "accept": 202,
            "connect": 203,
            "add_key": 217,
            "request_key": 218,
            "keyctl": 219,
            "clone": 220,
            "execve": 221,
            "perf_event_open": 241,
            "accept4": 242,
            "open_by_handle_at": 265,
            "setns": 268,
            "process_vm_readv": 270,
            "process_vm_writev": 271,
            "finit_module": 273,
            "bpf": 280,
            "execveat": 281,
            "userfaultfd": 282,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "clone3": 435,
            "openat2": 437,
        },
    ),
}

DENIED = frozenset(name for _, table in _ARCHES.values() for name in table)


class SeccompUnavailable(Exception):
    """The kernel, the architecture or the process state does not allow the filter."""


def _instruction(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def build_program(arch: str) -> bytes:
    """The BPF program (sock_filter array) for `arch`; exposed for tests."""
    audit_arch, table = _ARCHES[arch]
    numbers = sorted(set(table.values()))
    deny = SECCOMP_RET_ERRNO | errno.EPERM
    program = [
        _instruction(BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _instruction(BPF_JEQ_K, 1, 0, audit_arch),
        _instruction(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        _instruction(BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    # Jump offsets count instructions after the current one; the deny return sits last.
    checks = ([X32_SYSCALL_BIT] if arch == "x86_64" else []) + numbers
    total = len(checks)
    for index, number in enumerate(checks):
        to_deny = total - index  # skip the remaining checks and the allow return
        opcode = BPF_JGE_K if (arch == "x86_64" and index == 0) else BPF_JEQ_K
        program.append(_instruction(opcode, to_deny, 0, number))
    program.append(_instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    program.append(_instruction(BPF_RET_K, 0, 0, deny))
    return b"".join(program)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> None:
    """Install the filter in the calling (single-threaded) process; irreversible."""
    arch = platform.machine()
    if arch not in _ARCHES:
        raise SeccompUnavailable(f"no syscall table for architecture {arch!r}")
    program = build_program(arch)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SeccompUnavailable(f"PR_SET_NO_NEW_PRIVS failed: errno {ctypes.get_errno()}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SeccompUnavailable(f"PR_SET_SECCOMP failed: errno {ctypes.get_errno()}")
