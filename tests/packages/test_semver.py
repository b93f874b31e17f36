"""Semantic versions and npm-style ranges used by dependencies."""

from __future__ import annotations

import pytest

from engine.packages.errors import InvalidVersion
from engine.packages.semver import Range, Version


@pytest.mark.parametrize(
    ("range_", "version", "matches"),
    [
        ("*", "0.0.1", True),
        ("", "3.2.1", True),
        ("1.2.3", "1.2.3", True),
        ("1.2.3", "1.2.4", False),
        ("=1.2.3", "1.2.3", True),
        ("^1.2.3", "1.9.0", True),
        ("^1.2.3", "2.0.0", False),
        ("^1.2.3", "1.2.2", False),
        ("^0.2.3", "0.2.9", True),
        ("^0.2.3", "0.3.0", False),
        ("^0.0.3", "0.0.4", False),
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("~1", "1.9.9", True),
        ("1.x", "1.5.0", True),
        ("1.x", "2.0.0", False),
        ("1.2.x", "1.2.7", True),
        (">=1.0.0 <2.0.0", "1.5.0", True),
        (">=1.0.0 <2.0.0", "2.0.0", False),
        (">= 1.0.0", "1.0.0", True),
        (">1.2", "1.3.0", True),
        (">1.2", "1.2.9", False),
        ("<=1.2", "1.2.9", True),
        ("<1.2.0", "1.1.9", True),
        ("1.0.0 - 2.0.0", "2.0.0", True),
        ("1.0.0 - 2.0.0", "2.0.1", False),
        ("^1.0.0 || ^3.0.0", "3.1.0", True),
        ("^1.0.0 || ^3.0.0", "2.1.0", False),
        ("^1.0.0", "1.1.0-beta.1", True),
    ],
)
def test_range_matching(range_: str, version: str, matches: bool) -> None:
    assert Range.parse(range_).matches(version) is matches


@pytest.mark.parametrize("text", ["1.2", "v", "01.2.3", "1.2.3.4", "latest"])
def test_invalid_versions_raise(text: str) -> None:
    with pytest.raises(InvalidVersion):
        Version.parse(text)


@pytest.mark.parametrize("text", ["^^1", ">=x.y", "1.2.3 - ", "banana"])
def test_invalid_ranges_raise(text: str) -> None:
    with pytest.raises(InvalidVersion):
        Range.parse(text)


def test_prereleases_sort_before_their_release() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-rc.1", "1.0.0"]
    versions = [Version.parse(v) for v in ordered]
    assert sorted(reversed(versions)) == versions


def test_best_picks_the_newest_match() -> None:
    versions = [Version.parse(v) for v in ["1.0.0", "1.4.0", "2.0.0"]]
    assert str(Range.parse("^1").best(versions)) == "1.4.0"
    assert Range.parse("^3").best(versions) is None
