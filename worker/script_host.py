"""The host side of sandboxed scripts: a `HostHandler` that answers `ctx` calls for one caller.

A sandbox child proxies every side effect (see `scripts_runtime.ctx.api` for the wire
contract). `ScriptHost` answers them in the worker, where the database, the tenant's settings
and the network live:

    db.*          -> dbal `Entities` under `Scope.for_user(tenant, user, level)` and the
                     script's package (ACL, tenant filter and owner rules apply; create forces
                     the tenant); data-layer errors become `HostError(<code>, <message>)`
    kv.*          -> dbal `KeyValue` namespaced by the tenant
    secrets.get   -> a `SecretSource` (default: the tenant's `settings.scripts.secrets`);
                     names can be read one by one, never listed
    http.request  -> outbound HTTP, only to hosts in the tenant's
                     `settings.scripts.httpAllowHosts` ("api.example.com", "*.example.com",
                     or an IP literal); the address is resolved once and pinned, private and
                     loopback addresses are refused unless listed as literals; no redirects
                     are followed; responses are capped

`host_factory(db)` builds one per `run_script` activity (engine.cli.stack wires it).

Writes (`WRITE_OPS`) made inside an activity go through the effects ledger
(`dbal.effects`): each is keyed by the activity execution and its sequence number among the
run's writes and committed together with its ledger row, so when Temporal retries the
activity after a crash the script's writes already done return their recorded results
instead of happening twice. Outbound HTTP cannot join a database transaction and stays
at-least-once.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from temporalio import activity

from dbal.database import Database
from dbal.effects import EffectKey, EffectLedger, EffectTx
from dbal.errors import DataError, NotFoundError
from dbal.scope import Scope
from scripts_runtime.sandbox import HostError, HostHandler

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
HTTP_MAX_TIMEOUT_S = 10.0
HTTP_MAX_RESPONSE_BYTES = 1024 * 1024
HTTP_DROPPED_HEADERS = frozenset(
    {"host", "connection", "content-length", "transfer-encoding", "upgrade", "proxy-authorization"}
)
LIST_DEFAULT_LIMIT = 50
WRITE_OPS = frozenset({"db.create", "db.update", "db.delete", "kv.set", "kv.delete", "kv.incr"})


class ScriptCaller(Protocol):
    """Who runs the script (engine.workflows.script_run.ScriptRunInput fits)."""

    tenant_id: str
    user_id: str | None
    user_level: int
    package_id: str


class SecretSource(Protocol):
    def get(self, tenant_id: str, name: str) -> str | None: ...


Resolver = Callable[[str, int], list[str]]


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _str_arg(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise HostError("invalid", f"{name} must be a non-empty string")
    return value


class TenantSettings:
    """The tenant row's `settings.scripts` section, read once per host."""

    def __init__(self, db: Database, tenant_id: str) -> None:
        self._db = db
        self._tenant_id = tenant_id
        self._section: dict[str, Any] | None = None

    def section(self) -> dict[str, Any]:
        if self._section is None:
            row = self._db.tenants.get(self._tenant_id) or {}
            settings = row.get("settings") if isinstance(row.get("settings"), dict) else {}
            scripts = settings.get("scripts") if isinstance(settings, dict) else None
            self._section = scripts if isinstance(scripts, dict) else {}
        return self._section

    def http_allow_hosts(self) -> list[str]:
        hosts = self.section().get("httpAllowHosts")
        return [h.lower() for h in hosts if isinstance(h, str)] if isinstance(hosts, list) else []


class SettingsSecrets:
    """Secrets from the tenant's `settings.scripts.secrets` map (a vault can replace it)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tenant_id: str, name: str) -> str | None:
        value = TenantSettings(self._db, tenant_id).section().get("secrets", {})
        secret = value.get(name) if isinstance(value, dict) else None
        return secret if isinstance(secret, str) else None


def host_allowed(host: str, patterns: Sequence[str]) -> bool:
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern:
            return True
    return False


class ScriptHost:
    """A HostHandler for one script run (one caller, one tenant, one package)."""

    def __init__(
        self,
        db: Database,
        scope: Scope,
        *,
        package: str | None = None,
        secrets: SecretSource | None = None,
        http_transport: httpx.BaseTransport | None = None,
        resolver: Resolver = _resolve,
        effects_run: str | None = None,
    ) -> None:
        """`effects_run` names the activity execution whose writes go through the ledger
        (see `activity_run_key`); None writes directly (the CLI, tests of the host)."""
        if scope.tenant_id is None:
            raise ValueError("scripts always run inside a tenant")
        self._db = db
        self._scope = scope
        self._tenant_id: str = scope.tenant_id
        self._package = package
        self._secrets = secrets if secrets is not None else SettingsSecrets(db)
        self._settings = TenantSettings(db, self._tenant_id)
        self._transport = http_transport
        self._resolve = resolver
        self._effects_run = effects_run
        self._ledger = EffectLedger(db) if effects_run is not None else None
        self._writes = 0
        self._tx: EffectTx | None = None
        self._ops: dict[str, Callable[[Mapping[str, Any]], Any]] = {
            "db.list": self._db_list,
            "db.read": self._db_read,
            "db.create": self._db_create,
            "db.update": self._db_update,
            "db.delete": self._db_delete,
            "db.count": self._db_count,
            "db.search": self._db_search,
            "kv.get": lambda a: self._kv().get(_str_arg(a, "key")),
            "kv.set": lambda a: self._kv().set(_str_arg(a, "key"), a.get("value"), a.get("ttl_s")),
            "kv.delete": lambda a: self._kv().delete(_str_arg(a, "key")),
            "kv.incr": lambda a: self._kv().incr(_str_arg(a, "key"), a.get("by", 1)),
            "secrets.get": lambda a: self._secrets.get(self._tenant_id, _str_arg(a, "name")),
            "http.request": self._http_request,
        }

    def __call__(self, op: str, args: Mapping[str, Any]) -> Any:
        handler = self._ops.get(op)
        if handler is None:
            raise HostError("unknown_operation", f"no host operation {op!r}")
        try:
            if self._ledger is not None and op in WRITE_OPS:
                key = EffectKey(f"{self._effects_run}", self._writes)
                self._writes += 1
                return self._ledger.once(
                    key, op, self._scope, self._package, lambda tx: self._in_tx(tx, handler, args)
                )
            return _jsonable(handler(args))
        except DataError as error:
            raise HostError(error.code.lower(), error.message) from None

    def _in_tx(
        self, tx: EffectTx, handler: Callable[[Mapping[str, Any]], Any], args: Mapping[str, Any]
    ) -> Any:
        self._tx = tx  # host calls of one script arrive one at a time
        try:
            return _jsonable(handler(args))
        finally:
            self._tx = None

    # -- data ------------------------------------------------------------------------------

    def _entities(self) -> Any:
        if self._tx is not None:
            return self._tx.entities
        return self._db.entities(self._scope, package=self._package)

    def _kv(self) -> Any:
        if self._tx is not None:
            return self._tx.kv
        return self._db.kv(self._scope)

    def _db_list(self, args: Mapping[str, Any]) -> Any:
        options: dict[str, Any] = {"limit": args.get("limit") or LIST_DEFAULT_LIMIT}
        if args.get("where") is not None:
            options["filter"] = args["where"]
        if args.get("order_by") is not None:
            options["sort"] = args["order_by"]
        if args.get("offset") is not None:
            options["offset"] = args["offset"]
        page = self._entities().list(_str_arg(args, "entity"), **options)
        return page["items"]

    def _db_read(self, args: Mapping[str, Any]) -> Any:
        try:
            return self._entities().read(_str_arg(args, "entity"), _str_arg(args, "id"))
        except NotFoundError:
            return None

    def _db_create(self, args: Mapping[str, Any]) -> Any:
        data = args.get("data")
        if not isinstance(data, dict):
            raise HostError("invalid", "data must be an object")
        return self._entities().create(_str_arg(args, "entity"), data)

    def _db_update(self, args: Mapping[str, Any]) -> Any:
        data = args.get("data")
        if not isinstance(data, dict):
            raise HostError("invalid", "data must be an object")
        return self._entities().update(_str_arg(args, "entity"), _str_arg(args, "id"), data)

    def _db_delete(self, args: Mapping[str, Any]) -> Any:
        try:
            return self._entities().delete(_str_arg(args, "entity"), _str_arg(args, "id"))
        except NotFoundError:
            return False

    def _db_count(self, args: Mapping[str, Any]) -> Any:
        return self._entities().count(_str_arg(args, "entity"), filter=args.get("where"))

    def _db_search(self, args: Mapping[str, Any]) -> Any:
        options: dict[str, Any] = {}
        if args.get("limit") is not None:
            options["limit"] = args["limit"]
        return self._entities().search(_str_arg(args, "entity"), _str_arg(args, "query"), **options)

    # -- http ------------------------------------------------------------------------------

    def _pinned_address(self, host: str, port: int, allow: Sequence[str]) -> str:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            return str(literal)  # an IP literal is only reachable when listed as such
        try:
            addresses = self._resolve(host, port)
        except OSError as exc:
            raise HostError("http_error", f"cannot resolve {host}: {exc}") from None
        for address in addresses:
            ip = ipaddress.ip_address(address)
            if (
                ip.is_private
                or ip.is_loopback
                or ip.is_link_local
                or ip.is_reserved
                or ip.is_multicast
                or ip.is_unspecified
            ) and address not in allow:
                raise HostError(
                    "not_allowed", f"{host} resolves to a non-public address ({address})"
                )
        if not addresses:
            raise HostError("http_error", f"cannot resolve {host}")
        return addresses[0]

    def _http_request(self, args: Mapping[str, Any]) -> Any:
        method = _str_arg(args, "method").upper()
        if method not in HTTP_METHODS:
            raise HostError("invalid", f"HTTP method {method} is not allowed")
        url = _str_arg(args, "url")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HostError("invalid", "url must be an absolute http(s) URL")
        if parts.username or parts.password:
            raise HostError("invalid", "credentials in the URL are not allowed; use headers")
        host = parts.hostname.lower()
        allow = self._settings.http_allow_hosts()
        if not host_allowed(host, allow):
            raise HostError("not_allowed", f"{host} is not in this tenant's HTTP allow-list")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._pinned_address(host, port, allow)
        headers = {
            str(k): str(v)
            for k, v in (args.get("headers") or {}).items()
            if str(k).lower() not in HTTP_DROPPED_HEADERS
        }
        timeout = min(float(args.get("timeout_s") or HTTP_MAX_TIMEOUT_S), HTTP_MAX_TIMEOUT_S)
        target = httpx.URL(url).copy_with(host=address)
        headers["Host"] = host if parts.port is None else f"{host}:{parts.port}"
        content: bytes | None = None
        if args.get("json") is not None:
            content = json.dumps(args["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
        elif args.get("body") is not None:
            content = str(args["body"]).encode()
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            with httpx.Client(
                transport=self._transport, timeout=timeout, follow_redirects=False
            ) as client:
                request = client.build_request(
                    method, target, headers=headers, content=content, extensions=extensions
                )
                response = client.send(request, stream=True)
                try:
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > HTTP_MAX_RESPONSE_BYTES:
                            raise HostError(
                                "http_error",
                                f"response larger than {HTTP_MAX_RESPONSE_BYTES} bytes",
                            )
                    status, response_headers = response.status_code, dict(response.headers)
                    encoding = response.encoding or "utf-8"
                finally:
                    response.close()
        except httpx.HTTPError as exc:
            raise HostError("http_error", f"{method} {host}: {type(exc).__name__}") from None
        text = bytes(body).decode(encoding, "replace")
        parsed = None
        if "json" in response_headers.get("content-type", ""):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        return {"status": status, "headers": response_headers, "text": text, "json": parsed}


def activity_run_key() -> str | None:
    """The current activity execution as an effects key (the same for all its attempts),
    or None outside an activity."""
    if not activity.in_activity():
        return None
    info = activity.info()
    return f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"


def host_for_caller(db: Database, caller: ScriptCaller, **options: Any) -> ScriptHost:
    scope = Scope.for_user(caller.tenant_id, caller.user_id, caller.user_level)
    options.setdefault("effects_run", activity_run_key())
    return ScriptHost(db, scope, package=caller.package_id or None, **options)


def host_factory(db: Database, **options: Any) -> Callable[[ScriptCaller], HostHandler]:
    """What the worker's `run_script` activity calls once per run."""

    def make(caller: ScriptCaller) -> HostHandler:
        return host_for_caller(db, caller, **options)

    return make
