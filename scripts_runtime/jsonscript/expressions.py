"""JSON-script expressions -> Python expressions over the `runtime` globals.

Both dialects are accepted: v2.2 node objects (`{"type": "identifier", "name": "x"}`) and
the v2.1 leaves (raw JSON scalars, `"$ref:params.x"` strings, typed literals, map-style
object literals, `{"template": "Sum: ${sum}"}`), plus the component form whose leaves are
`"{{path}}"` strings. Arrow functions become nested `def`s hoisted into the statement
prelude, so every expression stays a single Python expression.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from scripts_runtime.jsonscript.emitter import Emitter, Names, const, func, mangle, var
from scripts_runtime.jsonscript.operators import BINARY, UNARY
from scripts_runtime.jsonscript.scope import Scope, declared_names, is_js_global

_TEMPLATE_HOLE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_MUSTACHE = re.compile(r"^\{\{\s*(.*?)\s*\}\}$", re.DOTALL)
_PATH = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$")
LOGICAL = {"&&": "js_and", "and": "js_and", "||": "js_or", "or": "js_or", "??": "js_coalesce"}
_REF_ROOTS = {"params", "local", "local_vars", "catch", "constants", "functions", "imports"}


@dataclass(frozen=True)
class TranslationIssue:
    pointer: str
    message: str


class TranslationError(ValueError):
    """The document cannot be translated; `issues` lists every problem with its pointer."""

    def __init__(self, issues: list[TranslationIssue]) -> None:
        super().__init__("; ".join(f"{i.pointer or '/'}: {i.message}" for i in issues))
        self.issues = issues


def literal(value: Any) -> str:
    if value is None:
        return "None"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            return (
                "js_nan" if value != value else ("js_infinity" if value > 0 else "(-js_infinity)")
            )
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(f"not a JSON value: {value!r}")


@dataclass
class ExpressionTranslator:
    constants: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    names: Names = field(default_factory=Names)
    issues: list[TranslationIssue] = field(default_factory=list)
    scope: Scope = field(default_factory=Scope)
    prelude: Emitter = field(default_factory=Emitter)
    context_var: str | None = None
    """Set for component bodies: `{{state.x}}` reads `js_get(<context_var>, "state")`."""

    def fail(self, pointer: str, message: str) -> str:
        self.issues.append(TranslationIssue(pointer, message))
        return "js_undefined"

    # -- names -------------------------------------------------------------------------------

    def name(self, name: str, pointer: str) -> str:
        if self.scope.owner(name) is not None:
            return var(name)
        if name in self.constants:
            return const(name)
        if name in self.functions:
            return func(name)
        if name in ("undefined",):
            return "js_undefined"
        if name == "NaN":
            return "js_nan"
        if name == "Infinity":
            return "js_infinity"
        if is_js_global(name):
            return f"js_{name}"
        if self.context_var is not None and name in ("state", "props", "computed", "handlers"):
            return f'js_get({self.context_var}, "{name}")'
        # The reference executor answers unknown names with undefined.
        return "js_undefined"

    def path(self, root: str, rest: list[str]) -> str:
        expr = root
        for part in rest:
            key = int(part) if part.isdigit() else part
            expr = f"js_get({expr}, {literal(key)})"
        return expr

    def ref(self, ref: str, pointer: str) -> str:
        """A v2.1 `$ref:` path such as `params.a`, `local.sum`, `constants.MAX`."""
        parts = [p for p in ref.split(".") if p]
        if not parts:
            return self.fail(pointer, "empty $ref")
        root = parts[0]
        if root in _REF_ROOTS and len(parts) >= 2:
            target = parts[1]
            if root == "constants":
                base = const(target) if target in self.constants else "js_undefined"
            elif root in ("functions", "imports"):
                base = func(target) if target in self.functions else "js_undefined"
            else:
                base = var(target) if self.scope.owner(target) is not None else "js_undefined"
            return self.path(base, parts[2:])
        return self.path(self.name(root, pointer), parts[1:])

    def mustache(self, text: str, pointer: str) -> str:
        """A component-form leaf `{{a.b[0]}}` (paths only)."""
        inner = _MUSTACHE.match(text)
        assert inner is not None
        expression = inner.group(1)
        if not _PATH.match(expression):
            return self.fail(pointer, f"only paths are supported inside {{{{ }}}}: {expression!r}")
        parts = re.findall(r"[A-Za-z_$][\w$]*|\d+", expression)
        root = parts[0]
        if root == "params" and len(parts) >= 2:
            return self.path(var(parts[1]), parts[2:])
        if root == "imports" and len(parts) >= 3:
            target = parts[2]
            base = func(target) if target in self.functions else "js_undefined"
            return self.path(base, parts[3:])
        return self.path(self.name(root, pointer), parts[1:])

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node: Any, pointer: str) -> str:
        if isinstance(node, str):
            if node.startswith("$ref:"):
                return self.ref(node[5:], pointer)
            if _MUSTACHE.match(node):
                return self.mustache(node, pointer)
            return literal(node)
        if node is None or isinstance(node, bool | int | float):
            return literal(node)
        if isinstance(node, list):
            return self.fail(pointer, "an expression cannot be a JSON array (use array_literal)")
        if not isinstance(node, dict):
            return self.fail(pointer, f"unsupported expression {node!r}")
        kind = node.get("type")
        handler = getattr(self, f"expr_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            return self.fail(pointer, f"unknown expression type {kind!r}")
        result: str = handler(node, pointer)
        return result

    def expr_literal(self, node: dict[str, Any], pointer: str) -> str:
        return literal(node.get("value"))

    expr_string_literal = expr_literal
    expr_number_literal = expr_literal
    expr_boolean_literal = expr_literal

    def expr_null_literal(self, node: dict[str, Any], pointer: str) -> str:
        return "None"

    def expr_identifier(self, node: dict[str, Any], pointer: str) -> str:
        name = node.get("name")
        if not isinstance(name, str):
            return self.fail(pointer, "identifier needs a name")
        return self.name(name, pointer)

    def expr_binary_expression(self, node: dict[str, Any], pointer: str) -> str:
        operator = node.get("operator")
        if operator in LOGICAL:
            return self.expr_logical_expression(node, pointer)
        helper = BINARY.get(str(operator))
        if helper is None:
            return self.fail(pointer, f"unknown binary operator {operator!r}")
        left = self.expr(node.get("left"), f"{pointer}/left")
        right = self.expr(node.get("right"), f"{pointer}/right")
        return f"{helper}({left}, {right})"

    def expr_logical_expression(self, node: dict[str, Any], pointer: str) -> str:
        helper = LOGICAL.get(str(node.get("operator")))
        if helper is None:
            return self.fail(pointer, f"unknown logical operator {node.get('operator')!r}")
        left = self.expr(node.get("left"), f"{pointer}/left")
        right = self.expr(node.get("right"), f"{pointer}/right")
        return f"{helper}({left}, lambda: {right})"

    def expr_unary_expression(self, node: dict[str, Any], pointer: str) -> str:
        operator = node.get("operator")
        argument = node.get("argument")
        if operator == "delete":
            if isinstance(argument, dict) and argument.get("type") == "member_access":
                obj, key = self.member_parts(argument, f"{pointer}/argument")
                return f"js_delete({obj}, {key})"
            return "True"
        helper = UNARY.get(str(operator))
        if helper is None:
            return self.fail(pointer, f"unknown unary operator {operator!r}")
        return f"{helper}({self.expr(argument, f'{pointer}/argument')})"

    def expr_conditional_expression(self, node: dict[str, Any], pointer: str) -> str:
        test = self.expr(node.get("test"), f"{pointer}/test")
        yes = self.expr(node.get("consequent"), f"{pointer}/consequent")
        no = self.expr(node.get("alternate"), f"{pointer}/alternate")
        return f"({yes} if js_truthy({test}) else {no})"

    def member_parts(self, node: dict[str, Any], pointer: str) -> tuple[str, str]:
        obj = self.expr(node.get("object"), f"{pointer}/object")
        prop = node.get("property")
        if node.get("computed") or not isinstance(prop, str):
            key = self.expr(prop, f"{pointer}/property")
        else:
            key = literal(prop)
        return obj, key

    def expr_member_access(self, node: dict[str, Any], pointer: str) -> str:
        obj, key = self.member_parts(node, pointer)
        optional = ", True" if node.get("optional") else ""
        return f"js_get({obj}, {key}{optional})"

    expr_member_expression = expr_member_access

    def arguments(self, args: Any, pointer: str) -> tuple[list[str], bool]:
        out: list[str] = []
        spread = False
        for index, arg in enumerate(args if isinstance(args, list) else []):
            where = f"{pointer}/{index}"
            if isinstance(arg, dict) and arg.get("type") == "spread_expression":
                spread = True
                out.append(f"js_spread({self.expr(arg.get('argument'), f'{where}/argument')})")
            else:
                out.append(self.expr(arg, where))
        return out, spread

    def expr_call_expression(self, node: dict[str, Any], pointer: str) -> str:
        callee = self.expr(node.get("callee"), f"{pointer}/callee")
        args, spread = self.arguments(node.get("args", node.get("arguments")), f"{pointer}/args")
        helper = "js_call_spread" if spread else "js_call"
        return f"{helper}({', '.join([callee, *args])})"

    def expr_template_literal(self, node: dict[str, Any], pointer: str) -> str:
        if isinstance(node.get("template"), str):
            return self.v21_template(node["template"], pointer)
        parts = []
        for index, part in enumerate(node.get("parts") or node.get("quasis") or []):
            if isinstance(part, str) and not part.startswith("$ref:"):
                parts.append(literal(part))
            else:
                parts.append(self.expr(part, f"{pointer}/parts/{index}"))
        return f"js_template({', '.join(parts)})" if parts else '""'

    def v21_template(self, template: str, pointer: str) -> str:
        parts: list[str] = []
        position = 0
        for hole in _TEMPLATE_HOLE.finditer(template):
            if hole.start() > position:
                parts.append(literal(template[position : hole.start()]))
            path = hole.group(1)
            if not _PATH.match(path):
                parts.append(self.fail(pointer, f"unsupported template hole ${{{path}}}"))
            else:
                segments = re.findall(r"[A-Za-z_$][\w$]*|\d+", path)
                if segments[0] in _REF_ROOTS and len(segments) > 1:
                    parts.append(self.ref(".".join(segments), pointer))
                else:
                    parts.append(self.ref("local." + ".".join(segments), pointer))
            position = hole.end()
        if position < len(template):
            parts.append(literal(template[position:]))
        return f"js_template({', '.join(parts)})" if parts else '""'

    def expr_object_literal(self, node: dict[str, Any], pointer: str) -> str:
        properties = node.get("properties")
        entries: list[str] = []
        if isinstance(properties, dict):  # v2.1: {key: expression}
            for key, value in properties.items():
                entries.append(
                    f"({literal(key)}, {self.expr(value, f'{pointer}/properties/{key}')})"
                )
        else:
            for index, prop in enumerate(properties if isinstance(properties, list) else []):
                where = f"{pointer}/properties/{index}"
                if not isinstance(prop, dict):
                    entries.append(f"({literal(str(index))}, {self.fail(where, 'bad property')})")
                elif prop.get("spread") or prop.get("type") == "spread_expression":
                    value = prop.get("argument", prop.get("value"))
                    entries.append(f"(js_spread_key, {self.expr(value, f'{where}/value')})")
                else:
                    key = prop.get("key")
                    if prop.get("computed"):
                        key_expr = self.expr(key, f"{where}/key")
                    elif isinstance(key, dict) and key.get("type") == "identifier":
                        key_expr = literal(key.get("name"))
                    else:
                        key_expr = literal(str(key))
                    entries.append(
                        f"({key_expr}, {self.expr(prop.get('value'), f'{where}/value')})"
                    )
        return f"js_object({', '.join(entries)})"

    def expr_array_literal(self, node: dict[str, Any], pointer: str) -> str:
        items, spread = self.arguments(node.get("elements"), f"{pointer}/elements")
        if spread:
            return f"js_array({', '.join(items)})"
        return "[" + ", ".join(items) + "]"

    def expr_spread_expression(self, node: dict[str, Any], pointer: str) -> str:
        return self.fail(pointer, "spread is only allowed in array literals, calls and objects")

    def expr_await_expression(self, node: dict[str, Any], pointer: str) -> str:
        # No event loop in the sandbox: every ctx call is synchronous, so await is a no-op.
        return self.expr(node.get("argument"), f"{pointer}/argument")

    def expr_arrow_function(self, node: dict[str, Any], pointer: str) -> str:
        name = self.names.fresh("arrow")
        params = node.get("params") or []
        body = node.get("body")
        statements = body if isinstance(body, list) else [{"type": "return", "value": body}]
        body_pointer = f"{pointer}/body"
        self.prelude.extend(self.function_def(name, params, statements, pointer, body_pointer))
        return name

    expr_function_expression = expr_arrow_function

    # Implemented by the statement translator (arrow bodies are statement lists).
    def function_def(
        self,
        name: str,
        params: Any,
        body: Any,
        pointer: str,
        body_pointer: str,
        with_context: bool = False,
    ) -> Emitter:
        raise NotImplementedError

    def param_names(self, params: Any) -> list[str]:
        names: list[str] = []
        for param in params if isinstance(params, list) else []:
            if isinstance(param, str):
                names.append(param.removeprefix("..."))
            elif isinstance(param, dict) and isinstance(param.get("name"), str):
                names.append(param["name"])
        return names

    def function_scope(self, params: Any, body: Any) -> Scope:
        return self.scope.child({*self.param_names(params), *declared_names(body)})


__all__ = ["ExpressionTranslator", "TranslationError", "TranslationIssue", "literal", "mangle"]
