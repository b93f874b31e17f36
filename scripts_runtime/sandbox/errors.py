"""The script sandbox's exceptions and error codes.

Exception tree (raised on the host side, at the boundary only)::

    SandboxError                  base of everything the sandbox raises to its caller
    ├── SandboxUnavailable        the pool is not started, closed, or its zygote died
    └── HostError                 raised by a HostHandler to refuse a proxied ctx call;
                                  it crosses the pipe and becomes a script-side HostError

Everything that goes wrong *inside* a script is data, not an exception: `ScriptResult.error`
is a `ScriptError(code, message, filename, line)` whose `code` is one of `ErrorCode`.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable codes of `ScriptError.code` (tests and callers match on them)."""

    COMPILE_ERROR = "compile_error"  # syntax error or a construct the policy refuses
    RUNTIME_ERROR = "runtime_error"  # an uncaught exception raised by the script
    NO_MAIN = "no_main"  # the module defines no callable `main(ctx)`
    IMPORT_DENIED = "import_denied"  # `import x` of a module outside the allow-list
    ACCESS_DENIED = "access_denied"  # attribute, name or write refused by a guard
    HOST_ERROR = "host_error"  # an uncaught HostError from a proxied ctx call
    INVALID_INPUT = "invalid_input"  # input failed the script's input schema
    INVALID_RESULT = "invalid_result"  # the return value is not JSON-serialisable
    TIMEOUT = "timeout"  # wall-clock limit; the process was killed and replaced
    CPU_LIMIT = "cpu_limit"  # CPU-time limit (RLIMIT_CPU); process replaced
    MEMORY_LIMIT = "memory_limit"  # address-space limit; process replaced
    OUTPUT_LIMIT = "output_limit"  # result, logs or a message exceeded its cap
    RECURSION_LIMIT = "recursion_limit"  # Python recursion depth exceeded
    REGEX_TIMEOUT = "regex_timeout"  # one regular-expression call ran too long
    CRASHED = "crashed"  # the process died for another reason; replaced


class SandboxError(Exception):
    """Base class of exceptions the sandbox raises to its host-side caller."""


class SandboxUnavailable(SandboxError):
    """The pool cannot run scripts (not started, closed, or the zygote died)."""


class HostError(SandboxError):
    """A refusal from the host side of a proxied `ctx` call.

    A `HostHandler` raises it with a short machine `code` (``forbidden``, ``not_found``,
    ``invalid``, ``not_allowed`` ...) and a message a package author understands. Inside the
    script the same class is raised from the `ctx` call, so scripts may catch it.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[HostError], tuple[str, str]]:
        return (HostError, (self.code, self.message))
