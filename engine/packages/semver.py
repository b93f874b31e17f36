"""Semantic versions and npm-style version ranges (``*``, ``^1.2``, ``~1.2.3``, ``>=1 <2``,
``1.x``, ``1.0.0 - 2.0.0``, ``a || b``) for package dependencies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from engine.packages.errors import InvalidVersion

_VERSION = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_PARTIAL = re.compile(
    r"^v?(?P<major>\d+|[xX*])(?:\.(?P<minor>\d+|[xX*]))?(?:\.(?P<patch>\d+|[xX*]))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_COMPARATOR = re.compile(r"^(?P<op><=|>=|<|>|=|\^|~>?)?\s*(?P<ver>\S+)$")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION.match(text.strip())
        if not m:
            raise InvalidVersion(f"not a semantic version: {text!r}")
        pre = tuple(m["pre"].split(".")) if m["pre"] else ()
        return cls(int(m["major"]), int(m["minor"]), int(m["patch"]), pre)

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease)
        # a release sorts after all of its prereleases
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return base + ("-" + ".".join(self.prerelease) if self.prerelease else "")


def is_version(text: str) -> bool:
    return bool(_VERSION.match(text.strip()))


@dataclass(frozen=True)
class _Comparator:
    op: str  # one of < <= > >= =
    version: Version

    def test(self, v: Version) -> bool:
        if self.op == "<":
            return v < self.version
        if self.op == "<=":
            return v <= self.version
        if self.op == ">":
            return v > self.version
        if self.op == ">=":
            return v >= self.version
        return v == self.version


def _partial(text: str, source: str) -> tuple[int | None, int | None, int | None, tuple[str, ...]]:
    m = _PARTIAL.match(text)
    if not m:
        raise InvalidVersion(f"not a version range: {source!r}")

    def num(s: str | None) -> int | None:
        return None if s is None or s in "xX*" else int(s)

    pre = tuple(m["pre"].split(".")) if m["pre"] else ()
    return num(m["major"]), num(m["minor"]), num(m["patch"]), pre


def _expand(op: str, text: str, source: str) -> list[_Comparator]:
    major, minor, patch, pre = _partial(text, source)
    if major is None:
        return []  # `*`: anything
    lo = Version(major, minor or 0, patch or 0, pre)
    if op in ("", "="):
        if minor is None:
            return [_Comparator(">=", lo), _Comparator("<", Version(major + 1, 0, 0, ("0",)))]
        if patch is None:
            return [
                _Comparator(">=", lo),
                _Comparator("<", Version(major, minor + 1, 0, ("0",))),
            ]
        return [_Comparator("=", lo)]
    if op == "^":
        if major > 0 or minor is None:
            hi = Version(major + 1, 0, 0, ("0",))
        elif minor > 0 or patch is None:
            hi = Version(0, minor + 1, 0, ("0",))
        else:
            hi = Version(0, 0, patch + 1, ("0",))
        return [_Comparator(">=", lo), _Comparator("<", hi)]
    if op in ("~", "~>"):
        hi = (
            Version(major + 1, 0, 0, ("0",))
            if minor is None
            else Version(major, minor + 1, 0, ("0",))
        )
        return [_Comparator(">=", lo), _Comparator("<", hi)]
    if op == ">":
        if minor is None:
            return [_Comparator(">=", Version(major + 1, 0, 0))]
        if patch is None:
            return [_Comparator(">=", Version(major, minor + 1, 0))]
        return [_Comparator(">", lo)]
    if op == "<=":
        if minor is None:
            return [_Comparator("<", Version(major + 1, 0, 0, ("0",)))]
        if patch is None:
            return [_Comparator("<", Version(major, minor + 1, 0, ("0",)))]
        return [_Comparator("<=", lo)]
    return [_Comparator(op, lo)]  # < and >=: a partial version means x.0.0


@dataclass(frozen=True)
class Range:
    """A union (``||``) of comparator sets; each set is an intersection."""

    source: str
    alternatives: tuple[tuple[_Comparator, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Range:
        source = text.strip()
        alts: list[tuple[_Comparator, ...]] = []
        for part in source.split("||") if source else [""]:
            part = part.strip()
            comparators: list[_Comparator] = []
            hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", part)
            if hyphen:
                comparators += _expand(">=", hyphen[1], source)
                comparators += _expand("<=", hyphen[2], source)
            else:
                part = re.sub(r"(<=|>=|<|>|=|\^|~>?)\s+", r"\1", part)
                for token in part.split():
                    m = _COMPARATOR.match(token)
                    if not m:
                        raise InvalidVersion(f"not a version range: {source!r}")
                    comparators += _expand(m["op"] or "", m["ver"], source)
            alts.append(tuple(comparators))
        return cls(source or "*", tuple(alts))

    def matches(self, version: Version | str) -> bool:
        v = Version.parse(version) if isinstance(version, str) else version
        return any(all(c.test(v) for c in alt) for alt in self.alternatives)

    def best(self, versions: list[Version]) -> Version | None:
        candidates = [v for v in versions if self.matches(v)]
        return max(candidates) if candidates else None

    def __str__(self) -> str:
        return self.source


def is_range(text: str) -> bool:
    try:
        Range.parse(text)
    except InvalidVersion:
        return False
    return True
