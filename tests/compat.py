"""Where the original project's data lives, and a marker for tests that need it.

The data sits in `../shared/compat/original/` beside the repository on CI and on developer
machines; a user's clone has no `../shared`, so tests that read it skip with a reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
ORIGINAL = SHARED / "compat" / "original"
ORIGINAL_JAN8_PACKAGES = ORIGINAL / "jan8" / "packages"
ORIGINAL_HEAD_PACKAGES = ORIGINAL / "head" / "packages"
ORIGINAL_JAN8_DBAL = ORIGINAL / "jan8" / "dbal"

requires_original = pytest.mark.skipif(
    not ORIGINAL.is_dir(),
    reason=f"the original project's data is not at {ORIGINAL} (no ../shared in a user's clone)",
)
