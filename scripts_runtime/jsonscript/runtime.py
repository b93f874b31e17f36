"""The globals translated JSON-script code runs with (`JS_GLOBALS`).

Translated code calls these by name (`js_add(a, b)`, `js_get(obj, "name")`); user variables
are renamed `v_<name>`, so they never collide. Member access and calls go through `js_get` /
`js_call`, which only look into dicts, lists and strings (and a fixed table of array, string
and global methods), never at Python attributes, so JSON-script code has no route to
anything the restricted Python policy would refuse.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from scripts_runtime.jsonscript import operators
from scripts_runtime.jsonscript.jsvalues import (
    UNDEFINED,
    is_nullish,
    is_number,
    normalise_number,
    to_json,
    to_number,
    to_string,
    truthy,
    typeof,
)
from scripts_runtime.jsonscript.methods import array_method, string_method
from scripts_runtime.jsonscript.stdlib import GLOBAL_OBJECTS


class JsThrow(Exception):
    """A JavaScript `throw` of any value; `catch (e)` receives `value`."""

    def __init__(self, value: Any) -> None:
        super().__init__(to_string(value) if not isinstance(value, dict) else value.get("message"))
        self.value = value


def caught(exc: BaseException) -> Any:
    """The value a JSON-script `catch (e)` binds: the thrown value, or an Error-like object."""
    if isinstance(exc, JsThrow):
        return exc.value
    return {"name": type(exc).__name__, "message": str(exc)}


def get(obj: Any, key: Any, optional: bool = False) -> Any:
    if is_nullish(obj):
        if optional:
            return UNDEFINED
        raise TypeError(f"Cannot read properties of {to_string(obj)} (reading '{to_string(key)}')")
    if isinstance(obj, dict):
        return obj.get(key if isinstance(key, str) else to_string(key), UNDEFINED)
    if isinstance(obj, list):
        if is_number(key) or (isinstance(key, str) and key.isdigit()):
            index = to_number(key)
            if isinstance(index, int) and 0 <= index < len(obj):
                return obj[index]
            return UNDEFINED
        if key == "length":
            return len(obj)
        return array_method(obj, to_string(key))
    if isinstance(obj, str):
        if is_number(key):
            index = to_number(key)
            return obj[index] if isinstance(index, int) and 0 <= index < len(obj) else UNDEFINED
        if key == "length":
            return len(obj)
        return string_method(obj, to_string(key))
    if hasattr(obj, "js_get"):
        return obj.js_get(to_string(key))
    return UNDEFINED


def set_(obj: Any, key: Any, value: Any) -> Any:
    if isinstance(obj, dict):
        obj[key if isinstance(key, str) else to_string(key)] = value
        return value
    if isinstance(obj, list):
        index = to_number(key)
        if isinstance(index, int) and index >= 0:
            if index > 1_000_000:
                raise RangeError("Invalid array length")
            while len(obj) <= index:
                obj.append(UNDEFINED)
            obj[index] = value
            return value
        if key == "length":
            del obj[int(to_number(value)) :]
            return value
    raise TypeError(f"Cannot set property '{to_string(key)}' of {to_string(obj)}")


class RangeError(Exception):
    pass


def call(fn: Any, *args: Any) -> Any:
    """Call `fn` if it is a function; otherwise undefined (the reference executor's rule)."""
    if callable(fn) and not isinstance(fn, dict | list):
        return fn(*args)
    return UNDEFINED


def template(*parts: Any) -> str:
    return "".join(to_string(p) for p in parts)


def new_object(*entries: Any) -> dict[str, Any]:
    """Entries are (key, value) pairs, or ("...", value) for a spread."""
    result: dict[str, Any] = {}
    for key, value in entries:
        if key is SPREAD:
            if isinstance(value, dict):
                result.update(value)
            elif isinstance(value, list | str):
                result.update({str(i): v for i, v in enumerate(value)})
        else:
            result[key if isinstance(key, str) else to_string(key)] = value
    return result


class Spread:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


SPREAD = object()


def spread(value: Any) -> Spread:
    return Spread(value)


def new_array(*items: Any) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if isinstance(item, Spread):
            value = item.value
            if isinstance(value, list | str):
                result.extend(value)
            elif isinstance(value, dict):
                raise TypeError("object is not iterable")
        else:
            result.append(item)
    return result


def call_spread(fn: Any, *items: Any) -> Any:
    return call(fn, *new_array(*items))


def iterate(value: Any) -> list[Any]:
    """`for_each_loop` iterates arrays (and strings); anything else iterates nothing."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())
    return []


def coalesce(left: Any, right: Callable[[], Any]) -> Any:
    return right() if is_nullish(left) else left


def and_(left: Any, right: Callable[[], Any]) -> Any:
    return right() if truthy(left) else left


def or_(left: Any, right: Callable[[], Any]) -> Any:
    return left if truthy(left) else right()


def destructure_object(value: Any, keys: list[str]) -> list[Any]:
    return [get(value, key) for key in keys]


def destructure_array(value: Any, count: int, rest: bool) -> list[Any]:
    items = iterate(value)
    head = [items[i] if i < len(items) else UNDEFINED for i in range(count)]
    if rest:
        head.append(items[count:])
    return head


def delete(obj: Any, key: Any) -> bool:
    if isinstance(obj, dict):
        obj.pop(to_string(key), None)
    return True


def entry(functions: Mapping[str, Any], default: str | None, request: Any) -> Any:
    """Pick the function a script run asks for and call it with the run's arguments."""
    if isinstance(request, dict) and ("function" in request or "args" in request):
        name = request.get("function", default)
        args = request.get("args", [])
    elif isinstance(request, list):
        name, args = default, request
    else:
        name, args = default, ([] if request is None else [request])
    function = functions.get(name) if isinstance(name, str) else None
    if function is None:
        available = ", ".join(sorted(functions))
        raise LookupError(f"no function {name!r} in this script (available: {available})")
    if not isinstance(args, list):
        raise TypeError("args must be a list")
    return function(*args)


def component_entry(
    prop_defaults: Mapping[str, Any],
    initial_state: Callable[[dict[str, Any]], Any],
    handlers: Mapping[str, Any],
    computed: Mapping[str, Any],
    request: Any,
) -> dict[str, Any]:
    """Evaluate one computed value or run one handler of a translated component."""
    request = request if isinstance(request, dict) else {}
    props = {**prop_defaults, **(request.get("props") or {})}
    context: dict[str, Any] = {"props": props, "state": {}}
    state = request.get("state")
    context["state"] = dict(state) if isinstance(state, dict) else initial_state(context)
    if "handler" in request:
        handler = handlers.get(request["handler"])
        if handler is None:
            raise LookupError(f"no handler {request['handler']!r} (available: {sorted(handlers)})")
        value = handler(context, *(request.get("args") or []))
    else:
        name = request.get("computed")
        function = computed.get(name) if isinstance(name, str) else None
        if function is None:
            raise LookupError(f"no computed value {name!r} (available: {sorted(computed)})")
        value = function(context)
    return {"value": value, "state": context["state"]}


def finish(value: Any) -> Any:
    """Applied to what `main` returns: plain JSON as JSON.stringify would produce."""
    return to_json(value)


JS_GLOBALS: dict[str, Any] = {
    "js_add": operators.add,
    "js_sub": operators.sub,
    "js_mul": operators.mul,
    "js_div": operators.div,
    "js_mod": operators.mod,
    "js_pow": operators.power,
    "js_eq": operators.strict_eq,
    "js_ne": lambda a, b: not operators.strict_eq(a, b),
    "js_loose_eq": operators.loose_eq,
    "js_lt": operators.lt,
    "js_le": operators.le,
    "js_gt": operators.gt,
    "js_ge": operators.ge,
    "js_in": operators.has_property,
    "js_instanceof": operators.instance_of,
    "js_not": operators.not_,
    "js_neg": operators.neg,
    "js_pos": operators.pos,
    "js_bitnot": operators.bit_not,
    "js_typeof": typeof,
    "js_void": operators.void,
    "js_delete": delete,
    "js_truthy": truthy,
    "js_and": and_,
    "js_or": or_,
    "js_coalesce": coalesce,
    "js_get": get,
    "js_set": set_,
    "js_call": call,
    "js_call_spread": call_spread,
    "js_template": template,
    "js_object": new_object,
    "js_array": new_array,
    "js_spread": spread,
    "js_spread_key": SPREAD,
    "js_iter": iterate,
    "js_caught": caught,
    "js_destructure_object": destructure_object,
    "js_destructure_array": destructure_array,
    "js_finish": finish,
    "js_entry": entry,
    "js_component_entry": component_entry,
    "JsThrow": JsThrow,
    "undefined": UNDEFINED,
    "js_undefined": UNDEFINED,
    "js_nan": math.nan,
    "js_infinity": math.inf,
    "js_number": normalise_number,
    **GLOBAL_OBJECTS,
}
"""Added to a script's globals when `ScriptRequest.language == "jsonscript"`."""

__all__ = ["JS_GLOBALS", "JsThrow", "RangeError", "caught"]
