"""The public surface of engine.packages is deliberate: adding an export changes this test."""

from __future__ import annotations

import engine.packages


def test_all_lists_exactly_the_public_names() -> None:
    public = sorted(n for n in dir(engine.packages) if not n.startswith("_") and n[0].isupper())
    assert sorted(engine.packages.__all__) == sorted({*public, "load_package"} - {"TYPE_CHECKING"})
    assert engine.packages.__all__ == sorted(engine.packages.__all__)
    for name in engine.packages.__all__:
        assert hasattr(engine.packages, name)
