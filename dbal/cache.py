"""An optional read-through cache for rows read by id; correctness never depends on it.

`RedisCache` is shared by every process (use it when METABUILDER_REDIS_URL is set);
`MemoryCache` is per process, so use it only when one process writes the data. Entries expire
after `ttl_s`; writers delete the keys of the rows they change after their transaction
commits. A read that raced a write can at worst re-populate an old row, which the TTL bounds.
Redis errors are swallowed (a cache miss), never surfaced to callers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

import redis

from dbal import jsoncodec
from dbal.types import Row

log = logging.getLogger(__name__)


class RowCache(Protocol):
    def get(self, key: str) -> Row | None: ...
    def set(self, key: str, row: Row) -> None: ...
    def delete(self, keys: Iterable[str]) -> None: ...


def row_key(table: str, tenant_id: str, row_id: str) -> str:
    return f"{table}:{tenant_id}:{row_id}"


class MemoryCache:
    def __init__(self, *, ttl_s: float = 30.0, max_entries: int = 10_000) -> None:
        self._ttl = ttl_s
        self._max = max_entries
        # rows are kept encoded, so callers mutating a returned row (or its JSON values)
        # can never change what the next reader gets
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Row | None:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            expires, encoded = found
            if expires < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
        return _decode(encoded)

    def set(self, key: str, row: Row) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + self._ttl, _encode(row))
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def delete(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)


class RedisCache:
    def __init__(self, url: str, *, ttl_s: float = 60.0, prefix: str = "mb:dbal:") -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._ttl_ms = int(ttl_s * 1000)
        self._prefix = prefix

    def get(self, key: str) -> Row | None:
        try:
            raw = self._client.get(self._prefix + key)
        except redis.RedisError as error:
            log.warning("row cache unavailable: %s", error)
            return None
        return _decode(raw) if isinstance(raw, bytes) else None

    def set(self, key: str, row: Row) -> None:
        try:
            self._client.set(self._prefix + key, _encode(row), px=self._ttl_ms)
        except redis.RedisError as error:
            log.warning("row cache unavailable: %s", error)

    def delete(self, keys: Iterable[str]) -> None:
        names = [self._prefix + k for k in keys]
        if not names:
            return
        try:
            self._client.delete(*names)
        except redis.RedisError as error:
            log.warning("row cache unavailable: %s", error)

    def close(self) -> None:
        self._client.close()


def _encode(row: Row) -> str:
    dates = [k for k, v in row.items() if isinstance(v, datetime)]
    plain = {k: (v.isoformat() if k in dates else v) for k, v in row.items()}
    return jsoncodec.dumps({"r": plain, "d": dates})


def _decode(raw: bytes | str) -> Row | None:
    try:
        payload: Any = jsoncodec.loads(raw)
        row: Row = payload["r"]
        for key in payload["d"]:
            row[key] = datetime.fromisoformat(row[key])
    except (ValueError, KeyError, TypeError):
        return None
    return row
