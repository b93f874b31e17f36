"""The builtins a script sees: RestrictedPython's safe set plus what everyday scripts need.

Added on purpose: sum, min, max, sorted, enumerate, zip, dict, list, set, any, all, map,
filter, reversed, iter, next, format, guarded getattr/hasattr, and `__import__` limited to
`safe_modules`. Left out on purpose: type, object, super, vars, dir, globals, locals, id,
open, input, eval, exec, compile, breakpoint, help, memoryview, bytearray, classmethod,
staticmethod, property, setattr, delattr - each either reaches interpreter internals,
performs I/O or mutates objects behind the write guard.
"""

from __future__ import annotations

from typing import Any

from RestrictedPython.Guards import safe_builtins

from scripts_runtime.sandbox.errors import HostError
from scripts_runtime.sandbox.guards import guarded_getattr, guarded_hasattr
from scripts_runtime.sandbox.refusals import AccessDenied, OutputLimit, RegexTimeout
from scripts_runtime.sandbox.safe_modules import safe_import

_ADDED: dict[str, Any] = {
    "all": all,
    "any": any,
    "dict": dict,
    "enumerate": enumerate,
    "filter": filter,
    "format": format,
    "frozenset": frozenset,
    "iter": iter,
    "list": list,
    "map": map,
    "max": max,
    "min": min,
    "next": next,
    "reversed": reversed,
    "set": set,
    "sorted": sorted,
    "sum": sum,
    "zip": zip,
    "getattr": guarded_getattr,
    "hasattr": guarded_hasattr,
    "__import__": safe_import,
    # Exceptions scripts commonly raise or catch.
    "Exception": Exception,
    "ArithmeticError": ArithmeticError,
    "LookupError": LookupError,
    "StopIteration": StopIteration,
    "RecursionError": RecursionError,
    "UnicodeError": UnicodeError,
    "HostError": HostError,
    "AccessDenied": AccessDenied,
    "RegexTimeout": RegexTimeout,
    "OutputLimit": OutputLimit,
}

_REMOVED = frozenset({"setattr", "delattr", "id", "_getattr_", "SystemExit", "KeyboardInterrupt"})


def build_builtins() -> dict[str, Any]:
    """A fresh builtins dict per run, so one script cannot leave anything for the next."""
    names = {k: v for k, v in safe_builtins.items() if k not in _REMOVED}
    names.update(_ADDED)
    return names


BUILTIN_NAMES = frozenset(build_builtins())
