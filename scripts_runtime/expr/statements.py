"""Statements of arrow-function block bodies: `let/const/var`, `if/else`, `return`, assignment.

The original HEAD workflows write `(acc, [k, v]) => { if (v !== null) acc[k] = v; return acc; }`.
Assignment reaches only the function's own variables and objects this evaluation created (the
`{}` passed to `reduce`, a literal built in the body); data from the scope never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scripts_runtime.expr import syntax as s
from scripts_runtime.expr.access import checked_key
from scripts_runtime.expr.errors import ExpressionRuntimeError
from scripts_runtime.expr.operators import binary_operator
from scripts_runtime.expr.runtime import (
    EvalState,
    Evaluator,
    Scope,
)
from scripts_runtime.expr.values import (
    UNDEFINED,
    add,
    property_key,
    to_number,
    truthy,
)


class Returned(Exception):
    """Unwinds a block body to its arrow function when a `return` runs."""

    def __init__(self, value: Any) -> None:
        self.value = value


def assigns_members(node: Any) -> bool:
    if isinstance(node, s.Assign):
        return isinstance(node.target, s.Member) or assigns_members(node.value)
    if isinstance(node, tuple):
        return any(assigns_members(n) for n in node)
    if isinstance(node, s.Node):
        return any(
            assigns_members(getattr(node, f)) for f in node.__dataclass_fields__ if f != "pos"
        )
    return False


class StatementCompiler:
    """Mixed into the expression compiler: the `c_*` methods for statement nodes."""

    def compile(self, node: s.Node) -> Evaluator:
        raise NotImplementedError

    def c_Block(self, node: s.Block) -> Evaluator:
        statements = [self.compile(stmt) for stmt in node.body]

        def block(scope: Mapping[str, Any], state: EvalState) -> Any:
            for statement in statements:
                state.spend()
                statement(scope, state)
            return UNDEFINED

        return block

    def c_Return(self, node: s.Return) -> Evaluator:
        value = self.compile(node.value) if node.value is not None else None

        def return_(scope: Mapping[str, Any], state: EvalState) -> Any:
            raise Returned(value(scope, state) if value is not None else UNDEFINED)

        return return_

    def c_If(self, node: s.If) -> Evaluator:
        test = self.compile(node.test)
        then = self.compile(node.then)
        otherwise = self.compile(node.otherwise) if node.otherwise is not None else None

        def if_(scope: Mapping[str, Any], state: EvalState) -> Any:
            if truthy(test(scope, state)):
                then(scope, state)
            elif otherwise is not None:
                otherwise(scope, state)
            return UNDEFINED

        return if_

    def c_Declare(self, node: s.Declare) -> Evaluator:
        pairs = [(n, self.compile(v)) for n, v in zip(node.names, node.values, strict=True)]

        def declare(scope: Mapping[str, Any], state: EvalState) -> Any:
            if not isinstance(scope, Scope):
                raise ExpressionRuntimeError("declarations are only allowed in function bodies")
            for name, value in pairs:
                scope.vars[name] = value(scope, state)
            return UNDEFINED

        return declare

    def c_Assign(self, node: s.Assign) -> Evaluator:
        value_fn = self.compile(node.value)
        op = node.op
        target = node.target
        if isinstance(target, s.Identifier):
            return _assign_local(target.name, op, value_fn)
        assert isinstance(target, s.Member)
        obj_fn = self.compile(target.obj)
        if target.computed:
            key_fn = self.compile(target.prop)
        else:
            assert isinstance(target.prop, s.Literal)
            static_key = target.prop.value
            key_fn = lambda scope, state: static_key  # noqa: E731

        def assign_member(scope: Mapping[str, Any], state: EvalState) -> Any:
            obj = obj_fn(scope, state)
            key = checked_key(key_fn(scope, state))
            if not state.is_fresh(obj):
                raise ExpressionRuntimeError("cannot modify data the expression did not create")
            value = value_fn(scope, state)
            if isinstance(obj, dict):
                name = property_key(key)
                if op != "=":
                    value = _compound(op, obj.get(name, UNDEFINED), value)
                obj[name] = value
                return value
            if isinstance(obj, list):
                index = to_number(key)
                if not isinstance(index, int) or not 0 <= index <= min(len(obj), 100_000):
                    raise ExpressionRuntimeError("array index out of range")
                if op != "=":
                    value = _compound(op, obj[index] if index < len(obj) else UNDEFINED, value)
                if index == len(obj):
                    obj.append(value)
                else:
                    obj[index] = value
                return value
            raise ExpressionRuntimeError("cannot set a property on this value")

        return assign_member

    def c_Pattern(self, node: s.Pattern) -> Evaluator:
        raise ExpressionRuntimeError("destructuring is only allowed in parameters")


def function_body(block: Evaluator) -> Evaluator:
    def body(scope: Mapping[str, Any], state: EvalState) -> Any:
        try:
            block(scope, state)
        except Returned as returned:
            return returned.value
        return UNDEFINED

    return body


def _assign_local(name: str, op: str, value_fn: Evaluator) -> Evaluator:
    def assign_local(scope: Mapping[str, Any], state: EvalState) -> Any:
        frame: Any = scope
        while isinstance(frame, Scope):
            if name in frame.vars:
                value = value_fn(scope, state)
                if op != "=":
                    value = _compound(op, frame.vars[name], value)
                frame.vars[name] = value
                return value
            frame = frame.parent
        raise ExpressionRuntimeError(
            f"cannot assign to {name!r}: only variables declared in the expression can change"
        )

    return assign_local


def _compound(op: str, old: Any, value: Any) -> Any:
    if op == "+=":
        return add(old, value)
    return binary_operator("-")(old, value)
