"""Run translated JSON-script through the real restricted compile and guards, in-process
(fast, for semantics) or through a sandbox pool (for the full path)."""

from __future__ import annotations

from typing import Any

from scripts_runtime.jsonscript.runtime import JS_GLOBALS
from scripts_runtime.jsonscript.translate import translate_script
from scripts_runtime.sandbox.compiler import CompileCache
from scripts_runtime.sandbox.execution import execute

_CACHE = CompileCache()


def no_host(op: str, args: dict[str, Any]) -> Any:
    raise AssertionError(f"unexpected host call {op}")


def run_source(source: str, request: Any, filename: str = "script.json") -> dict[str, Any]:
    message = {"source": source, "filename": filename, "input": request, "language": "jsonscript"}
    return execute(message, no_host, _CACHE, JS_GLOBALS)


def call(document: dict[str, Any], function: str, *args: Any) -> Any:
    """Translate `document`, call `function(*args)`, return its JSON value (or fail)."""
    done = run_source(translate_script(document).source, {"function": function, "args": list(args)})
    assert done["ok"], done["error"]
    return done["value"]


def fn(name: str, params: list[Any], body: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "params": params, "body": body}


def doc(*functions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"schemaVersion": "2.2.0", "package": "t", "functions": list(functions), **extra}


def ident(name: str) -> dict[str, Any]:
    return {"type": "identifier", "name": name}


def lit(value: Any) -> dict[str, Any]:
    return {"type": "literal", "value": value}


def binary(left: Any, operator: str, right: Any) -> dict[str, Any]:
    return {"type": "binary_expression", "left": left, "operator": operator, "right": right}


def ret(value: Any) -> dict[str, Any]:
    return {"type": "return", "value": value}


def let(name: Any, value: Any) -> dict[str, Any]:
    return {"type": "let_declaration", "name": name, "value": value}


def assign(target: str, value: Any) -> dict[str, Any]:
    return {"type": "assignment", "target": target, "value": value}


def call_expr(callee: Any, *args: Any) -> dict[str, Any]:
    return {"type": "call_expression", "callee": callee, "args": list(args)}


def member(obj: Any, prop: Any, computed: bool = False, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "member_access",
        "object": obj,
        "property": prop,
        "computed": computed,
        "optional": optional,
    }


def arrow(params: list[str], body: Any) -> dict[str, Any]:
    return {"type": "arrow_function", "params": params, "body": body}
