"""Restricted compilation of script source, cached by content hash.

`compile_script` runs RestrictedPython's transformer under `ScriptPolicy` and returns a
`CompiledScript` (code, or the policy's messages as data with their line numbers). The cache
is keyed by the SHA-256 of (filename, source): the filename is part of the key because it is
baked into the code object and into every error a script reports.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from types import CodeType

from RestrictedPython.compile import compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

MAX_SOURCE_BYTES = 1024 * 1024
CACHE_SIZE = 256

_LINE = re.compile(r"^Line (\d+):\s*")


class ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus our refusals.

    It denies `global` (module state belongs to one run; rebinding it from functions only
    invites confusion with the shared-nothing model); `nonlocal` stays allowed for closures,
    which translated JSON-script arrow functions rely on. RestrictedPython itself already
    refuses `async` code, `match`, `except*` and every `_`-prefixed name.
    """

    def visit_Global(self, node: ast.Global) -> ast.AST:
        self.error(node, "Global statements are not allowed.")
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        """It allows `name op= value` natively and `obj[key] op= value` through the write
        guard; attribute targets stay refused.

        RestrictedPython routes `n += 1` through `_inplacevar_`, a call per operation; the
        native form is exactly as safe as `n = n + 1`, which it leaves alone, and keeps loops
        fast. A subscript target is rewritten to `_write_(obj)[key] op= value`, so the write
        guard sees the container just as for `obj[key] = value`.
        """
        if isinstance(node.target, ast.Name):
            self.check_name(node, node.target.id)
            node.value = self.visit(node.value)
            return node
        if isinstance(node.target, ast.Subscript):
            target = node.target
            target.value = self.visit(target.value)
            target.slice = self.visit(target.slice)
            guarded = ast.Call(
                func=ast.Name("_write_", ast.Load()), args=[target.value], keywords=[]
            )
            copy_locations(guarded, target.value)
            target.value = guarded
            node.value = self.visit(node.value)
            return node
        refused = super().visit_AugAssign(node)
        assert isinstance(refused, ast.AST)
        return refused

    def visit_Import(self, node: ast.Import) -> ast.AST:
        for alias in node.names:
            self._check_module_path(node, alias.name)
        return self._checked(super().visit_Import(node))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        """It denies `from _private import x` (RestrictedPython checks only the names bound)."""
        self._check_module_path(node, node.module or "")
        return self._checked(super().visit_ImportFrom(node))

    @staticmethod
    def _checked(result: object) -> ast.AST:
        assert isinstance(result, ast.AST)
        return result

    def _check_module_path(self, node: ast.AST, path: str) -> None:
        if any(part.startswith("_") for part in path.split(".")):
            self.error(node, f'"{path}" is an invalid module name because a part starts with "_".')

    def visit_Nonlocal(self, node: ast.Nonlocal) -> ast.AST:
        """It allows `nonlocal` of names a script may use (it only rebinds a variable of an
        enclosing function; RestrictedPython refuses it by default)."""
        for name in node.names:
            self.check_name(node, name)
        return node


@dataclass(frozen=True)
class CompileMessage:
    line: int | None
    message: str


@dataclass(frozen=True)
class CompiledScript:
    key: str
    filename: str
    code: CodeType | None
    errors: tuple[CompileMessage, ...] = ()


def _message(raw: str) -> CompileMessage:
    match = _LINE.match(raw)
    if match:
        return CompileMessage(int(match.group(1)), raw[match.end() :])
    return CompileMessage(None, raw)


def _syntax_message(raw: str) -> CompileMessage:
    # RestrictedPython reports syntax errors as "Line N: SyntaxError: msg at statement: '...'".
    message = _message(raw)
    text = message.message.split(" at statement:", 1)[0]
    return CompileMessage(message.line, text)


def content_key(source: str, filename: str) -> str:
    digest = hashlib.sha256()
    digest.update(filename.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def compile_script(source: str, filename: str) -> CompiledScript:
    key = content_key(source, filename)
    if len(source.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        message = CompileMessage(None, f"source larger than {MAX_SOURCE_BYTES} bytes")
        return CompiledScript(key, filename, None, (message,))
    result = compile_restricted_exec(source, filename=filename, policy=ScriptPolicy)
    if result.errors or result.code is None:
        messages = tuple(
            _syntax_message(e) if "SyntaxError" in e else _message(e) for e in result.errors
        )
        return CompiledScript(key, filename, None, messages or (CompileMessage(None, "?"),))
    return CompiledScript(key, filename, result.code)


class CompileCache:
    """An LRU of compiled scripts keyed by content hash (one per sandbox child)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[str, CompiledScript] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, source: str, filename: str) -> CompiledScript:
        key = content_key(source, filename)
        entry = self._entries.get(key)
        if entry is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            return entry
        self.misses += 1
        entry = compile_script(source, filename)
        self._entries[key] = entry
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return entry
