"""bench/render.py runs and prints its figures with a JSON last line (acceptance item 6)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.compat import REPO_ROOT, requires_original


@requires_original
def test_render_bench_prints_the_agreed_json_keys() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "render.py"), "--runs", "5"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert {"ui_home_ms", "table1000_ms", "jinja_ratio"} <= set(figures)
    assert figures["ui_home_nodes"] >= 80
    assert all(figures[k] > 0 for k in ("ui_home_ms", "table1000_ms", "jinja_ratio"))
    assert lines[0].startswith("workload")
