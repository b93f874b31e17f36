"""The compiler: the official esbuild binary wrapped for TS/TSX/JS/JSX -> JavaScript.

Used at build time for the client runtime (`build_client_runtime`) and by the package
installer for packages' `src/` folders (`compile_package_src`). Errors are data:
`CompileError.diagnostics` lists file, line, column and text for each problem.
"""

from engine.compiler.binary import EsbuildBinary, find_esbuild
from engine.compiler.client import build_client_runtime
from engine.compiler.diagnostics import Diagnostic
from engine.compiler.errors import CompileError, CompilerError, EsbuildNotFoundError
from engine.compiler.esbuild import CompileResult, Loader, SourceMap, compile
from engine.compiler.package_src import compile_package_src

__all__ = [
    "CompileError",
    "CompileResult",
    "CompilerError",
    "Diagnostic",
    "EsbuildBinary",
    "EsbuildNotFoundError",
    "Loader",
    "SourceMap",
    "build_client_runtime",
    "compile",
    "compile_package_src",
    "find_esbuild",
]
