"""The `ctx` object a script's `main(ctx)` receives.

Everything with a side effect is proxied: each method checks and JSON-encodes its arguments,
then calls the host through `HostCall` with an operation name (the wire contract below) and
returns the host's JSON answer. The host applies the caller's tenant, user and level; the
child never holds a connection, a credential or another tenant's data.

Wire contract (operation -> argument object; see worker/script_host.py for the host side)::

    db.list    {entity, where?, order_by?, limit?, offset?}  -> [row, ...]
    db.read    {entity, id}                                  -> row | null
    db.create  {entity, data}                                -> row
    db.update  {entity, id, data}                            -> row
    db.delete  {entity, id}                                  -> bool
    db.count   {entity, where?}                              -> int
    db.search  {entity, query, fields?, limit?}              -> [row, ...]
    kv.get     {key}                                         -> value | null
    kv.set     {key, value, ttl_s?}                          -> null
    kv.delete  {key}                                         -> bool
    kv.incr    {key, by}                                     -> int
    http.request {method, url, headers?, body?, json?, timeout_s?}
                                                  -> {status, headers, text, json}
    secrets.get  {name}                                      -> str | null

Every ctx object has `__slots__` and no public writable state; RestrictedPython's write guard
refuses `ctx.x = ...` and `ctx.kv.x = ...`, and `_`-prefixed slots are unreachable.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scripts_runtime.ctx.output import LOG_LEVELS, OutputLimit, OutputSink

HostCall = Callable[[str, dict[str, Any]], Any]

MAX_ARGUMENT_BYTES = 4 * 1024 * 1024
MAX_HOST_CALLS = 10_000
"""Proxied calls one run may make: a loop of ctx calls is refused long before it can keep
the host's database busy for the whole timeout."""


class CallBudget:
    """Counts one run's host calls (shared by all proxies of one `Ctx`)."""

    __slots__ = ("_left",)

    def __init__(self, calls: int = MAX_HOST_CALLS) -> None:
        self._left = calls

    def spend(self, op: str) -> None:
        self._left -= 1
        if self._left < 0:
            raise OutputLimit(f"ctx {op}: more than {MAX_HOST_CALLS} host calls in one run")


def _json_args(op: str, args: dict[str, Any]) -> dict[str, Any]:
    """Drop unset options and prove the arguments are plain JSON (a copy, so a script cannot
    hand the host an object whose behaviour changes after the check)."""
    try:
        encoded = json.dumps({k: v for k, v in args.items() if v is not None}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"ctx {op}: arguments must be JSON-serialisable ({exc})") from None
    if len(encoded) > MAX_ARGUMENT_BYTES:
        raise ValueError(f"ctx {op}: arguments exceed {MAX_ARGUMENT_BYTES} bytes")
    decoded: dict[str, Any] = json.loads(encoded)
    return decoded


def _require_str(op: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"ctx {op}: {name} must be a non-empty string")
    return value


class _Proxy:
    __slots__ = ("_budget", "_call")

    def __init__(self, call: HostCall, budget: CallBudget) -> None:
        self._call = call
        self._budget = budget

    def _invoke(self, op: str, **args: Any) -> Any:
        self._budget.spend(op)
        return self._call(op, _json_args(op, args))


class Db(_Proxy):
    """Entity access in the caller's scope (tenant, user, level)."""

    __slots__ = ()

    def list(
        self,
        entity: str,
        where: Mapping[str, Any] | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Any:
        _require_str("db.list", "entity", entity)
        return self._invoke(
            "db.list", entity=entity, where=where, order_by=order_by, limit=limit, offset=offset
        )

    def read(self, entity: str, id: str) -> Any:
        _require_str("db.read", "entity", entity)
        return self._invoke("db.read", entity=entity, id=id)

    def create(self, entity: str, data: Mapping[str, Any]) -> Any:
        _require_str("db.create", "entity", entity)
        return self._invoke("db.create", entity=entity, data=data)

    def update(self, entity: str, id: str, data: Mapping[str, Any]) -> Any:
        _require_str("db.update", "entity", entity)
        return self._invoke("db.update", entity=entity, id=id, data=data)

    def delete(self, entity: str, id: str) -> Any:
        _require_str("db.delete", "entity", entity)
        return self._invoke("db.delete", entity=entity, id=id)

    def count(self, entity: str, where: Mapping[str, Any] | None = None) -> Any:
        _require_str("db.count", "entity", entity)
        return self._invoke("db.count", entity=entity, where=where)

    def search(
        self,
        entity: str,
        query: str,
        fields: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> Any:
        _require_str("db.search", "entity", entity)
        return self._invoke("db.search", entity=entity, query=query, fields=fields, limit=limit)


class Kv(_Proxy):
    """The tenant's key-value store (namespaced by the host)."""

    __slots__ = ()

    def get(self, key: str, default: Any = None) -> Any:
        value = self._invoke("kv.get", key=_require_str("kv.get", "key", key))
        return default if value is None else value

    def set(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        self._invoke("kv.set", key=_require_str("kv.set", "key", key), value=value, ttl_s=ttl_s)

    def delete(self, key: str) -> Any:
        return self._invoke("kv.delete", key=_require_str("kv.delete", "key", key))

    def incr(self, key: str, by: int = 1) -> Any:
        if not isinstance(by, int) or isinstance(by, bool):
            raise TypeError("ctx kv.incr: by must be an integer")
        return self._invoke("kv.incr", key=_require_str("kv.incr", "key", key), by=by)


class Http(_Proxy):
    """Outbound HTTP, fetched by the host, only to hosts the tenant allows."""

    __slots__ = ()

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        json: Any = None,
        timeout_s: float | None = None,
    ) -> Any:
        _require_str("http.request", "method", method)
        _require_str("http.request", "url", url)
        return self._invoke(
            "http.request",
            method=method.upper(),
            url=url,
            headers=headers,
            body=body,
            json=json,
            timeout_s=timeout_s,
        )

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        return self.request("GET", url, headers=headers)

    def post(
        self,
        url: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.request("POST", url, headers=headers, json=json)


class Secrets(_Proxy):
    """Tenant secrets by name; deliberately not listable."""

    __slots__ = ()

    def get(self, name: str) -> Any:
        return self._invoke("secrets.get", name=_require_str("secrets.get", "name", name))


class Log:
    """`ctx.log(*parts)` logs at info; `ctx.log.error(...)` and friends pick a level."""

    __slots__ = ("_sink",)

    def __init__(self, sink: OutputSink) -> None:
        self._sink = sink

    def _write(self, level: str, parts: tuple[Any, ...]) -> None:
        self._sink.log(level, " ".join(p if isinstance(p, str) else repr(p) for p in parts))

    def __call__(self, *parts: Any) -> None:
        self._write("info", parts)

    def debug(self, *parts: Any) -> None:
        self._write("debug", parts)

    def info(self, *parts: Any) -> None:
        self._write("info", parts)

    def warning(self, *parts: Any) -> None:
        self._write("warning", parts)

    def error(self, *parts: Any) -> None:
        self._write("error", parts)


class User:
    __slots__ = ("_id", "_level")

    def __init__(self, id: str | None, level: int) -> None:
        self._id = id
        self._level = level

    @property
    def id(self) -> str | None:
        return self._id

    @property
    def level(self) -> int:
        return self._level

    def __repr__(self) -> str:
        return f"User(id={self._id!r}, level={self._level})"


class Tenant:
    __slots__ = ("_id", "_slug")

    def __init__(self, id: str, slug: str) -> None:
        self._id = id
        self._slug = slug

    @property
    def id(self) -> str:
        return self._id

    @property
    def slug(self) -> str:
        return self._slug

    def __repr__(self) -> str:
        return f"Tenant(id={self._id!r}, slug={self._slug!r})"


class Ctx:
    __slots__ = ("_db", "_http", "_input", "_kv", "_log", "_secrets", "_sink", "_tenant", "_user")

    def __init__(
        self,
        *,
        call: HostCall,
        sink: OutputSink,
        input: Any,
        user: Mapping[str, Any],
        tenant: str,
        tenant_slug: str,
    ) -> None:
        level = user.get("level", 0)
        self._input = input
        self._user = User(user.get("id"), level if isinstance(level, int) else 0)
        self._tenant = Tenant(tenant, tenant_slug)
        budget = CallBudget()
        self._db = Db(call, budget)
        self._kv = Kv(call, budget)
        self._http = Http(call, budget)
        self._secrets = Secrets(call, budget)
        self._log = Log(sink)
        self._sink = sink

    @property
    def input(self) -> Any:
        return self._input

    @property
    def user(self) -> User:
        return self._user

    @property
    def tenant(self) -> Tenant:
        return self._tenant

    @property
    def db(self) -> Db:
        return self._db

    @property
    def kv(self) -> Kv:
        return self._kv

    @property
    def http(self) -> Http:
        return self._http

    @property
    def secrets(self) -> Secrets:
        return self._secrets

    @property
    def log(self) -> Log:
        return self._log

    def now(self) -> datetime.datetime:
        """The current time, timezone-aware UTC."""
        return datetime.datetime.now(datetime.UTC)

    def emit(self, event: str, data: Any = None) -> None:
        self._sink.emit(event, data)

    def __repr__(self) -> str:
        return f"<ctx tenant={self._tenant.slug!r} user={self._user.id!r}>"


__all__ = [
    "LOG_LEVELS",
    "MAX_HOST_CALLS",
    "CallBudget",
    "Ctx",
    "Db",
    "HostCall",
    "Http",
    "Kv",
    "Log",
    "Secrets",
    "Tenant",
    "User",
]
