"""Permission levels: 0..5 in our format; the original's package data uses 1..6.

0 public, 1 user, 2 moderator, 3 admin, 4 god, 5 supergod. Original `minLevel` values
(package.json, permissions, the ui_pages routes, media_center routes) count from 1=public;
they are normalised to ``value - 1`` clamped to 0..5. HEAD page-config files already use 0..5.
"""

from __future__ import annotations

from engine.packages.model import MAX_LEVEL, MIN_LEVEL

LEVEL_NAMES = ("public", "user", "moderator", "admin", "god", "supergod")


def clamp(level: int) -> int:
    return max(MIN_LEVEL, min(MAX_LEVEL, level))


def from_one_based(level: int) -> int:
    """Normalise a level on the original's 1..6 scale to our 0..5 scale."""
    return clamp(level - 1)


def is_level(value: object) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and MIN_LEVEL <= value <= MAX_LEVEL
    )
