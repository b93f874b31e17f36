# ruff: noqa: E501 - the snippet table reads best one case per line
"""The language wall on its own: what the restricted policy allows (each allowed construct
really runs) and refuses, executed in-process through the same compile and guards."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from scripts_runtime.sandbox.compiler import CompileCache, ScriptPolicy
from scripts_runtime.sandbox.execution import execute
from scripts_runtime.sandbox.guards import _FAST_ATTRIBUTES, DENIED_ATTRIBUTES
from scripts_runtime.sandbox.safe_modules import ALLOWED_MODULES

CACHE = CompileCache()


def run(body: str, request_input: Any = None) -> dict[str, Any]:
    source = "def main(ctx):\n" + textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n"
    message = {"source": source, "filename": "policy.py", "input": request_input}
    return execute(message, lambda op, args: None, CACHE)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("n = 1\nn += 2\nn *= 5\nreturn n", 15),
        ("d = {'a': 1}\nd['a'] += 4\nreturn d", {"a": 5}),
        ("xs = [1, 2]\nxs[0] -= 3\nxs += [9]\nreturn xs", [-2, 2, 9]),
        ("return [x * x for x in range(4) if x % 2]", [1, 9]),
        ("return {k: v for k, v in zip('ab', [1, 2])}", {"a": 1, "b": 2}),
        ("a, (b, c) = 1, (2, 3)\nreturn [a, b, c]", [1, 2, 3]),
        ("return sorted({3, 1, 2}, reverse=True)", [3, 2, 1]),
        ("return f'{ctx.input:>5}|{1 + 1}'", "    x|2"),
        ("return '{} and {name}'.format(1, name='two')", "1 and two"),
        ("return '{a[0]}'.format_map({'a': [7]})", "7"),
        ("return str.format('{0}-{1}', 'a', 'b')", "a-b"),
        (
            "def add(*xs, **kw):\n    return sum(xs) + len(kw)\nargs = [1, 2]\nreturn add(*args, **{'k': 1})",
            4,
        ),
        ("class Point:\n    pass\np = Point()\np.x = 3\nreturn p.x", 3),
        (
            "class Oops(Exception):\n    pass\ntry:\n    raise Oops('no')\nexcept Oops as e:\n    return str(e)",
            "no",
        ),
        (
            "total = 0\ndef bump():\n    nonlocal total\n    total += 1\nbump()\nbump()\nreturn total",
            2,
        ),
        ("def gen():\n    yield 1\n    yield 2\nreturn list(gen())", [1, 2]),
        ("g = (i for i in [1, 2])\nreturn [next(g), g.send(None) if False else 2]", [1, 2]),
        (
            "import math, json\nreturn [math.floor(2.7), json.loads(json.dumps({'a': 1}))]",
            [2, {"a": 1}],
        ),
        (
            "import re\nm = re.search(r'(\\d+)-(\\d+)', 'tel 12-34')\nreturn [m.group(1), m.groups()]",
            ["12", ["12", "34"]],
        ),
        ("import re\nreturn re.sub('[aeiou]', lambda m: m.group(0).upper(), 'banana')", "bAnAnA"),
        (
            "from datetime import date, timedelta\nreturn (date(2024, 1, 30) + timedelta(days=2)).isoformat()",
            "2024-02-01",
        ),
        ("import datetime\nreturn datetime.datetime.strptime('2024-03-04', '%Y-%m-%d').day", 4),
        ("from decimal import Decimal\nreturn str(Decimal('0.1') + Decimal('0.2'))", "0.3"),
        ("import statistics\nreturn statistics.median([3, 1, 2])", 2),
        ("import collections\nreturn collections.Counter('abca').most_common(1)", [["a", 2]]),
        ("import urllib.parse\nreturn urllib.parse.quote('a b')", "a%20b"),
        ("from urllib.parse import urlencode\nreturn urlencode({'q': 'x y'})", "q=x+y"),
        ("import hashlib\nreturn hashlib.sha256(b'x').hexdigest()[:8]", "2d711642"),
        ("return getattr(ctx.user, 'level')", 0),
        ("return isinstance(ctx.input, str) and callable(len)", True),
    ],
)
def test_it_allows(body: str, expected: Any) -> None:
    done = run(body, "x")
    assert done["error"] is None
    assert done["value"] == expected


def test_print_writes_log_lines_and_printed() -> None:
    done = run("print('a', 1, sep='-')\nprint('b')\nreturn printed")
    assert done["value"] == "a-1\nb\n"
    assert done["logs"] == [{"level": "info", "message": "a-1"}, {"level": "info", "message": "b"}]


def test_a_log_flood_is_truncated_not_fatal() -> None:
    done = run("for i in range(5000):\n    ctx.log('line', i)\nreturn 'done'")
    assert done["value"] == "done"
    assert len(done["logs"]) == 1001
    assert done["logs"][-1] == {"level": "warning", "message": "[log output truncated]"}


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ("ctx.kv.x += 1", "compile_error", "Augmented assignment of attributes is not allowed."),
        ("_n = 1\n_n += 1", "compile_error", '"_n" is an invalid variable name'),
        ("ctx.input[0] += 1", "access_denied", "writing to a"),
        ("t = (1,)\nt[0] += 1", "access_denied", "writing to a tuple object is not allowed"),
    ],
)
def test_it_denies_augmented_assignment(body: str, code: str, message: str) -> None:
    done = run(body, ["not", "a", "list"] if "input" not in body else ())
    assert done["error"]["code"] == code
    assert message in done["error"]["message"]


def test_fast_attribute_path_never_includes_a_refused_name() -> None:
    for kind, names in _FAST_ATTRIBUTES.items():
        assert not names & DENIED_ATTRIBUTES, kind
        assert not any(name.startswith("_") for name in names), kind
        assert "format" not in names and "format_map" not in names


def test_the_allowed_modules_are_exactly_the_documented_pure_set() -> None:
    assert {
        "base64",
        "bisect",
        "calendar",
        "cmath",
        "collections",
        "datetime",
        "decimal",
        "fractions",
        "functools",
        "hashlib",
        "heapq",
        "hmac",
        "html",
        "itertools",
        "json",
        "math",
        "operator",
        "random",
        "re",
        "statistics",
        "string",
        "textwrap",
        "unicodedata",
        "urllib",
        "urllib.parse",
        "uuid",
    } == ALLOWED_MODULES


def test_the_compile_cache_hits_by_content() -> None:
    cache = CompileCache()
    first = cache.get("def main(ctx):\n    return 1\n", "a.py")
    again = cache.get("def main(ctx):\n    return 1\n", "a.py")
    other_file = cache.get("def main(ctx):\n    return 1\n", "b.py")
    assert first is again and first is not other_file
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_policy_is_a_restricting_transformer() -> None:
    from RestrictedPython.transformer import RestrictingNodeTransformer

    assert issubclass(ScriptPolicy, RestrictingNodeTransformer)


def test_a_run_may_make_only_so_many_host_calls() -> None:
    done = run("while True:\n    ctx.kv.get('k')")
    assert done["error"]["code"] == "output_limit"
    assert "more than 10000 host calls in one run" in done["error"]["message"]
