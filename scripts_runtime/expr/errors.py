"""The expression engine's exception tree.

    ExpressionError                 base: anything that stops an expression from producing a value
    ├── ExpressionSyntaxError       the source is not in the supported JavaScript subset
    ├── ExpressionLimitError        a size, depth, step or call-depth limit was exceeded
    ├── ExpressionSecurityError     the source reaches for what it must not (dunder/private)
    └── ExpressionRuntimeError      a JavaScript TypeError/ReferenceError equivalent at evaluation

Every error carries the expression source and, where known, the character position.
"""

from __future__ import annotations


class ExpressionError(Exception):
    """Base class of every error raised by the expression engine."""

    code = "expression_error"

    def __init__(self, message: str, *, source: str | None = None, position: int | None = None):
        self.message = message
        self.source = source
        self.position = position
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" at position {self.position}" if self.position is not None else ""
        if self.source is None:
            return f"{self.message}{where}"
        shown = self.source if len(self.source) <= 120 else self.source[:117] + "..."
        return f"{self.message}{where} in {shown!r}"

    def with_source(self, source: str) -> ExpressionError:
        if self.source is None:
            self.source = source
            self.args = (self._describe(),)
        return self


class ExpressionSyntaxError(ExpressionError):
    code = "expression_syntax"


class ExpressionLimitError(ExpressionError):
    code = "expression_limit"


class ExpressionSecurityError(ExpressionError):
    code = "expression_forbidden"


class ExpressionRuntimeError(ExpressionError):
    code = "expression_runtime"
