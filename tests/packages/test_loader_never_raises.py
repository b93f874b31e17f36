"""Loading never raises, whatever the files hold: problems are data."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.packages import load_package

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "type",
                    "children",
                    "render",
                    "template",
                    "path",
                    "component",
                    "level",
                    "minLevel",
                    "dependencies",
                    "components",
                    "kind",
                    "body",
                    "$ref",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)

FILES = [
    "package.json",
    "components/ui.json",
    "page-config/page-config.json",
    "permissions/roles.json",
    "scripts/a.json",
    "entities/e.json",
    "workflow/w.json",
    "tests/t.test.json",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FILES), json_values | st.text(max_size=20)), max_size=6))
def test_any_content_gives_problems_not_exceptions(files: list[tuple[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pkg"
        root.mkdir()
        (root / "package.json").write_text(
            json.dumps({"id": "pkg", "name": "P", "version": "1.0.0"})
        )
        for rel, value in files:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(value if isinstance(value, str) else json.dumps(value))
        for mode in ("strict", "tolerant"):
            result = load_package(root, mode)  # type: ignore[arg-type]
            assert result.package is not None or result.errors
