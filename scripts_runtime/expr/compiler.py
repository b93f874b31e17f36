"""Compiler: syntax tree -> Python closures `fn(scope, state) -> value`.

Each node becomes one closure, built once per distinct source and cached by `engine`. Property
access only ever reads dict keys, list/str indexes and the whitelisted method tables in
`builtins`; no Python attribute of any value is read, so expressions cannot reach Python objects.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from scripts_runtime.expr import syntax as s
from scripts_runtime.expr.builtins import GLOBALS, power
from scripts_runtime.expr.dates import DATE_METHODS
from scripts_runtime.expr.errors import ExpressionRuntimeError, ExpressionSecurityError
from scripts_runtime.expr.methods import ARRAY_METHODS, FILTERS, NUMBER_METHODS, STRING_METHODS
from scripts_runtime.expr.runtime import (
    ArrowFunction,
    EvalState,
    Evaluator,
    Namespace,
    NativeFunction,
    Scope,
)
from scripts_runtime.expr.values import (
    UNDEFINED,
    JSCallable,
    JSDate,
    add,
    compare,
    loose_equals,
    normalize_number,
    property_key,
    strict_equals,
    to_number,
    to_string,
    truthy,
    typeof,
)

_MISSING = object()


class _ShortCircuit(Exception):
    """Raised by a `?.` link on a nullish value; caught by the enclosing OptionalChain."""


def _bound(name: str, method: Callable[..., Any], receiver: Any) -> NativeFunction:
    return NativeFunction(name, lambda state, *args: method(state, receiver, *args))


def _checked_key(key: Any) -> Any:
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
    return UNDEFINED


def _call_method(state: EvalState, obj: Any, name: Any, args: list[Any]) -> Any:
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
        if method is not None:
            state.spend()
            return method(state, obj, *args)
    fn = get_property(obj, name)
    if not isinstance(fn, JSCallable):
        raise ExpressionRuntimeError(f"{property_key(name)} is not a function")
    return fn.call(state, args, obj)


def _arith(op: str) -> Callable[[Any, Any], Any]:
    def sub(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        result = x - y
        return normalize_number(result) if isinstance(result, float) else result

    def mul(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if isinstance(x, int) and isinstance(y, int):
            return x * y
        try:
            return normalize_number(float(x) * float(y))
        except OverflowError:
            return math.inf

    def div(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if y == 0:
            if x == 0 or x != x:
                return math.nan
            negative = (x < 0) != (math.copysign(1.0, float(y)) < 0)
            return -math.inf if negative else math.inf
        try:
            return normalize_number(x / y)
        except OverflowError:
            return math.inf

    def mod(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if y == 0 or x != x or y != y or math.isinf(x):
            return math.nan
        if math.isinf(y):
            return x
        return normalize_number(math.fmod(x, y))

    table: dict[str, Callable[[Any, Any], Any]] = {
        "+": add,
        "-": sub,
        "*": mul,
        "/": div,
        "%": mod,
        "**": power,
        "==": loose_equals,
        "!=": lambda a, b: not loose_equals(a, b),
        "===": strict_equals,
        "!==": lambda a, b: not strict_equals(a, b),
        "<": lambda a, b: compare(a, b, "<"),
        ">": lambda a, b: compare(a, b, ">"),
        "<=": lambda a, b: compare(a, b, "<="),
        ">=": lambda a, b: compare(a, b, ">="),
        "in": _in,
    }
    return table[op]


def _in(key: Any, obj: Any) -> bool:
    if isinstance(obj, Mapping):
        return property_key(key) in obj
    if isinstance(obj, list):
        index = to_number(key)
        return isinstance(index, int) and 0 <= index < len(obj)
    raise ExpressionRuntimeError("cannot use 'in' operator on a non-object")


class _Returned(Exception):
    """Unwinds a block body to its arrow function when a `return` runs."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _assigns_members(node: Any) -> bool:
    if isinstance(node, s.Assign):
        return isinstance(node.target, s.Member) or _assigns_members(node.value)
    if isinstance(node, tuple):
        return any(_assigns_members(n) for n in node)
    if isinstance(node, s.Node):
        return any(
            _assigns_members(getattr(node, f)) for f in node.__dataclass_fields__ if f != "pos"
        )
    return False


class Compiler:
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
                    raise _ShortCircuit
                return get_property(obj, key)

            return member
        key_fn = self.compile(node.prop)

        def computed(scope: Mapping[str, Any], state: EvalState) -> Any:
            obj = obj_fn(scope, state)
            if optional and (obj is None or obj is UNDEFINED):
                raise _ShortCircuit
            return get_property(obj, _checked_key(key_fn(scope, state)))

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
            except _ShortCircuit:
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
                    raise _ShortCircuit
                key = _checked_key(key_fn(scope, state))
                if optional_call:
                    fn = get_property(obj, key)
                    if fn is None or fn is UNDEFINED:
                        raise _ShortCircuit
                return _call_method(state, obj, key, args_fn(scope, state))

            return method_call
        callee_fn = self.compile(callee)
        label = callee.name if isinstance(callee, s.Identifier) else "expression"

        def call(scope: Mapping[str, Any], state: EvalState) -> Any:
            fn = callee_fn(scope, state)
            if not isinstance(fn, JSCallable):
                if optional_call and (fn is None or fn is UNDEFINED):
                    raise _ShortCircuit
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
        op = _arith(node.op)
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
                    name = property_key(_checked_key(key(scope, state)))
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
            body = _function_body(body)
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
            raise _Returned(value(scope, state) if value is not None else UNDEFINED)

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
            key = _checked_key(key_fn(scope, state))
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

    def c_Property(self, node: s.Property) -> Evaluator:
        raise ExpressionRuntimeError("property outside an object literal")


def _function_body(block: Evaluator) -> Evaluator:
    def body(scope: Mapping[str, Any], state: EvalState) -> Any:
        try:
            block(scope, state)
        except _Returned as returned:
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
    return _arith("-")(old, value)


def compile_node(node: s.Node, source: str) -> Evaluator:
    """Compile a tree; an OptionalChain at any level catches its own short-circuit."""
    return Compiler(source, track_fresh=_assigns_members(node)).compile(node)
