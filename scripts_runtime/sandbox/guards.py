"""Run-time guards that RestrictedPython's compiled code calls (`_getattr_`, `_write_`, ...).

RestrictedPython rejects `_`-prefixed names and known introspection attributes at compile
time; these guards enforce the same rules for the dynamic paths (`getattr(x, name)`,
`str.format` fields) and add our own: modules are never handed to scripts (only curated
namespaces are), frame/code/generator internals are unreachable, and writes go only to
dicts, lists and objects that opt in.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable, Iterable
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from scripts_runtime.sandbox.formatting import str_methods
from scripts_runtime.sandbox.refusals import AccessDenied

DENIED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {
    "mro",
    "f_trace",
    "f_trace_lines",
    "f_trace_opcodes",
    "gi_suspended",
    "cr_origin",
    "cr_suspended",
    "ag_running",
    "func_globals",
    "func_code",
    "func_closure",
    "im_func",
    "im_self",
    "im_class",
    "with_traceback",
}
"""Attribute names refused on every object, whatever their prefix."""

_OPAQUE_TYPES: tuple[type, ...] = (
    types.ModuleType,
    types.FrameType,
    types.TracebackType,
    types.CodeType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
    types.CellType,
    types.MappingProxyType,
    types.GetSetDescriptorType,
    types.MemberDescriptorType,
    types.WrapperDescriptorType,
    types.MethodWrapperType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    property,
    staticmethod,
    classmethod,
    super,
)
"""Objects whose attributes a script may not read at all (generator methods excepted)."""

_GENERATOR_METHODS = frozenset({"send", "throw", "close"})

_MISSING: Any = object()


def check_attribute(obj: object, name: object) -> str:
    """Raise AccessDenied unless a script may read `obj.<name>`; return the name."""
    if not isinstance(name, str):
        raise TypeError("attribute name must be a string")
    if name.startswith("_"):
        raise AccessDenied(
            f'access to "{name}" is not allowed: names starting with "_" are private'
        )
    if name in DENIED_ATTRIBUTES or name.endswith("__roles__"):
        raise AccessDenied(f'access to "{name}" is not allowed')
    if isinstance(obj, types.GeneratorType) and name in _GENERATOR_METHODS:
        return name
    if isinstance(obj, _OPAQUE_TYPES):
        raise AccessDenied(f'access to "{name}" on a {type(obj).__name__} is not allowed')
    return name


_FORMAT_NAMES = frozenset({"format", "format_map"})

_PLAIN_TYPES = (list, dict, set, frozenset, tuple, str, bytes, int, float, complex, bool)
_FAST_ATTRIBUTES: dict[type, frozenset[str]] = {
    kind: frozenset(n for n in dir(kind) if not n.startswith("_")) - _FORMAT_NAMES
    for kind in _PLAIN_TYPES
}
"""The public attributes of builtin value types (all plain methods and data such as
`real`/`imag`), minus the formatting methods: the guard's fast path, one dict and one set
lookup, so method calls in loops stay cheap."""


def guarded_getattr(obj: object, name: str, default: Any = _MISSING) -> Any:
    """`_getattr_` and the script's `getattr` builtin."""
    fast = _FAST_ATTRIBUTES.get(type(obj))
    if fast is not None and name in fast:
        return getattr(obj, name)
    check_attribute(obj, name)
    if name in _SAFE_STR_METHODS:
        if isinstance(obj, str):
            return _SAFE_STR_METHODS[name](obj)
        if isinstance(obj, type) and issubclass(obj, str):
            # `str.format(template, ...)`: the unbound form reaches attributes just the same.
            return _unbound_str_method(name)
    if default is _MISSING:
        return getattr(obj, name)
    return getattr(obj, name, default)


def guarded_hasattr(obj: object, name: str) -> bool:
    try:
        guarded_getattr(obj, name)
    except (AttributeError, AccessDenied):
        return False
    return True


def guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def guarded_getiter(obj: Iterable[Any]) -> Any:
    return iter(obj)


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    try:
        return _INPLACE[op](target, value)
    except KeyError:
        raise AccessDenied(f"augmented assignment {op!r} is not allowed") from None


SCRIPT_MODULE = "__script__"
"""The `__name__` scripts run under, hence the `__module__` of classes they define."""


_WRITABLE = frozenset({dict, list})


def guarded_write(obj: Any) -> Any:
    """`_write_`: item and attribute writes (and deletes) reach only dicts, lists and
    instances of classes the script itself defined; every other object - `ctx` and its
    parts, modules, library objects, builtins - refuses with AccessDenied."""
    if type(obj) in _WRITABLE or isinstance(obj, (dict, list)):
        return obj
    kind = type(obj)
    if getattr(kind, "__module__", None) == SCRIPT_MODULE and not isinstance(obj, type):
        return obj
    raise AccessDenied(f"writing to a {kind.__name__} object is not allowed")


_SAFE_STR_METHODS = str_methods(guarded_getattr)


def _unbound_str_method(name: str) -> Callable[..., str]:
    def unbound(template: str, *args: Any, **kwargs: Any) -> str:
        if not isinstance(template, str):
            raise TypeError(f"str.{name}() needs a string")
        return _SAFE_STR_METHODS[name](template)(*args, **kwargs)

    return unbound


RESTRICTED_GLOBALS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": guarded_getiter,
    "_write_": guarded_write,
    "_inplacevar_": guarded_inplacevar,
    "_apply_": guarded_apply,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "__metaclass__": type,
    "__name__": SCRIPT_MODULE,
}
"""The guard functions RestrictedPython's generated code calls by name."""
