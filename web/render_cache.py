"""The render cache: a page's rendered HTML and CSS, reused while nothing it came from changed.

An entry's key is a digest of everything a page render reads:
- the tenant and the tenant's *generation*, a counter bumped by `invalidate_tenant` (theme or
  configuration changes) and whenever the tenant's installed packages change;
- the package id and version, the component, the route parameters, the theme CSS;
- the viewer: anonymous visitors share entries, a signed-in user only ever gets their own
  (user id and level are part of the key), so personalised HTML never reaches anyone else;
- the page data as loaded for this viewer (`web.page_data`): a write to a kv key or entity
  row the page reads changes the key, whichever process (web, worker script, CLI) wrote it;
- the MetaBuilder version, so a deploy with new renderer code starts afresh.

Installed packages are watched on page requests: when a tenant's set (id, version, enabled,
config time) differs from what this process last saw, whoever changed it, the tenant's
generation is bumped and the renderer's compiled-component caches are dropped.

Storage: Redis when METABUILDER_REDIS_URL is set (shared by every web process; the entry and
the generation are read in one round trip, entries expire after `ttl_s`), else an in-process
LRU. Redis errors count as a miss and are logged, never shown.

The CSRF token is per visitor: a cached render is made with a random slot (kept in the entry,
unguessable by whoever wrote the page's data) in its place, filled with each viewer's own
token when served. A component with `"x-cache": false`, or whose definition reads the clock or
random numbers (`Date`, `Math.random`), is rendered every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal, Protocol

import redis

from dbal.scope import Scope
from engine.packages import Package
from engine.packages.model import ComponentDef
from web.identity import Identity
from web.page_data import PageDataContext, load_page_data
from web.render import RenderContext, UserInfo
from web.routing import RouteMatch

if TYPE_CHECKING:
    from web.services import WebServices

log = logging.getLogger(__name__)

CacheStatus = Literal["hit", "miss", "off"]
_UNCACHEABLE = re.compile(r"\bDate\b|Math\.random")
_MAX_ENTRY = 1_000_000  # characters of HTML + CSS; bigger pages are rendered every time


def _version() -> str:
    try:
        return metadata.version("metabuilder")
    except metadata.PackageNotFoundError:
        return "dev"


@dataclass(frozen=True)
class PageRender:
    html: str
    css: str
    cache: CacheStatus


class _Store(Protocol):
    def lookup(self, tenant_id: str, key: str) -> tuple[int, dict[str, Any] | None]: ...
    def store(self, key: str, entry: dict[str, Any]) -> None: ...
    def bump(self, tenant_id: str) -> int: ...


class MemoryStore:
    """One process: an LRU of entries and a dict of generations."""

    def __init__(self, max_entries: int = 2000) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()

    def lookup(self, tenant_id: str, key: str) -> tuple[int, dict[str, Any] | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return self._generations.get(tenant_id, 0), entry

    def store(self, key: str, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def bump(self, tenant_id: str) -> int:
        with self._lock:
            self._generations[tenant_id] = self._generations.get(tenant_id, 0) + 1
            return self._generations[tenant_id]


class RedisStore:
    """Shared by every web process; a missing generation key reads as 0."""

    def __init__(self, url: str, *, ttl_s: float = 300.0, prefix: str = "mb:render:") -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._ttl_ms = int(ttl_s * 1000)
        self._prefix = prefix

    def _gen_key(self, tenant_id: str) -> str:
        return f"{self._prefix}gen:{tenant_id}"

    def lookup(self, tenant_id: str, key: str) -> tuple[int, dict[str, Any] | None]:
        try:
            gen, raw = self._client.mget([self._gen_key(tenant_id), self._prefix + key])
        except redis.RedisError as error:
            log.warning("render cache unavailable: %s", error)
            return -1, None  # no generation matches -1: a miss that is never stored over
        entry = None
        if isinstance(raw, bytes):
            try:
                entry = json.loads(raw)
            except ValueError:
                entry = None
        return int(gen) if gen is not None else 0, entry

    def store(self, key: str, entry: dict[str, Any]) -> None:
        try:
            self._client.set(self._prefix + key, json.dumps(entry), px=self._ttl_ms)
        except redis.RedisError as error:
            log.warning("render cache unavailable: %s", error)

    def bump(self, tenant_id: str) -> int:
        try:
            return int(self._client.incr(self._gen_key(tenant_id)))
        except redis.RedisError as error:
            log.warning("render cache unavailable, tenant %s not invalidated: %s", tenant_id, error)
            return -1

    def close(self) -> None:
        self._client.close()


class RenderCache:
    def __init__(self, redis_url: str | None = None, *, ttl_s: float = 300.0) -> None:
        self.store: _Store = RedisStore(redis_url, ttl_s=ttl_s) if redis_url else MemoryStore()
        self._version = _version()
        self._packages_seen: dict[str, str] = {}
        self._cacheable: dict[int, tuple[Mapping[str, Any], bool]] = {}
        self._lock = threading.Lock()

    def invalidate_tenant(self, tenant_id: str) -> None:
        """Every cached page of the tenant is stale, in every process sharing the store."""
        self.store.bump(tenant_id)

    def observe_packages(self, svc: WebServices, tenant_id: str) -> None:
        """Bump the tenant and drop the renderer's caches when its packages changed."""
        rows = svc.db.installed_packages.list(tenant_id, enabled_only=False)
        seen = _digest(
            sorted(
                (r["package_id"], r["version"], bool(r["enabled"]), str(r["updated_at"]))
                for r in rows
            )
        )
        with self._lock:
            before = self._packages_seen.get(tenant_id)
            self._packages_seen[tenant_id] = seen
        if before is not None and before != seen:
            svc.renderer.invalidate()
            self.invalidate_tenant(tenant_id)

    def cacheable(self, component: ComponentDef) -> bool:
        definition = component.definition
        found = self._cacheable.get(id(definition))
        if found is not None and found[0] is definition:
            return found[1]
        allowed = definition.get("x-cache", True) is not False and not _UNCACHEABLE.search(
            json.dumps(definition, default=str)
        )
        with self._lock:
            if len(self._cacheable) > 10_000:
                self._cacheable.clear()
            self._cacheable[id(definition)] = (definition, allowed)
        return allowed

    def key(
        self,
        tenant_id: str,
        package: Package,
        component: ComponentDef,
        route: RouteMatch,
        identity: Identity,
        theme_css: str,
        data: Mapping[str, Any],
    ) -> str:
        viewer = ["user", identity.user_id, identity.level] if identity.authenticated else ["anon"]
        return _digest(
            [
                self._version,
                tenant_id,
                package.id,
                package.version,
                component.id,
                sorted(route.params.items()),
                _digest(theme_css),
                viewer,
                data,
            ]
        )


def render_page(
    svc: WebServices,
    tenant: Mapping[str, Any],
    package: Package,
    component: ComponentDef,
    route: RouteMatch,
    identity: Identity,
    csrf_token: str,
    versions: Mapping[str, str] | None = None,
) -> PageRender:
    """Load the page's data for this viewer, then render it or take it from the cache.

    Blocking (database, Redis, rendering): call it in a worker thread. Raises
    `web.page_data.PageDataError` when the page's data cannot be loaded for this viewer.
    """
    tenant_id = str(tenant["id"])
    user = (
        {"id": identity.user_id, "level": identity.level, "username": identity.username}
        if identity.authenticated
        else None
    )
    scope = (
        Scope.for_user(tenant_id, identity.user_id, identity.level)
        if identity.authenticated
        else Scope.public(tenant_id)
    )
    declared = component.definition.get("data") or {}
    context = PageDataContext(
        package=package.id,
        dependencies=frozenset(package.dependencies),
        params=route.params,
        user=user,
        tenant=str(tenant["slug"]),
    )
    data = load_page_data(svc.db, scope, declared, context)
    cache = svc.render_cache
    if not cache.cacheable(component):
        html, css = _render(
            svc, tenant, package, component, route, identity, data, csrf_token, versions
        )
        return PageRender(html, css, "off")
    cache.observe_packages(svc, tenant_id)
    key = cache.key(
        tenant_id, package, component, route, identity, svc.themes.css_for(package), data
    )
    generation, entry = cache.store.lookup(tenant_id, key)
    if entry is not None and entry.get("g") == generation:
        html = str(entry["html"]).replace(str(entry["slot"]), csrf_token)
        return PageRender(html, str(entry["css"]), "hit")
    slot = "mb-csrf-" + secrets.token_hex(16)
    html, css = _render(svc, tenant, package, component, route, identity, data, slot, versions)
    if generation >= 0 and len(html) + len(css) <= _MAX_ENTRY:
        cache.store.store(key, {"g": generation, "slot": slot, "html": html, "css": css})
    return PageRender(html.replace(slot, csrf_token), css, "miss")


def _render(
    svc: WebServices,
    tenant: Mapping[str, Any],
    package: Package,
    component: ComponentDef,
    route: RouteMatch,
    identity: Identity,
    data: Mapping[str, Any],
    csrf_token: str,
    versions: Mapping[str, str] | None,
) -> tuple[str, str]:
    context = RenderContext(
        tenant=str(tenant["slug"]),
        user=(
            UserInfo(id=identity.user_id, level=identity.level, username=identity.username)
            if identity.user_id is not None
            else None
        ),
        data=data,
        params=dict(route.params),
        csrf_token=csrf_token,
        versions=versions or {},
    )
    result = svc.renderer.render(package.id, component.definition, {}, context)
    return result.html, result.css


def _digest(value: Any) -> str:
    raw = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()
