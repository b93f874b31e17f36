"""The compiler's public surface is deliberate: adding a name means changing this list."""

from __future__ import annotations

import ast
from pathlib import Path

import engine.compiler

PUBLIC = [
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


def test_the_public_names_are_exactly_these() -> None:
    assert engine.compiler.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(engine.compiler, name) is not None


def test_the_compiler_imports_nothing_from_web() -> None:
    """engine/ must not import web/: the client sources are read as files, never imported."""
    package = Path(engine.compiler.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n == "web" or n.startswith("web.")], module.name
