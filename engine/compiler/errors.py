"""The compiler's exceptions.

CompilerError                 base of everything engine.compiler raises
├── EsbuildNotFoundError      no esbuild binary: says how to install it
└── CompileError              esbuild rejected the input; carries its diagnostics
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.compiler.diagnostics import Diagnostic


class CompilerError(Exception):
    """Base class of the compiler's errors."""


class EsbuildNotFoundError(CompilerError):
    """The esbuild binary could not be found or does not run."""


class CompileError(CompilerError):
    """esbuild reported errors; `diagnostics` lists them with file, line and column."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__(self._summary())

    def _summary(self) -> str:
        if not self.diagnostics:
            return "esbuild failed without a diagnostic"
        lines = [str(diagnostic) for diagnostic in self.diagnostics]
        return "\n".join(lines)
