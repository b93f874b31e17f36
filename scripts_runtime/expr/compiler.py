"""Compiler: syntax tree -> Python closures `fn(scope, state) -> value`.

Each node becomes one closure, built once per distinct source and cached by `engine`. Property
access lives in `access`, operators in `operators`, block-body statements in `statements`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scripts_runtime.expr import syntax as s
from scripts_runtime.expr.access import ShortCircuit, call_method, checked_key, get_property
from scripts_runtime.expr.builtins import GLOBALS
from scripts_runtime.expr.errors import ExpressionRuntimeError
from scripts_runtime.expr.methods import FILTERS
from scripts_runtime.expr.operators import binary_operator
from scripts_runtime.expr.runtime import (
    ArrowFunction,
    EvalState,
    Evaluator,
    NativeFunction,
)
from scripts_runtime.expr.statements import StatementCompiler, assigns_members, function_body
from scripts_runtime.expr.values import (
    UNDEFINED,
    JSCallable,
    add,
    property_key,
    strict_equals,
    to_number,
    to_string,
    truthy,
    typeof,
)

_MISSING = object()


class Compiler(StatementCompiler):
    def __init__(self, source: str, *, track_fresh: bool = False) -> None:
        self.source = source
        # Only expressions that assign into objects pay for tracking which objects are theirs.
        self.track_fresh = track_fresh

    def compile(self, node: s.Node) -> Evaluator:
        method = getattr(self, "c_" + type(node).__name__)
        fn: Evaluator = method(node)
        return fn

    def c_Literal(self, node: s.Literal) -> Evaluator:
        value = node.value
        return lambda scope, state: value

    def c_Identifier(self, node: s.Identifier) -> Evaluator:
        name = node.name
        fallback = GLOBALS.get(name, UNDEFINED)
        missing = _MISSING

        def identifier(scope: Mapping[str, Any], state: EvalState) -> Any:
            value = scope.get(name, missing)
            return fallback if value is missing else value

        return identifier

    def c_Member(self, node: s.Member) -> Evaluator:
        obj_fn = self.compile(node.obj)
        optional = node.optional
        if not node.computed:
            assert isinstance(node.prop, s.Literal)
            key = node.prop.value
            if isinstance(node.obj, s.Identifier) and not optional:
                return self._identifier_member(node.obj.name, key)

            def member(scope: Mapping[str, Any], state: EvalState) -> Any:
                obj = obj_fn(scope, state)
                if type(obj) is dict:
                    return obj.get(key, UNDEFINED)
                if optional and (obj is None or obj is UNDEFINED):
                    raise ShortCircuit
                return get_property(obj, key)

            return member
        key_fn = self.compile(node.prop)

        def computed(scope: Mapping[str, Any], state: EvalState) -> Any:
            obj = obj_fn(scope, state)
            if optional and (obj is None or obj is UNDEFINED):
                raise ShortCircuit
            return get_property(obj, checked_key(key_fn(scope, state)))

        return computed

    def _identifier_member(self, name: str, key: Any) -> Evaluator:
        """`a.b`, the most common binding, in one closure."""
        fallback = GLOBALS.get(name, UNDEFINED)
        missing = _MISSING

        def identifier_member(scope: Mapping[str, Any], state: EvalState) -> Any:
            obj = scope.get(name, missing)
            if obj is missing:
                obj = fallback
            if type(obj) is dict:
                return obj.get(key, UNDEFINED)
            return get_property(obj, key)

        return identifier_member

    def c_OptionalChain(self, node: s.OptionalChain) -> Evaluator:
        inner = self.compile(node.expr)

        def chain(scope: Mapping[str, Any], state: EvalState) -> Any:
            try:
                return inner(scope, state)
            except ShortCircuit:
                return UNDEFINED

        return chain

    def compile_args(
        self, args: tuple[s.Node, ...]
    ) -> Callable[[Mapping[str, Any], EvalState], list[Any]]:
        if not any(isinstance(a, s.Spread) for a in args):
            fns = [self.compile(a) for a in args]
            return lambda scope, state: [fn(scope, state) for fn in fns]
        parts = [
            (isinstance(a, s.Spread), self.compile(a.expr if isinstance(a, s.Spread) else a))
            for a in args
        ]

        def spread_args(scope: Mapping[str, Any], state: EvalState) -> list[Any]:
            out: list[Any] = []
            for is_spread, fn in parts:
                value = fn(scope, state)
                if is_spread:
                    if not isinstance(value, list | str):
                        raise ExpressionRuntimeError("spread of a non-iterable value")
                    out.extend(value)
                else:
                    out.append(value)
            return out

        return spread_args

    def c_Call(self, node: s.Call) -> Evaluator:
        args_fn = self.compile_args(node.args)
        optional_call = node.optional
        callee = node.callee
        if isinstance(callee, s.Member):
            obj_fn = self.compile(callee.obj)
            optional_member = callee.optional
            if callee.computed:
                key_fn = self.compile(callee.prop)
            else:
                assert isinstance(callee.prop, s.Literal)
                static_key = callee.prop.value
                key_fn = lambda scope, state: static_key  # noqa: E731

            def method_call(scope: Mapping[str, Any], state: EvalState) -> Any:
                obj = obj_fn(scope, state)
                if optional_member and (obj is None or obj is UNDEFINED):
                    raise ShortCircuit
                key = checked_key(key_fn(scope, state))
                if optional_call:
                    fn = get_property(obj, key)
                    if fn is None or fn is UNDEFINED:
                        raise ShortCircuit
                return call_method(state, obj, key, args_fn(scope, state))

            return method_call
        callee_fn = self.compile(callee)
        label = callee.name if isinstance(callee, s.Identifier) else "expression"

        def call(scope: Mapping[str, Any], state: EvalState) -> Any:
            fn = callee_fn(scope, state)
            if not isinstance(fn, JSCallable):
                if optional_call and (fn is None or fn is UNDEFINED):
                    raise ShortCircuit
                raise ExpressionRuntimeError(f"{label} is not a function")
            return fn.call(state, args_fn(scope, state))

        return call

    def c_New(self, node: s.New) -> Evaluator:
        callee_fn = self.compile(node.callee)
        args_fn = self.compile_args(node.args)

        def construct(scope: Mapping[str, Any], state: EvalState) -> Any:
            fn = callee_fn(scope, state)
            if not isinstance(fn, NativeFunction) or fn.construct is None:
                raise ExpressionRuntimeError(f"{to_string(fn)[:40]} is not a constructor")
            state.spend()
            return fn.construct(state, *args_fn(scope, state))

        return construct

    def c_Unary(self, node: s.Unary) -> Evaluator:
        operand = self.compile(node.operand)
        op = node.op
        if op == "!":
            return lambda scope, state: not truthy(operand(scope, state))
        if op == "-":
            return lambda scope, state: -to_number(operand(scope, state))
        if op == "+":
            return lambda scope, state: to_number(operand(scope, state))
        if op == "typeof":
            return lambda scope, state: typeof(operand(scope, state))
        assert op == "void"

        def void(scope: Mapping[str, Any], state: EvalState) -> Any:
            operand(scope, state)
            return UNDEFINED

        return void

    def c_Binary(self, node: s.Binary) -> Evaluator:
        left = self.compile(node.left)
        right = self.compile(node.right)
        op = binary_operator(node.op)
        if node.op == "===":

            def strict(scope: Mapping[str, Any], state: EvalState) -> Any:
                a = left(scope, state)
                b = right(scope, state)
                if type(a) is str and type(b) is str:
                    return a == b
                return strict_equals(a, b)

            return strict
        return lambda scope, state: op(left(scope, state), right(scope, state))

    def c_Logical(self, node: s.Logical) -> Evaluator:
        left = self.compile(node.left)
        right = self.compile(node.right)
        if node.op == "&&":

            def and_(scope: Mapping[str, Any], state: EvalState) -> Any:
                value = left(scope, state)
                return right(scope, state) if truthy(value) else value

            return and_
        if node.op == "||":

            def or_(scope: Mapping[str, Any], state: EvalState) -> Any:
                value = left(scope, state)
                return value if truthy(value) else right(scope, state)

            return or_

        def nullish(scope: Mapping[str, Any], state: EvalState) -> Any:
            value = left(scope, state)
            return right(scope, state) if value is None or value is UNDEFINED else value

        return nullish

    def c_Conditional(self, node: s.Conditional) -> Evaluator:
        test = self.compile(node.test)
        then = self.compile(node.then)
        otherwise = self.compile(node.otherwise)
        return lambda scope, state: (
            then(scope, state) if truthy(test(scope, state)) else otherwise(scope, state)
        )

    def c_ArrayLiteral(self, node: s.ArrayLiteral) -> Evaluator:
        items = self.compile_args(node.items)
        if not self.track_fresh:
            return items
        return lambda scope, state: state.mark_fresh(items(scope, state))

    def c_ObjectLiteral(self, node: s.ObjectLiteral) -> Evaluator:
        entries: list[tuple[str, Any, Evaluator]] = []
        for prop in node.properties:
            if isinstance(prop, s.Spread):
                entries.append(("spread", None, self.compile(prop.expr)))
            elif prop.computed:
                entries.append(("computed", self.compile(prop.key), self.compile(prop.value)))
            else:
                assert isinstance(prop.key, s.Literal)
                entries.append(("static", prop.key.value, self.compile(prop.value)))

        def obj(scope: Mapping[str, Any], state: EvalState) -> Any:
            result: dict[str, Any] = {}
            for kind, key, value_fn in entries:
                if kind == "static":
                    result[key] = value_fn(scope, state)
                elif kind == "computed":
                    name = property_key(checked_key(key(scope, state)))
                    result[name] = value_fn(scope, state)
                else:
                    value = value_fn(scope, state)
                    if isinstance(value, Mapping):
                        state.spend(len(value))
                        result.update(value)
                    elif isinstance(value, list):
                        result.update({str(i): v for i, v in enumerate(value)})
            return result

        if self.track_fresh:
            return lambda scope, state: state.mark_fresh(obj(scope, state))
        return obj

    def c_Spread(self, node: s.Spread) -> Evaluator:
        raise ExpressionRuntimeError("spread is only allowed in arrays, objects and calls")

    def c_TemplateLiteral(self, node: s.TemplateLiteral) -> Evaluator:
        quasis = node.quasis
        fns = [self.compile(e) for e in node.exprs]

        def template(scope: Mapping[str, Any], state: EvalState) -> Any:
            out = [quasis[0]]
            for fn, text in zip(fns, quasis[1:], strict=True):
                out.append(to_string(fn(scope, state)))
                out.append(text)
            return add("", "".join(out))

        return template

    def c_Arrow(self, node: s.Arrow) -> Evaluator:
        body = self.compile(node.body)
        if isinstance(node.body, s.Block):
            body = function_body(body)
        source = self.source

        def arrow(scope: Mapping[str, Any], state: EvalState) -> Any:
            return ArrowFunction(node, body, scope, source)

        return arrow

    def c_Pipe(self, node: s.Pipe) -> Evaluator:
        value_fn = self.compile(node.value)
        args_fn = self.compile_args(node.args)
        name = node.name
        builtin = FILTERS.get(name)

        def pipe(scope: Mapping[str, Any], state: EvalState) -> Any:
            value = value_fn(scope, state)
            fn = scope.get(name)
            if isinstance(fn, JSCallable):
                return fn.call(state, [value, *args_fn(scope, state)])
            if builtin is None:
                raise ExpressionRuntimeError(f"unknown filter {name!r}")
            state.spend()
            return builtin(state, value, *args_fn(scope, state))

        return pipe

    def c_Sequence(self, node: s.Sequence) -> Evaluator:
        fns = [self.compile(e) for e in node.exprs]

        def sequence(scope: Mapping[str, Any], state: EvalState) -> Any:
            value: Any = UNDEFINED
            for fn in fns:
                value = fn(scope, state)
            return value

        return sequence

    # -- statements (arrow block bodies) --------------------------------------------------------

    def c_Property(self, node: s.Property) -> Evaluator:
        raise ExpressionRuntimeError("property outside an object literal")


def compile_node(node: s.Node, source: str) -> Evaluator:
    """Compile a tree; an OptionalChain at any level catches its own short-circuit."""
    return Compiler(source, track_fresh=assigns_members(node)).compile(node)
