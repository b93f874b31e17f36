"""Page data: the data sources a component declares, loaded on the server before rendering.

A component may declare `"data": {name: source}`; each source is read through the DBAL with the
visitor's scope, so a page can only ever show what its visitor may read:
    {"source": "kv", "key": "counter", "default": 0}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dbal.database import Database
from dbal.scope import Scope


class PageDataError(Exception):
    pass


def load_page_data(db: Database, scope: Scope, declared: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, source in declared.items():
        if not isinstance(source, Mapping):
            raise PageDataError(f"data source {name!r} must be an object")
        kind = source.get("source")
        if kind == "kv":
            data[name] = db.kv(scope).get(str(source["key"]), source.get("default"))
        else:
            raise PageDataError(f"data source {name!r} has an unknown source {kind!r}")
    return data
