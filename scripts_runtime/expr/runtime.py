"""Evaluation state and the callable values an expression can hold.

`EvalState` carries the step budget, the call depth and the clock of one evaluation. Every
call, every callback iteration and every bulk operation spends steps, so no expression can run
for long however it is written.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from scripts_runtime.expr.errors import ExpressionLimitError, ExpressionRuntimeError
from scripts_runtime.expr.values import UNDEFINED, JSCallable

if TYPE_CHECKING:
    from scripts_runtime.expr.syntax import Arrow

DEFAULT_STEP_BUDGET: Final = 100_000
MAX_CALL_DEPTH: Final = 32

Clock = Callable[[], float]
"""Returns the current time in epoch milliseconds."""


def wall_clock_ms() -> float:
    return time.time() * 1000.0


class EvalState:
    __slots__ = ("call_depth", "clock", "deterministic", "fresh", "rng", "steps_left")

    def __init__(
        self,
        *,
        budget: int = DEFAULT_STEP_BUDGET,
        clock: Clock | None = None,
        deterministic: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.steps_left = budget
        self.call_depth = 0
        self.clock = clock
        self.deterministic = deterministic
        self.rng = rng
        # Objects and arrays this evaluation created (kept alive, by id): the only ones that a
        # block body may modify. None until an expression with member assignment runs.
        self.fresh: dict[int, Any] | None = None

    def mark_fresh(self, value: Any) -> Any:
        if self.fresh is None:
            self.fresh = {}
        self.fresh[id(value)] = value
        return value

    def is_fresh(self, value: Any) -> bool:
        return self.fresh is not None and self.fresh.get(id(value)) is value

    def spend(self, steps: int = 1) -> None:
        self.steps_left -= steps
        if self.steps_left < 0:
            raise ExpressionLimitError("step budget exhausted")

    def now_ms(self) -> float:
        if self.clock is not None:
            return self.clock()
        if self.deterministic:
            raise ExpressionRuntimeError("Date.now() needs an injected clock in deterministic mode")
        return wall_clock_ms()

    def random(self) -> float:
        if self.rng is not None:
            return self.rng.random()
        if self.deterministic:
            raise ExpressionRuntimeError("Math.random() is not available in deterministic mode")
        return random.random()


class Scope(Mapping[str, Any]):
    """A child scope: its own variables over a parent mapping (lookups fall through)."""

    __slots__ = ("parent", "vars")

    def __init__(self, variables: dict[str, Any], parent: Mapping[str, Any]) -> None:
        self.vars = variables
        self.parent = parent

    def __getitem__(self, key: str) -> Any:
        if key in self.vars:
            return self.vars[key]
        return self.parent[key]

    def get(self, key: str, default: Any = None) -> Any:
        vars_ = self.vars
        if key in vars_:
            return vars_[key]
        return self.parent.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.vars or key in self.parent

    def __iter__(self) -> Iterator[str]:
        seen = set(self.vars)
        yield from self.vars
        for key in self.parent:
            if key not in seen:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


Evaluator = Callable[[Mapping[str, Any], EvalState], Any]


class ArrowFunction(JSCallable):
    """An arrow function value: its syntax, compiled body and the scope it closed over."""

    __slots__ = ("body", "node", "scope", "source")

    def __init__(self, node: Arrow, body: Evaluator, scope: Mapping[str, Any], source: str) -> None:
        self.node = node
        self.body = body
        self.scope = scope
        self.source = source

    @property
    def params(self) -> tuple[str, ...]:
        return self.node.names

    def call(self, state: Any, args: Sequence[Any], this: Any = UNDEFINED) -> Any:
        variables: dict[str, Any] = {}
        for i, param in enumerate(self.node.params):
            arg = args[i] if i < len(args) else UNDEFINED
            if isinstance(param, str):
                variables[param] = arg
            elif param.kind == "[":
                items = arg if isinstance(arg, list | tuple | str) else ()
                for j, name in enumerate(param.names):
                    variables[name] = items[j] if j < len(items) else UNDEFINED
            else:
                for name in param.names:
                    variables[name] = (
                        arg.get(name, UNDEFINED) if isinstance(arg, Mapping) else UNDEFINED
                    )
        state.spend()
        state.call_depth += 1
        if state.call_depth > MAX_CALL_DEPTH:
            state.call_depth -= 1
            raise ExpressionLimitError(f"call depth exceeds {MAX_CALL_DEPTH}")
        try:
            return self.body(Scope(variables, self.scope), state)
        finally:
            state.call_depth -= 1

    def __repr__(self) -> str:
        return f"<arrow {self.source}>"


class NativeFunction(JSCallable):
    """A Python function exposed to expressions: `fn(state, *args)`; `this` is bound first."""

    __slots__ = ("construct", "fn", "members", "name", "pass_this")

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        members: Mapping[str, Any] | None = None,
        pass_this: bool = False,
        construct: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self.construct = construct
        self.fn = fn
        self.members = dict(members or {})
        self.pass_this = pass_this

    def call(self, state: Any, args: Sequence[Any], this: Any = UNDEFINED) -> Any:
        state.spend()
        if self.pass_this:
            return self.fn(state, this, *args)
        return self.fn(state, *args)

    def __repr__(self) -> str:
        return f"<native {self.name}>"


def host_function(name: str, fn: Callable[..., Any]) -> NativeFunction:
    """Wrap a plain Python function `fn(*args)` so expressions may call it."""
    return NativeFunction(name, lambda _state, *args: fn(*args))


class Namespace:
    """A read-only global object such as `Math` or `JSON`: members only, not callable."""

    __slots__ = ("members", "name")

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        self.name = name
        self.members = dict(members)

    def __repr__(self) -> str:
        return f"<{self.name}>"
