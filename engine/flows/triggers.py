"""Triggers that start flows from outside a user's click: webhooks and entity events.

- `find_webhook(...)`: the installed flow a `POST /api/v1/{tenant}/hooks/{flow}` addresses;
  the caller proves it knows the flow's secret (a tenant secret, `settings.scripts.secrets`,
  named by the trigger's `secret`, default `webhook:<flowId>`), compared in constant time.
  The run's user is none, at the trigger's `runAsLevel` (at most admin).
- `EntityFlowListener`: registered on `WebServices.entity_listeners`; after a create, update
  or delete of an entity it starts (without waiting) every flow of the entity's package,
  installed for the tenant, whose `entity` trigger matches. The input is
  `{op, entity, record}`; the run acts as the user who made the change. It never raises
  into the writer: failures are logged.

Named events (`{"kind": "event", "event": ...}`) are started from inside the emitting
workflow, durably and exactly once: see `engine.flows.events`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dbal.database import Database
from engine.events import EntityChange
from engine.flows.dispatch import EnvLookup, FlowDispatcher, FlowRequest
from engine.flows.errors import FlowError
from engine.flows.model import Trigger
from engine.flows.parse import parse_flow

log = logging.getLogger("metabuilder.flows")

InstalledLookup = Callable[[str], Mapping[str, str]]
"""tenant id -> {package id: installed version} of the packages enabled for it."""


@dataclass(frozen=True)
class Webhook:
    package_id: str
    flow_id: str
    trigger: Trigger
    version: str | None = None


def find_webhook(
    dispatcher: FlowDispatcher, packages: Mapping[str, str], flow_ref: str
) -> list[Webhook]:
    """Every installed flow called `flow_ref` that has a webhook trigger; `packages` maps
    the tenant's package ids to their installed versions."""
    found: list[Webhook] = []
    for package_id, version in sorted(packages.items()):
        doc = dispatcher.definitions(package_id, version).get(flow_ref)
        if doc is None:
            continue
        flow, _ = parse_flow(doc)
        trigger = flow.trigger("webhook")
        if trigger is not None:
            found.append(Webhook(package_id, flow.id, trigger, version))
    return found


def secret_matches(tenant: Mapping[str, Any], hook: Webhook, presented: str | None) -> bool:
    expected = tenant_secret(tenant, hook.trigger.secret_name or f"webhook:{hook.flow_id}")
    if not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


class EntityFlowListener:
    def __init__(self, dispatcher: FlowDispatcher, installed: InstalledLookup) -> None:
        self._dispatcher = dispatcher
        self._installed = installed

    def matching(self, change: EntityChange) -> tuple[str | None, list[str]]:
        """(the installed version of the entity's package, the flows the change starts)."""
        installed = self._installed(change.tenant_id)
        if change.package_id not in installed:
            return None, []
        version = installed[change.package_id]
        names = []
        for flow_id, doc in self._dispatcher.definitions(change.package_id, version).items():
            flow, _ = parse_flow(doc)
            if flow.id != flow_id:
                continue  # the short alias of a `workflow_` id: counted once
            if any(_matches(t, change) for t in flow.triggers):
                names.append(flow.id)
        return version, names

    async def __call__(self, change: EntityChange) -> None:
        try:
            version, flows = await asyncio.to_thread(self.matching, change)
        except Exception:  # the writer's request must not fail because of a flow
            log.exception("entity trigger lookup failed for %s", change.entity)
            return
        for flow_id in flows:
            req = FlowRequest(
                tenant_id=change.tenant_id,
                tenant_slug=change.tenant_slug,
                package_id=change.package_id,
                flow_id=flow_id,
                input={"op": change.op, "entity": change.entity, "record": _json(change.record)},
                user_id=change.user_id,
                user_level=change.user_level,
                trigger="entity",
                version=version,
            )
            try:
                await self._dispatcher.start(req, check_level=False)
            except FlowError as exc:
                log.warning("flow %s not started for %s: %s", flow_id, change.entity, exc)
            except Exception:  # Temporal unreachable, ...: the writer's request still succeeds
                log.exception("flow %s not started for %s", flow_id, change.entity)  # fmt: skip


def tenant_secret(tenant: Mapping[str, Any], name: str) -> str | None:
    """A tenant secret (`settings.scripts.secrets`, as scripts read them) from the tenant row."""
    settings = tenant.get("settings")
    scripts = settings.get("scripts") if isinstance(settings, Mapping) else None
    secrets = scripts.get("secrets") if isinstance(scripts, Mapping) else None
    value = secrets.get(name) if isinstance(secrets, Mapping) else None
    return value if isinstance(value, str) else None


def tenant_env(db: Database) -> EnvLookup:
    """The variables a tenant allows flows to read as `$env` (`settings.flows.env`)."""

    def lookup(tenant_id: str) -> dict[str, Any]:
        row = db.tenants.get(tenant_id) or {}
        settings = row.get("settings")
        flows = settings.get("flows") if isinstance(settings, Mapping) else None
        env = flows.get("env") if isinstance(flows, Mapping) else None
        return {str(k): v for k, v in env.items()} if isinstance(env, Mapping) else {}

    return lookup


def installed_packages(db: Database) -> InstalledLookup:
    def lookup(tenant_id: str) -> dict[str, str]:
        rows = db.installed_packages.list(tenant_id)
        return {str(row["package_id"]): str(row["version"]) for row in rows}

    return lookup


def _json(record: Mapping[str, Any]) -> Any:
    """A row as JSON values (timestamps as ISO strings), fit for a workflow input."""
    return json.loads(
        json.dumps(record, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    )


def _matches(trigger: Trigger, change: EntityChange) -> bool:
    return trigger.kind == "entity" and trigger.entity == change.entity and change.op in trigger.ops
