"""Property access and method calls on expression values.

Only dict keys, list/str indexes and the whitelisted method tables (`methods`, `dates`) are
reachable; no Python attribute of any value is ever read, so expressions cannot reach Python
objects, and dunder or prototype keys are refused even when computed at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scripts_runtime.expr.dates import DATE_METHODS
from scripts_runtime.expr.errors import ExpressionRuntimeError, ExpressionSecurityError
from scripts_runtime.expr.methods import (
    ARRAY_METHODS,
    NUMBER_METHODS,
    REGEXP_METHODS,
    STRING_METHODS,
)
from scripts_runtime.expr.regex import JSRegExp, regexp_members
from scripts_runtime.expr.runtime import (
    EvalState,
    Namespace,
    NativeFunction,
)
from scripts_runtime.expr.values import (
    UNDEFINED,
    JSCallable,
    JSDate,
    property_key,
    to_string,
)


class ShortCircuit(Exception):
    """Raised by a `?.` link on a nullish value; caught by the enclosing OptionalChain."""


def _bound(name: str, method: Callable[..., Any], receiver: Any) -> NativeFunction:
    return NativeFunction(name, lambda state, *args: method(state, receiver, *args))


def checked_key(key: Any) -> Any:
    if isinstance(key, str) and (key.startswith("__") or key in ("constructor", "prototype")):
        raise ExpressionSecurityError(f"access to {key!r} is not allowed")
    return key


def get_property(obj: Any, key: Any) -> Any:
    """`obj[key]` with JavaScript semantics over JSON-shaped values."""
    if isinstance(obj, Mapping):
        if isinstance(key, str):
            return obj.get(key, UNDEFINED)
        return obj.get(property_key(key), UNDEFINED)
    if isinstance(obj, list | tuple):
        if isinstance(key, int) and not isinstance(key, bool):
            return obj[key] if 0 <= key < len(obj) else UNDEFINED
        name = property_key(key)
        if name == "length":
            return len(obj)
        if name.isdigit():
            index = int(name)
            return obj[index] if index < len(obj) else UNDEFINED
        method = ARRAY_METHODS.get(name)
        return _bound(name, method, list(obj)) if method else UNDEFINED
    if isinstance(obj, str):
        if isinstance(key, int) and not isinstance(key, bool):
            return obj[key] if 0 <= key < len(obj) else UNDEFINED
        name = property_key(key)
        if name == "length":
            return len(obj)
        if name.isdigit():
            index = int(name)
            return obj[index] if index < len(obj) else UNDEFINED
        method = STRING_METHODS.get(name)
        return _bound(name, method, obj) if method else UNDEFINED
    if obj is None or obj is UNDEFINED:
        raise ExpressionRuntimeError(
            f"cannot read properties of {to_string(obj)} (reading {property_key(key)!r})"
        )
    if isinstance(obj, bool):
        return UNDEFINED
    if isinstance(obj, int | float):
        name = property_key(key)
        method = NUMBER_METHODS.get(name)
        return _bound(name, method, obj) if method else UNDEFINED
    if isinstance(obj, NativeFunction | Namespace):
        return obj.members.get(property_key(key), UNDEFINED)
    if isinstance(obj, JSDate):
        name = property_key(key)
        method = DATE_METHODS.get(name)
        return _bound(name, method, obj) if method else UNDEFINED
    if isinstance(obj, JSRegExp):
        name = property_key(key)
        method = REGEXP_METHODS.get(name)
        if method is not None:
            return _bound(name, method, obj)
        return regexp_members(obj).get(name, UNDEFINED)
    return UNDEFINED


def call_method(state: EvalState, obj: Any, name: Any, args: list[Any]) -> Any:
    if isinstance(name, str):
        method: Callable[..., Any] | None = None
        if isinstance(obj, list):
            method = ARRAY_METHODS.get(name)
        elif isinstance(obj, str):
            method = STRING_METHODS.get(name)
        elif isinstance(obj, int | float) and not isinstance(obj, bool):
            method = NUMBER_METHODS.get(name)
        elif isinstance(obj, JSDate):
            method = DATE_METHODS.get(name)
        elif isinstance(obj, JSRegExp):
            method = REGEXP_METHODS.get(name)
        if method is not None:
            state.spend()
            return method(state, obj, *args)
    fn = get_property(obj, name)
    if not isinstance(fn, JSCallable):
        raise ExpressionRuntimeError(f"{property_key(name)} is not a function")
    return fn.call(state, args, obj)
