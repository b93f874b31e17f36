"""The `re` module scripts import: the stdlib engine under a per-call time budget.

Strategy: a catastrophic pattern (``(a+)+$`` on a long non-matching input) spins inside the
C matcher, where no Python-level check runs. CPython's matcher does poll for signals, so each
call arms a one-shot `ITIMER_REAL`; its SIGALRM handler raises `RegexTimeout` only while a
call is armed. Outside the main thread (host-side tests) no timer is used, and the process's
wall-clock kill remains the backstop. Patterns are capped in length, and match objects are
wrapped so `m.re` cannot hand out an unbudgeted pattern.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from scripts_runtime.sandbox.refusals import RegexTimeout

MAX_PATTERN_LENGTH = 10_000
CALL_BUDGET_S = 1.0

_armed = False


def _on_alarm(signum: int, frame: object) -> None:
    if _armed:
        raise RegexTimeout(f"a regular expression ran longer than {CALL_BUDGET_S:g} s")


def install_alarm_handler() -> None:
    """Called once in each sandbox child (main thread) before any script runs."""
    signal.signal(signal.SIGALRM, _on_alarm)


@contextmanager
def _budget() -> Iterator[None]:
    global _armed
    use_timer = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) is _on_alarm
        and not _armed
    )
    if not use_timer:
        yield
        return
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, CALL_BUDGET_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _armed = False


def _check_pattern(pattern: object) -> None:
    if isinstance(pattern, str | bytes) and len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"regular expression longer than {MAX_PATTERN_LENGTH} characters")


class SafeMatch:
    __slots__ = ("_match",)

    def __init__(self, match: re.Match[Any]) -> None:
        self._match = match

    def group(self, *groups: int | str) -> Any:
        return self._match.group(*groups)

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return self._match.groups(default)

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        return self._match.groupdict(default)

    def start(self, group: int | str = 0) -> int:
        return self._match.start(group)

    def end(self, group: int | str = 0) -> int:
        return self._match.end(group)

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._match.span(group)

    def expand(self, template: str) -> Any:
        return self._match.expand(template)

    @property
    def string(self) -> Any:
        return self._match.string

    @property
    def lastindex(self) -> int | None:
        return self._match.lastindex

    @property
    def lastgroup(self) -> str | None:
        return self._match.lastgroup

    def __getitem__(self, group: int | str) -> Any:
        return self._match[group]

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return repr(self._match)


def _wrap(match: re.Match[Any] | None) -> SafeMatch | None:
    return None if match is None else SafeMatch(match)


def _wrap_repl(repl: Any) -> Any:
    if callable(repl):
        func: Callable[[SafeMatch], Any] = repl
        return lambda match: func(SafeMatch(match))
    return repl


class SafePattern:
    __slots__ = ("_pattern",)

    def __init__(self, pattern: re.Pattern[Any]) -> None:
        self._pattern = pattern

    @property
    def pattern(self) -> Any:
        return self._pattern.pattern

    @property
    def flags(self) -> int:
        return self._pattern.flags

    @property
    def groups(self) -> int:
        return self._pattern.groups

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(self._pattern.groupindex)

    def match(self, string: Any, *args: int) -> SafeMatch | None:
        with _budget():
            return _wrap(self._pattern.match(string, *args))

    def search(self, string: Any, *args: int) -> SafeMatch | None:
        with _budget():
            return _wrap(self._pattern.search(string, *args))

    def fullmatch(self, string: Any, *args: int) -> SafeMatch | None:
        with _budget():
            return _wrap(self._pattern.fullmatch(string, *args))

    def findall(self, string: Any, *args: int) -> list[Any]:
        with _budget():
            return self._pattern.findall(string, *args)

    def finditer(self, string: Any, *args: int) -> list[SafeMatch]:
        # Materialised so the whole scan runs under one budget.
        with _budget():
            return [SafeMatch(m) for m in self._pattern.finditer(string, *args)]

    def split(self, string: Any, maxsplit: int = 0) -> list[Any]:
        with _budget():
            return self._pattern.split(string, maxsplit)

    def sub(self, repl: Any, string: Any, count: int = 0) -> Any:
        with _budget():
            return self._pattern.sub(_wrap_repl(repl), string, count)

    def subn(self, repl: Any, string: Any, count: int = 0) -> tuple[Any, int]:
        with _budget():
            return self._pattern.subn(_wrap_repl(repl), string, count)

    def __repr__(self) -> str:
        return repr(self._pattern)


def compile(pattern: Any, flags: int = 0) -> SafePattern:
    if isinstance(pattern, SafePattern):
        return pattern
    _check_pattern(pattern)
    with _budget():
        return SafePattern(re.compile(pattern, flags))


def match(pattern: Any, string: Any, flags: int = 0) -> SafeMatch | None:
    return compile(pattern, flags).match(string)


def search(pattern: Any, string: Any, flags: int = 0) -> SafeMatch | None:
    return compile(pattern, flags).search(string)


def fullmatch(pattern: Any, string: Any, flags: int = 0) -> SafeMatch | None:
    return compile(pattern, flags).fullmatch(string)


def findall(pattern: Any, string: Any, flags: int = 0) -> list[Any]:
    return compile(pattern, flags).findall(string)


def finditer(pattern: Any, string: Any, flags: int = 0) -> list[SafeMatch]:
    return compile(pattern, flags).finditer(string)


def split(pattern: Any, string: Any, maxsplit: int = 0, flags: int = 0) -> list[Any]:
    return compile(pattern, flags).split(string, maxsplit)


def sub(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
    return compile(pattern, flags).sub(repl, string, count)


def subn(pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> tuple[Any, int]:
    return compile(pattern, flags).subn(repl, string, count)


escape = re.escape
error = re.error

FLAGS: dict[str, int] = {
    name: int(getattr(re, name))
    for name in (
        "IGNORECASE",
        "I",
        "MULTILINE",
        "M",
        "DOTALL",
        "S",
        "VERBOSE",
        "X",
        "ASCII",
        "A",
        "UNICODE",
        "U",
    )
}
