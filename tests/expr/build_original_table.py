"""Regenerate `original_expressions.json`: the `{{ }}` expressions of the original packages with
the values real JavaScript (Node.js) gives them in the scope of `original_scope.py`.

    .venv/bin/python -m tests.expr.build_original_table   # needs `node` on PATH

The table is committed; the test reads it and never needs Node. Values are encoded by
`original_scope.encode` (undefined, NaN, Infinity and functions get markers).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from scripts_runtime.expr import ExpressionError, compile_expression
from scripts_runtime.expr import syntax as s
from tests.compat import ORIGINAL_JAN8_PACKAGES
from tests.expr.original_scope import BASE_SCOPE, GENERIC

TABLE = Path(__file__).with_name("original_expressions.json")
_BINDING = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def expressions() -> list[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(m.strip() for m in _BINDING.findall(value))
        elif isinstance(value, dict):
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for path in sorted(ORIGINAL_JAN8_PACKAGES.glob("*/components/ui.json")):
        text = path.read_text()
        walk(
            json.loads(
                text.replace(
                    '"placeholder": "> Enter command..."\n',
                    '"placeholder": "> Enter command...",\n',
                )
            )
            if "nerd_mode" in str(path)
            else json.loads(text)
        )
    return sorted(found)


def free_names(node: s.Node, bound: frozenset[str] = frozenset()) -> tuple[set[str], set[str]]:
    """(free identifiers, identifiers called as functions)."""
    names: set[str] = set()
    called: set[str] = set()

    def visit(n: Any, bound: frozenset[str]) -> None:
        if isinstance(n, s.Identifier):
            if n.name not in bound:
                names.add(n.name)
            return
        if isinstance(n, s.Arrow):
            visit(n.body, bound | set(n.params))
            return
        if (
            isinstance(n, s.Call)
            and isinstance(n.callee, s.Identifier)
            and n.callee.name not in bound
        ):
            called.add(n.callee.name)
        if isinstance(n, s.Pipe):
            raise ValueError("pipe filters are not JavaScript")
        if isinstance(n, s.Member) and not n.computed:
            visit(n.obj, bound)
            return
        if isinstance(n, s.Property) and not n.computed:
            visit(n.value, bound)
            return
        if isinstance(n, tuple):
            for item in n:
                visit(item, bound)
            return
        if isinstance(n, s.Node):
            for field in n.__dataclass_fields__:
                if field != "pos":
                    visit(getattr(n, field), bound)

    visit(node, bound)
    return names, called


_JS_GLOBALS = {
    "Math",
    "Object",
    "Number",
    "String",
    "JSON",
    "Array",
    "Boolean",
    "Date",
    "undefined",
    "NaN",
    "Infinity",
    "parseInt",
    "parseFloat",
    "isNaN",
}

_NODE_PROGRAM = r"""
const cases = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const scope = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
const generic = JSON.parse(require('fs').readFileSync(process.argv[4], 'utf8'));
function encode(v, depth = 0) {
  if (v === undefined) return {"$undefined": true};
  if (typeof v === 'function') return {"$function": true};
  if (typeof v === 'number' && Number.isNaN(v)) return {"$nan": true};
  if (v === Infinity) return {"$inf": 1};
  if (v === -Infinity) return {"$inf": -1};
  if (Array.isArray(v)) return v.map(x => encode(x, depth + 1));
  if (v && typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = encode(x, depth + 1);
    return {"$object": out};
  }
  return v;
}
const out = [];
for (const c of cases) {
  const env = {};
  for (const name of c.names) {
    env[name] = name in scope ? structuredClone(scope[name]) : structuredClone(generic);
  }
  for (const name of c.called) {
    env[name] = (...args) => 'called:' + name + JSON.stringify(args);
  }
  const keys = Object.keys(env);
  let result;
  try {
    const fn = new Function(...keys, 'return (' + c.source + ');');
    result = {value: encode(fn(...keys.map(k => env[k])))};
  } catch (e) {
    result = {error: e.constructor.name};
  }
  out.push({source: c.source, names: c.names, called: c.called, ...result});
}
process.stdout.write(JSON.stringify(out, null, 1));
"""


def build() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for source in expressions():
        try:
            compiled = compile_expression(source)
            names, called = free_names(compiled.node)
        except (ExpressionError, ValueError):
            continue
        names -= _JS_GLOBALS
        cases.append({"source": source, "names": sorted(names - called), "called": sorted(called)})
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, payload in (("cases", cases), ("scope", BASE_SCOPE), ("generic", GENERIC)):
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(payload))
            paths.append(str(path))
        program = Path(tmp) / "run.js"
        program.write_text(_NODE_PROGRAM)
        output = subprocess.run(
            ["node", str(program), *paths], capture_output=True, text=True, check=True
        )
    return list(json.loads(output.stdout))


if __name__ == "__main__":
    table = build()
    TABLE.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    errors = sum(1 for row in table if "error" in row)
    print(f"{len(table)} expressions, {len(table) - errors} with values, {errors} raising")
