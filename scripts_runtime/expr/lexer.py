"""Tokenizer for the JavaScript expression subset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from scripts_runtime.expr.errors import ExpressionLimitError, ExpressionSyntaxError
from scripts_runtime.expr.regex import scan_literal

MAX_SOURCE_LENGTH: Final = 20_000
MAX_STRING_LITERAL: Final = 10_000
MAX_NUMBER_LITERAL: Final = 64

_PUNCTUATORS: Final = (
    "...",
    "===",
    "!==",
    "**",
    "+=",
    "-=",
    "?.",
    "??",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "=>",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    "?",
    ":",
    "!",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "|",
    ";",
    "=",
)

_ESCAPES: Final = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "0": "\0",
    "'": "'",
    '"': '"',
    "\\": "\\",
    "`": "`",
    "$": "$",
    "\n": "",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num, str, template, name, punct, eof
    value: object
    pos: int


def _is_ident_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_$"


def _is_ident_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionLimitError(f"expression longer than {MAX_SOURCE_LENGTH} characters")
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            i = _scan_number(source, i)
            text = source[start:i]
            if len(text) > MAX_NUMBER_LITERAL:
                raise ExpressionLimitError("number literal too long", position=start)
            tokens.append(Token("num", _number_value(text, start), start))
            continue
        if _is_ident_start(ch):
            while i < n and _is_ident_part(source[i]):
                i += 1
            tokens.append(Token("name", source[start:i], start))
            continue
        if ch in "'\"":
            text, i = _scan_string(source, i, ch)
            tokens.append(Token("str", text, start))
            continue
        if ch == "`":
            parts, i = _scan_template(source, i)
            tokens.append(Token("template", parts, start))
            continue
        if ch == "/" and _regex_allowed(tokens):
            body, flags, i = scan_literal(source, i)
            tokens.append(Token("regex", (body, flags), start))
            continue
        for punct in _PUNCTUATORS:
            if source.startswith(punct, i):
                # `a?.5:1` is a ternary with .5, not optional chaining.
                if punct == "?." and i + 2 < n and source[i + 2].isdigit():
                    continue
                tokens.append(Token("punct", punct, start))
                i += len(punct)
                break
        else:
            raise ExpressionSyntaxError(f"unexpected character {ch!r}", position=i)
    tokens.append(Token("eof", None, n))
    return tokens


_OPERATOR_WORDS: Final = frozenset({"return", "typeof", "void", "in", "new", "else"})


def _regex_allowed(tokens: list[Token]) -> bool:
    """A `/` starts a regular expression where an operand is expected, else it divides."""
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind in ("num", "str", "template", "regex"):
        return False
    if last.kind == "name":
        return last.value in _OPERATOR_WORDS
    return last.value not in (")", "]", "}")


def _scan_number(source: str, i: int) -> int:
    n = len(source)
    if source.startswith(("0x", "0X", "0b", "0B", "0o", "0O"), i):
        i += 2
        while i < n and (source[i].isalnum() or source[i] == "_"):
            i += 1
        return i
    while i < n and (source[i].isdigit() or source[i] == "_"):
        i += 1
    if i < n and source[i] == ".":
        i += 1
        while i < n and source[i].isdigit():
            i += 1
    if i < n and source[i] in "eE":
        j = i + 1
        if j < n and source[j] in "+-":
            j += 1
        if j < n and source[j].isdigit():
            i = j
            while i < n and source[i].isdigit():
                i += 1
    return i


def _number_value(text: str, pos: int) -> int | float:
    clean = text.replace("_", "")
    try:
        if clean[:2].lower() in ("0x", "0b", "0o"):
            return int(clean, 0)
        if any(c in clean for c in ".eE"):
            value = float(clean)
            if value.is_integer() and abs(value) <= 2**53:
                return int(value)
            return value
        return int(clean)
    except ValueError:
        raise ExpressionSyntaxError(f"invalid number {text!r}", position=pos) from None


def _scan_string(source: str, i: int, quote: str) -> tuple[str, int]:
    start = i
    i += 1
    out: list[str] = []
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            i, text = _scan_escape(source, i)
            out.append(text)
        else:
            out.append(ch)
            i += 1
        if len(out) > MAX_STRING_LITERAL:
            raise ExpressionLimitError("string literal too long", position=start)
    raise ExpressionSyntaxError("unterminated string", position=start)


def _scan_escape(source: str, i: int) -> tuple[int, str]:
    if i + 1 >= len(source):
        raise ExpressionSyntaxError("unterminated escape", position=i)
    nxt = source[i + 1]
    if nxt == "u" and source[i + 2 : i + 3] != "{":
        digits = source[i + 2 : i + 6]
        if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
            return i + 6, chr(int(digits, 16))
        raise ExpressionSyntaxError("invalid unicode escape", position=i)
    if nxt == "x":
        digits = source[i + 2 : i + 4]
        if len(digits) == 2 and all(c in "0123456789abcdefABCDEF" for c in digits):
            return i + 4, chr(int(digits, 16))
        raise ExpressionSyntaxError("invalid hex escape", position=i)
    return i + 2, _ESCAPES.get(nxt, nxt)


def _scan_template(source: str, i: int) -> tuple[list[str], int]:
    """Return alternating [text, expr_source, text, ...] for a backtick literal."""
    start = i
    i += 1
    n = len(source)
    parts: list[str] = []
    current: list[str] = []
    while i < n:
        ch = source[i]
        if ch == "`":
            parts.append("".join(current))
            return parts, i + 1
        if ch == "\\":
            i, text = _scan_escape(source, i)
            current.append(text)
            continue
        if ch == "$" and source.startswith("${", i):
            parts.append("".join(current))
            current = []
            depth = 1
            j = i + 2
            while j < n and depth:
                if source[j] == "{":
                    depth += 1
                elif source[j] == "}":
                    depth -= 1
                elif source[j] in "'\"":
                    _, j = _scan_string(source, j, source[j])
                    continue
                j += 1
            if depth:
                raise ExpressionSyntaxError("unterminated template substitution", position=i)
            parts.append(source[i + 2 : j - 1])
            i = j
            continue
        current.append(ch)
        i += 1
        if len(current) > MAX_STRING_LITERAL:
            raise ExpressionLimitError("template literal too long", position=start)
    raise ExpressionSyntaxError("unterminated template literal", position=start)
