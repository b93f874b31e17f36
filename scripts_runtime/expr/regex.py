"""Regular-expression literals (`/[^a-z0-9]+/g`) in a subset that cannot run away.

The original workflows slugify with `.replace(/[^a-z0-9]+/g, '-')`. Python's `re` backtracks,
so a pattern like `(a+)+b` could hang the process; the subset below keeps the worst case
polynomial and small, and inputs are capped:

- literals, `.`, character classes, escapes (`\\d \\w \\s \\b` ...), anchors `^ $`, groups and `|`;
- quantifiers (`* + ? {n,m}`, lazy or greedy) on single atoms only, never on a group;
- two unbounded repetitions in a row must be separated by a mandatory atom the first cannot
  match (`\\d+-\\d+` is fine, `\\d+\\d+` or `.*.*` is refused); at most 8 quantifiers;
- no alternation inside a group that contains a quantifier;
- no backreferences, lookarounds or named groups; flags `g i m s` only;
- inputs up to MAX_INPUT characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from scripts_runtime.expr.errors import ExpressionLimitError, ExpressionSyntaxError

MAX_PATTERN: Final = 200
MAX_INPUT: Final = 5_000
_BOUNDED_LIMIT: Final = 16
_FLAGS: Final = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "g": 0}


class JSRegExp:
    __slots__ = ("compiled", "flags", "source")

    def __init__(self, source: str, flags: str) -> None:
        self.source = source
        self.flags = flags
        self.compiled = compile_pattern(source, flags)

    @property
    def is_global(self) -> bool:
        return "g" in self.flags

    def __repr__(self) -> str:
        return f"/{self.source}/{self.flags}"


def _error(message: str) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(f"unsupported regular expression: {message}")


def compile_pattern(source: str, flags: str) -> re.Pattern[str]:
    if len(source) > MAX_PATTERN:
        raise ExpressionLimitError(f"regular expression longer than {MAX_PATTERN} characters")
    if len(set(flags)) != len(flags) or any(f not in _FLAGS for f in flags):
        raise _error(f"flags {flags!r} (only g, i, m, s)")
    translated = _check_and_translate(source, multiline="m" in flags, ignore_case="i" in flags)
    options = re.ASCII
    for flag in flags:
        options |= _FLAGS[flag]
    try:
        return re.compile(translated, options)
    except re.error as exc:
        raise _error(str(exc)) from None


_PROBES: Final = [chr(c) for c in range(128)] + ["\u00e9", "\u20ac", "\u2028", "\u4e00"]
_MAX_QUANTIFIERS: Final = 8


def _chars(atom: str, ignore_case: bool) -> frozenset[str]:
    """The probe characters an atom (`a`, `\\d`, `[^a-z]`, `.`) can match."""
    try:
        compiled = re.compile(atom, re.ASCII | re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    except re.error as exc:
        raise _error(str(exc)) from None
    return frozenset(c for c in _PROBES if compiled.fullmatch(c))


class _Checker:
    """Walks the pattern once: validates the subset and tracks ambiguous repetition."""

    def __init__(self, source: str, ignore_case: bool) -> None:
        self.source = source
        self.ignore_case = ignore_case
        self.quantifiers = 0
        # Characters the last unbounded repetition can still absorb, until a mandatory atom
        # it cannot match separates it from what follows.
        self.pending: frozenset[str] | None = None
        self.group_stack: list[tuple[frozenset[str] | None, int]] = []

    def atom(self, text: str, quantifier: str) -> None:
        chars = _chars(text, self.ignore_case)
        if quantifier:
            self.quantifiers += 1
            if self.quantifiers > _MAX_QUANTIFIERS:
                raise _error(f"more than {_MAX_QUANTIFIERS} quantifiers")
        unbounded = _is_unbounded(quantifier)
        optional = quantifier.startswith(("?", "*")) or quantifier.startswith("{0")
        if unbounded:
            if self.pending is not None and self.pending & chars:
                raise _error("two repetitions that can match the same text in a row")
            # A mandatory repetition the previous one cannot match also separates them.
            self.pending = chars if self.pending is None or not optional else self.pending | chars
        elif not optional and self.pending is not None and not (self.pending & chars):
            self.pending = None  # a mandatory separator the repetition cannot swallow

    def open_group(self) -> None:
        self.group_stack.append((self.pending, self.quantifiers))

    def alternative(self) -> None:
        if self.group_stack:
            before, quantifiers = self.group_stack[-1]
            if self.quantifiers > quantifiers:
                raise _error("alternation inside a group that repeats")
            self.pending = before
        else:
            self.pending = None

    def close_group(self) -> None:
        if not self.group_stack:
            raise _error("unbalanced parenthesis")
        self.group_stack.pop()


def _is_unbounded(quantifier: str) -> bool:
    if quantifier.startswith(("*", "+")):
        return True
    if quantifier.startswith("{") and "," in quantifier:
        high = quantifier.strip("{}?").partition(",")[2]
        return not high or int(high) > _BOUNDED_LIMIT
    return False


def _quantifier_at(source: str, i: int) -> str:
    """The quantifier starting at i (with a lazy `?`), or ""."""
    if i >= len(source) or source[i] not in "*+?{":
        return ""
    end = i + 1
    if source[i] == "{":
        close = source.find("}", i)
        bounds = source[i + 1 : close] if close > 0 else ""
        if close < 0 or not re.fullmatch(r"\d{1,4}(,\d{0,4})?", bounds):
            raise _error("malformed {m,n} quantifier")
        low, _, high = bounds.partition(",")
        if int(low) > 1000 or (high and int(high) > 1000):
            raise _error("repetition count too large")
        end = close + 1
    if end < len(source) and source[end] == "?":
        end += 1
    return source[i:end]


def _check_and_translate(source: str, *, multiline: bool, ignore_case: bool = False) -> str:
    checker = _Checker(source, ignore_case)
    out: list[str] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        atom = ""
        if ch == "\\":
            if i + 1 >= n:
                raise _error("trailing backslash")
            nxt = source[i + 1]
            if (nxt.isdigit() and nxt != "0") or nxt == "k":
                raise _error("backreferences")
            atom = source[i : i + 2]
            i += 2
            if nxt in "bB":
                out.append(atom)
                continue
        elif ch == "[":
            end = i + 1
            if end < n and source[end] == "^":
                end += 1
            if end < n and source[end] == "]":
                end += 1
            while end < n and source[end] != "]":
                end += 2 if source[end] == "\\" else 1
            if end >= n:
                raise _error("unterminated character class")
            atom = source[i : end + 1]
            i = end + 1
        elif ch == "(":
            if source.startswith("(?", i) and not source.startswith("(?:", i):
                raise _error("lookarounds and named groups")
            checker.open_group()
            width = 3 if source.startswith("(?:", i) else 1
            out.append(source[i : i + width])
            i += width
            continue
        elif ch == ")":
            checker.close_group()
            out.append(ch)
            i += 1
            if _quantifier_at(source, i):
                raise _error("a quantifier on a group")
            continue
        elif ch == "|":
            checker.alternative()
            out.append(ch)
            i += 1
            continue
        elif ch in "*+?{":
            raise _error("a quantifier without an atom")
        elif ch == "^":
            out.append(ch)
            i += 1
            continue
        elif ch == "$":
            # JavaScript's `$` (without m) does not match before a final newline.
            out.append("$" if multiline else r"(?!\n)\Z")
            i += 1
            continue
        else:
            atom = re.escape(ch) if ch not in "." else ch
            i += 1
        quantifier = _quantifier_at(source, i)
        i += len(quantifier)
        checker.atom(atom, quantifier)
        out.append(atom + quantifier)
    if checker.group_stack:
        raise _error("unbalanced parenthesis")
    return "".join(out)


def check_input(text: str) -> str:
    if len(text) > MAX_INPUT:
        raise ExpressionLimitError(f"regular expressions apply to at most {MAX_INPUT} characters")
    return text


def expand_replacement(template: str) -> Callable[[re.Match[str]], str]:
    """JavaScript replacement patterns: `$&`, `$1`..`$99`, `$$`."""

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        i = 0
        while i < len(template):
            ch = template[i]
            if ch == "$" and i + 1 < len(template):
                nxt = template[i + 1]
                if nxt == "$":
                    out.append("$")
                    i += 2
                    continue
                if nxt == "&":
                    out.append(match.group(0))
                    i += 2
                    continue
                digits = re.match(r"\d{1,2}", template[i + 1 :])
                if digits and 0 < int(digits.group()) <= (match.re.groups or 0):
                    out.append(match.group(int(digits.group())) or "")
                    i += 1 + len(digits.group())
                    continue
            out.append(ch)
            i += 1
        return "".join(out)

    return expand


def scan_literal(source: str, i: int) -> tuple[str, str, int]:
    """Read `/body/flags` starting at the opening slash; return (body, flags, end)."""
    j = i + 1
    in_class = False
    while j < len(source):
        ch = source[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "\n":
            break
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            k = j + 1
            while k < len(source) and source[k].isalpha():
                k += 1
            return source[i + 1 : j], source[j + 1 : k], k
        j += 1
    raise ExpressionSyntaxError("unterminated regular expression", position=i)


def regexp_members(value: JSRegExp) -> dict[str, Any]:
    return {
        "source": value.source,
        "flags": value.flags,
        "global": value.is_global,
        "ignoreCase": "i" in value.flags,
        "multiline": "m" in value.flags,
    }
