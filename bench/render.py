"""Renderer benchmark: the original ui_home page and a 1,000-row data table, against Jinja2.

    .venv/bin/python bench/render.py [--runs N]

Both workloads are also rendered by a Jinja2 template (autoescape on) that produces exactly the
same HTML (checked before timing). Runs alternate between the two engines so that machine load
affects both alike. Prints a table, then as its last line one JSON object:
{"bench": "render", "ui_home_ms", "table1000_ms", "jinja_ratio", ...}
`jinja_ratio` is the worse of the two workloads' ratios (ours / Jinja2).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from web.render import RenderContext, Renderer, ResolvedComponent

ORIGINAL_UI_HOME = (
    Path(__file__).resolve().parents[2] / "shared/compat/original/jan8/packages/ui_home"
)

CHIP_COLOR = "{{row.status === 'active' ? 'success' : 'default'}}"
TABLE_COMPONENT: dict[str, Any] = {
    "id": "user_table",
    "name": "UserTable",
    "props": [],
    "render": {
        "type": "element",
        "template": {
            "type": "TableContainer",
            "children": [
                {
                    "type": "Table",
                    "size": "small",
                    "children": [
                        {
                            "type": "TableHead",
                            "children": [
                                {
                                    "type": "TableRow",
                                    "children": [
                                        {"type": "TableCell", "children": "ID"},
                                        {"type": "TableCell", "children": "Name"},
                                        {"type": "TableCell", "children": "Email"},
                                        {"type": "TableCell", "children": "Status"},
                                        {
                                            "type": "TableCell",
                                            "align": "right",
                                            "children": "Score",
                                        },
                                    ],
                                }
                            ],
                        },
                        {
                            "type": "TableBody",
                            "children": [
                                {
                                    "type": "each",
                                    "items": "{{data.rows}}",
                                    "as": "row",
                                    "render": {
                                        "type": "TableRow",
                                        "children": [
                                            {"type": "TableCell", "children": "{{row.id}}"},
                                            {"type": "TableCell", "children": "{{row.name}}"},
                                            {"type": "TableCell", "children": "{{row.email}}"},
                                            {
                                                "type": "TableCell",
                                                "children": [
                                                    {
                                                        "type": "Chip",
                                                        "size": "small",
                                                        "label": "{{row.status}}",
                                                        "color": CHIP_COLOR,
                                                    }
                                                ],
                                            },
                                            {
                                                "type": "TableCell",
                                                "align": "right",
                                                "children": "{{row.score}}",
                                            },
                                        ],
                                    },
                                }
                            ],
                        },
                    ],
                }
            ],
        },
    },
}

_CELL = '<td class="mb-table__cell">'
_HEAD = '<th class="mb-table__cell" scope="col">'
TABLE_JINJA = (
    '<div class="mb-table-container"><table class="mb-table mb-table--small">'
    '<thead class="mb-table__head"><tr class="mb-table__row">'
    f"{_HEAD}ID</th>{_HEAD}Name</th>{_HEAD}Email</th>{_HEAD}Status</th>"
    '<th class="mb-table__cell mb-table__cell--right" scope="col">Score</th></tr></thead>'
    '<tbody class="mb-table__body">{% for row in rows %}<tr class="mb-table__row">'
    f"{_CELL}{{{{ row.id }}}}</td>{_CELL}{{{{ row.name }}}}</td>{_CELL}{{{{ row.email }}}}</td>"
    f"{_CELL}"
    '<span class="mb-chip mb-chip--{{ "success" if row.status == "active" else "default" }}'
    ' mb-chip--small"><span class="mb-chip__label">{{ row.status }}</span></span></td>'
    '<td class="mb-table__cell mb-table__cell--right">{{ row.score }}</td></tr>{% endfor %}'
    "</tbody></table></div>"
)


def table_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": i,
            "name": f"User <{i}>",
            "email": f"user{i}@example.com",
            "status": "active" if i % 3 else "blocked",
            "score": i * 7 % 100,
        }
        for i in range(count)
    ]


def _first_type_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The original's duplicate `type` keys: the first names the node, a later one is inputType."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key == "type" and "type" in obj:
            obj.setdefault("inputType", value)
        else:
            obj[key] = value
    return obj


def read_components(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text(), object_pairs_hook=_first_type_wins)
    return list(document["components"])


def load_ui_home() -> tuple[Renderer, Mapping[str, Any]]:
    found = read_components(ORIGINAL_UI_HOME / "components" / "ui.json")
    document = {"components": found}
    components = {c["id"]: c for c in document["components"]}
    by_name = {c["name"]: c for c in document["components"]}

    def resolve(package_id: str, ref: str, versions: Any) -> ResolvedComponent | None:
        found = components.get(ref) or by_name.get(ref)
        return ResolvedComponent("ui_home", found) if found else None

    return Renderer(resolve=resolve), components["home_page"]


def jinja_twin(rendered: str) -> tuple[jinja2.Template, dict[str, str]]:
    """A Jinja2 template giving `rendered`, with every text node a variable it must escape."""
    values: dict[str, str] = {}

    def variable(match: re.Match[str]) -> str:
        name = f"t{len(values)}"
        values[name] = html.unescape(match.group(1))
        return f">{{{{ {name} }}}}<"

    source = re.sub(r">([^<]+)<", variable, rendered)
    env = jinja2.Environment(autoescape=True)
    return env.from_string(source.replace("&#x27;", "'")), values


def count_nodes(node: Any, resolve: Callable[[str], Any]) -> int:
    if isinstance(node, dict):
        if "$ref" in node:
            target = resolve(node["$ref"])
            return count_nodes(target["render"]["template"], resolve) if target else 0
        own = 1 if isinstance(node.get("type"), str) else 0
        return own + sum(count_nodes(v, resolve) for v in node.values())
    if isinstance(node, list):
        return sum(count_nodes(v, resolve) for v in node)
    return 0


def alternate(ours: Callable[[], Any], theirs: Callable[[], Any], runs: int) -> tuple[float, float]:
    for _ in range(max(3, runs // 10)):
        ours()
        theirs()
    mine: list[float] = []
    other: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        ours()
        mine.append(time.perf_counter() - started)
        started = time.perf_counter()
        theirs()
        other.append(time.perf_counter() - started)
    return statistics.median(mine) * 1000, statistics.median(other) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if not ORIGINAL_UI_HOME.is_dir():
        sys.exit(f"the original ui_home package is not at {ORIGINAL_UI_HOME}")

    renderer, home = load_ui_home()
    context = RenderContext(tenant="bench")
    home_html = renderer.render("ui_home", home, {}, context).html
    home_template, home_values = jinja_twin(home_html)
    assert home_template.render(**home_values) == home_html.replace("&#x27;", "&#39;")
    by_id = {c["id"]: c for c in read_components(ORIGINAL_UI_HOME / "components" / "ui.json")}
    nodes = count_nodes(home["render"]["template"], by_id.get)
    home_ms, home_jinja_ms = alternate(
        lambda: renderer.render("ui_home", home, {}, context),
        lambda: home_template.render(**home_values),
        args.runs,
    )

    rows = table_rows(1000)
    table_context = RenderContext(tenant="bench", data={"rows": rows})
    table_renderer = Renderer()
    table_html = table_renderer.render("bench", TABLE_COMPONENT, {}, table_context).html
    table_template = jinja2.Environment(autoescape=True).from_string(TABLE_JINJA)
    assert table_template.render(rows=rows) == table_html, "the Jinja2 twin must match"
    table_runs = max(10, args.runs // 10)
    table_ms, table_jinja_ms = alternate(
        lambda: table_renderer.render("bench", TABLE_COMPONENT, {}, table_context),
        lambda: table_template.render(rows=rows),
        table_runs,
    )

    home_ratio = home_ms / home_jinja_ms
    table_ratio = table_ms / table_jinja_ms
    print(f"{'workload':<28}{'ours ms':>10}{'jinja2 ms':>11}{'ratio':>8}")
    print(
        f"{f'ui_home ({nodes} nodes)':<28}{home_ms:>10.3f}{home_jinja_ms:>11.3f}{home_ratio:>8.2f}"
    )
    print(f"{'table, 1000 rows':<28}{table_ms:>10.3f}{table_jinja_ms:>11.3f}{table_ratio:>8.2f}")
    print(
        json.dumps(
            {
                "bench": "render",
                "ui_home_ms": round(home_ms, 3),
                "ui_home_nodes": nodes,
                "table1000_ms": round(table_ms, 3),
                "jinja_ratio": round(max(home_ratio, table_ratio), 2),
                "ui_home_jinja_ratio": round(home_ratio, 2),
                "table1000_jinja_ratio": round(table_ratio, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
