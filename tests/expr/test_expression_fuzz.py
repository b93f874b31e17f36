"""Any source text either evaluates or raises an ExpressionError: never another exception."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts_runtime.expr import ExpressionError, evaluate

TOKENS = [
    "a",
    "b",
    "items",
    "obj",
    "x",
    "1",
    "0",
    "2.5",
    "'s'",
    '"t"',
    "null",
    "undefined",
    "true",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "?.",
    "?",
    ":",
    "!",
    "+",
    "-",
    "*",
    "/",
    "%",
    "**",
    "===",
    "!==",
    "==",
    "<",
    ">=",
    "&&",
    "||",
    "??",
    "=>",
    "...",
    "|",
    ";",
    "=",
    "new",
    "Date",
    "Math",
    "max",
    "map",
    "length",
    "join",
    "typeof",
    "let",
    "return",
    "if",
    "`x${",
    "}`",
    "/a+/g",
    "/[",
    "/(x)\\d*/",
    "test",
    "replace",
    "Object",
    "keys",
    "JSON",
    "stringify",
    "constructor",
    "__class__",
    "_x",
]
SCOPE: dict[str, Any] = {
    "a": 1,
    "b": "two",
    "items": [1, 2, 3],
    "obj": {"k": [1, {"z": None}]},
    "x": None,
}


@settings(max_examples=int(os.environ.get("MB_FUZZ_EXAMPLES", "600")), deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join))
def test_token_soup_never_escapes_the_error_tree(source: str) -> None:
    with contextlib.suppress(ExpressionError):
        evaluate(source, SCOPE, budget=5_000)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_never_escapes_the_error_tree(source: str) -> None:
    with contextlib.suppress(ExpressionError):
        evaluate(source, SCOPE, budget=5_000)
