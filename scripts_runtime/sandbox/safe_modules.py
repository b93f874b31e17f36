"""The modules a script may import: curated namespaces, never the real module objects.

Each allowed module is a `SafeModule` listing exactly the members scripts get, all pure
(no I/O, no process, no interpreter internals). `import os`, relative imports and anything
not listed raise `ImportDenied`. The real modules are imported here, once, in the zygote,
so a child never needs to open a file to import them.
"""

from __future__ import annotations

import _strptime  # type: ignore[import-not-found]  # noqa: F401 - see _C_INTERNAL_IMPORTS
import base64
import bisect
import calendar
import cmath
import collections
import datetime
import decimal
import fractions
import functools
import hashlib
import heapq
import hmac
import html
import itertools
import json
import math
import operator
import random
import statistics
import string
import sys
import textwrap
import time  # noqa: F401 - see _C_INTERNAL_IMPORTS
import unicodedata
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from scripts_runtime.sandbox import regex
from scripts_runtime.sandbox.refusals import ImportDenied


class SafeModule:
    """A read-only namespace that looks like a module to the script."""

    __slots__ = ("_members", "_name")

    def __init__(self, name: str, members: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_members", dict(members))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._members[name]
        except KeyError:
            raise AttributeError(
                f"module {self._name!r} has no attribute {name!r} available to scripts"
            ) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"module {self._name!r} is read-only")

    def __dir__(self) -> list[str]:
        return sorted(self._members)

    def __repr__(self) -> str:
        return f"<module {self._name!r} (sandboxed)>"


def _pick(module: object, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(module, name) for name in names}


def _public(module: object) -> dict[str, Any]:
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


def _json_dumps(
    obj: Any,
    *,
    indent: int | str | None = None,
    sort_keys: bool = False,
    separators: tuple[str, str] | None = None,
    ensure_ascii: bool = True,
    default: Any = None,
) -> str:
    return json.dumps(
        obj,
        indent=indent,
        sort_keys=sort_keys,
        separators=separators,
        ensure_ascii=ensure_ascii,
        default=default,
    )


def _json_loads(text: str | bytes) -> Any:
    return json.loads(text)


_random = random.Random()


def reseed_random() -> None:
    """Called in each forked child so siblings do not share one random sequence."""
    _random.seed()


_MODULES: dict[str, SafeModule] = {
    "math": SafeModule("math", _public(math)),
    "cmath": SafeModule("cmath", _public(cmath)),
    "json": SafeModule(
        "json",
        {"dumps": _json_dumps, "loads": _json_loads, "JSONDecodeError": json.JSONDecodeError},
    ),
    "re": SafeModule(
        "re",
        {
            **_pick(
                regex,
                ("compile", "match", "search", "fullmatch", "findall", "finditer", "split"),
            ),
            **_pick(regex, ("sub", "subn", "escape", "error")),
            **regex.FLAGS,
        },
    ),
    "datetime": SafeModule(
        "datetime",
        _pick(
            datetime,
            ("date", "datetime", "time", "timedelta", "timezone", "MINYEAR", "MAXYEAR", "UTC"),
        ),
    ),
    "decimal": SafeModule(
        "decimal",
        _pick(
            decimal,
            (
                "Decimal",
                "ROUND_CEILING",
                "ROUND_DOWN",
                "ROUND_FLOOR",
                "ROUND_HALF_DOWN",
                "ROUND_HALF_EVEN",
                "ROUND_HALF_UP",
                "ROUND_UP",
                "ROUND_05UP",
                "DecimalException",
                "InvalidOperation",
                "DivisionByZero",
                "Inexact",
                "Rounded",
                "Overflow",
                "Underflow",
            ),
        ),
    ),
    "fractions": SafeModule("fractions", _pick(fractions, ("Fraction",))),
    "statistics": SafeModule(
        "statistics",
        _pick(
            statistics,
            (
                "mean",
                "fmean",
                "geometric_mean",
                "harmonic_mean",
                "median",
                "median_low",
                "median_high",
                "median_grouped",
                "mode",
                "multimode",
                "quantiles",
                "pstdev",
                "pvariance",
                "stdev",
                "variance",
                "correlation",
                "covariance",
                "linear_regression",
                "NormalDist",
                "StatisticsError",
            ),
        ),
    ),
    "random": SafeModule(
        "random",
        _pick(
            _random,
            (
                "random",
                "randint",
                "randrange",
                "choice",
                "choices",
                "shuffle",
                "sample",
                "uniform",
                "gauss",
                "normalvariate",
                "triangular",
                "betavariate",
                "expovariate",
            ),
        ),
    ),
    "itertools": SafeModule(
        "itertools",
        _pick(
            itertools,
            (
                "accumulate",
                "chain",
                "combinations",
                "combinations_with_replacement",
                "compress",
                "count",
                "cycle",
                "dropwhile",
                "filterfalse",
                "groupby",
                "islice",
                "pairwise",
                "permutations",
                "product",
                "repeat",
                "starmap",
                "takewhile",
                "zip_longest",
            ),
        ),
    ),
    "functools": SafeModule(
        "functools", _pick(functools, ("reduce", "partial", "cmp_to_key", "lru_cache", "cache"))
    ),
    "operator": SafeModule(
        "operator",
        _pick(
            operator,
            (
                "abs",
                "add",
                "and_",
                "concat",
                "contains",
                "eq",
                "floordiv",
                "ge",
                "getitem",
                "gt",
                "index",
                "itemgetter",
                "le",
                "lt",
                "mod",
                "mul",
                "ne",
                "neg",
                "not_",
                "or_",
                "pos",
                "pow",
                "sub",
                "truediv",
                "truth",
                "xor",
            ),
        ),
    ),
    "collections": SafeModule(
        "collections",
        _pick(collections, ("Counter", "OrderedDict", "defaultdict", "deque", "ChainMap")),
    ),
    "string": SafeModule(
        "string",
        _pick(
            string,
            (
                "ascii_letters",
                "ascii_lowercase",
                "ascii_uppercase",
                "digits",
                "hexdigits",
                "octdigits",
                "punctuation",
                "printable",
                "whitespace",
                "capwords",
            ),
        ),
    ),
    "textwrap": SafeModule(
        "textwrap", _pick(textwrap, ("wrap", "fill", "dedent", "indent", "shorten"))
    ),
    "base64": SafeModule(
        "base64",
        _pick(
            base64,
            (
                "b64encode",
                "b64decode",
                "urlsafe_b64encode",
                "urlsafe_b64decode",
                "b32encode",
                "b32decode",
                "b16encode",
                "b16decode",
            ),
        ),
    ),
    "hashlib": SafeModule(
        "hashlib",
        _pick(
            hashlib,
            (
                "md5",
                "sha1",
                "sha224",
                "sha256",
                "sha384",
                "sha512",
                "sha3_256",
                "sha3_512",
                "blake2b",
                "blake2s",
            ),
        ),
    ),
    "hmac": SafeModule("hmac", _pick(hmac, ("new", "compare_digest", "digest"))),
    "uuid": SafeModule(
        "uuid",
        _pick(
            uuid,
            (
                "UUID",
                "uuid3",
                "uuid4",
                "uuid5",
                "NAMESPACE_DNS",
                "NAMESPACE_URL",
                "NAMESPACE_OID",
                "NAMESPACE_X500",
            ),
        ),
    ),
    "bisect": SafeModule(
        "bisect",
        _pick(
            bisect,
            ("bisect", "bisect_left", "bisect_right", "insort", "insort_left", "insort_right"),
        ),
    ),
    "heapq": SafeModule(
        "heapq",
        _pick(
            heapq,
            (
                "heappush",
                "heappop",
                "heapify",
                "heapreplace",
                "heappushpop",
                "nlargest",
                "nsmallest",
                "merge",
            ),
        ),
    ),
    "html": SafeModule("html", _pick(html, ("escape", "unescape"))),
    "unicodedata": SafeModule(
        "unicodedata",
        _pick(
            unicodedata, ("normalize", "category", "name", "lookup", "numeric", "decimal", "digit")
        ),
    ),
    "calendar": SafeModule(
        "calendar", _pick(calendar, ("isleap", "leapdays", "monthrange", "weekday"))
    ),
}
_urllib_parse = SafeModule(
    "urllib.parse",
    _pick(
        urllib.parse,
        (
            "quote",
            "quote_plus",
            "unquote",
            "unquote_plus",
            "urlencode",
            "urlparse",
            "urlsplit",
            "urlunparse",
            "urlunsplit",
            "urljoin",
            "parse_qs",
            "parse_qsl",
        ),
    ),
)
_MODULES["urllib.parse"] = _urllib_parse
_MODULES["urllib"] = SafeModule("urllib", {"parse": _urllib_parse})

ALLOWED_MODULES = frozenset(_MODULES)

_C_INTERNAL_IMPORTS = {"_strptime", "time"}
"""Stdlib modules that allowed C code imports lazily through the *caller's* builtins
(`datetime.strptime` -> `_strptime`, `date.strftime` -> `time`). CPython's
`PyImport_Import` passes an empty *list* as fromlist, whereas a script's `import`
statement passes None or a tuple; and the policy refuses any `_`-prefixed module path at
compile time, so only the C path matches."""


def safe_import(
    name: str,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
    fromlist: Iterable[str] | None = (),
    level: int = 0,
) -> SafeModule:
    """The script's `__import__`."""
    if level != 0:
        raise ImportDenied("relative imports are not allowed in scripts")
    if name in _C_INTERNAL_IMPORTS and type(fromlist) is list and not fromlist:
        return sys.modules[name]  # type: ignore[return-value]
    if name not in _MODULES:
        raise ImportDenied(
            f"import of module {name!r} is not allowed; allowed: {', '.join(sorted(_MODULES))}"
        )
    if fromlist:
        return _MODULES[name]
    return _MODULES[name.split(".")[0]]
