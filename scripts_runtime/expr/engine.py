"""Public entry points: compile an expression once (cached), evaluate it against a scope."""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from scripts_runtime.expr import syntax as s
from scripts_runtime.expr.compiler import compile_node
from scripts_runtime.expr.errors import (
    ExpressionError,
    ExpressionLimitError,
    ExpressionRuntimeError,
)
from scripts_runtime.expr.parser import parse
from scripts_runtime.expr.runtime import DEFAULT_STEP_BUDGET, Clock, EvalState, Evaluator

CACHE_SIZE: Final = 8192
_EMPTY_SCOPE: Final[Mapping[str, Any]] = {}

# Python-level failures inside whitelisted functions are JavaScript TypeErrors to the caller.
_RUNTIME_FAILURES = (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError)


class CompiledExpression:
    """One parsed and compiled expression; immutable and safe to share between threads."""

    __slots__ = ("fn", "node", "source")

    def __init__(self, source: str, node: s.Node, fn: Evaluator) -> None:
        self.source = source
        self.node = node
        self.fn = fn

    def evaluate(
        self,
        scope: Mapping[str, Any] = _EMPTY_SCOPE,
        *,
        state: EvalState | None = None,
        budget: int = DEFAULT_STEP_BUDGET,
        clock: Clock | None = None,
        deterministic: bool = False,
        rng: random.Random | None = None,
    ) -> Any:
        if state is None:
            state = EvalState(budget=budget, clock=clock, deterministic=deterministic, rng=rng)
        try:
            return self.fn(scope, state)
        except ExpressionError as exc:
            raise exc.with_source(self.source) from None
        except RecursionError:
            raise ExpressionLimitError(
                "expression recursed too deeply", source=self.source
            ) from None
        except _RUNTIME_FAILURES as exc:
            raise ExpressionRuntimeError(str(exc), source=self.source) from None

    @property
    def identifier(self) -> str | None:
        """The name, when the whole expression is one bare identifier (`{{increment}}`)."""
        return self.node.name if isinstance(self.node, s.Identifier) else None

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


@lru_cache(maxsize=CACHE_SIZE)
def _compile_cached(source: str) -> CompiledExpression:
    node = parse(source)
    return CompiledExpression(source, node, compile_node(node, source))


def compile_expression(source: str) -> CompiledExpression:
    """Parse and compile `source` (JavaScript-subset, without `{{ }}`); cached by source text."""
    if not isinstance(source, str):
        raise TypeError("expression source must be a str")
    try:
        return _compile_cached(source.strip())
    except ExpressionError as exc:
        raise exc.with_source(source) from None
    except RecursionError:
        raise ExpressionLimitError("expression nested too deeply", source=source) from None


def evaluate(
    expression: str | CompiledExpression,
    scope: Mapping[str, Any] = _EMPTY_SCOPE,
    *,
    budget: int = DEFAULT_STEP_BUDGET,
    clock: Clock | None = None,
    deterministic: bool = False,
    rng: random.Random | None = None,
) -> Any:
    """Evaluate an expression against `scope`. Raises an `ExpressionError` subclass on failure.

    `deterministic=True` (workflows) makes `Date.now()` read `clock` and refuses `Math.random()`
    unless `rng` is given, so replays see the same values.
    """
    compiled = compile_expression(expression) if isinstance(expression, str) else expression
    return compiled.evaluate(
        scope, budget=budget, clock=clock, deterministic=deterministic, rng=rng
    )
