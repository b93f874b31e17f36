"""The worker side of flows: the FlowRun workflow and the activities its nodes call.

- `flow_database` (local activity): the original `database_*` operations. Reads go through
  the same `ScriptHost` scripts use (caller's scope: tenant filter, ACL, owner rules); every
  write goes through the effects ledger (`dbal.effects`) under the call's idempotency key,
  committed in the write's own transaction, so a retried activity never writes twice.
  `tenantId` in filters and data is dropped (the scope sets the tenant) and Mongo-style
  `$gte` operators become `gte`.
- `flow_http`: `ScriptHost`'s allow-listed HTTP (`settings.scripts.httpAllowHosts`); a 4xx/5xx
  answer fails the node, retryable for 408/429/500/502/503/504.
- `flow_email`: SMTP from the tenant's `settings.email.smtp` (`host`, `port`, `from`,
  `starttls`, `username`, `passwordSecret` naming a tenant secret); the Message-ID is derived
  from the idempotency key and a sent key is remembered, so a retry after success does not
  send twice (a crash between sending and remembering can, as with any SMTP client).
- `flow_rate_limit` (local activity): a fixed-window counter in the tenant's key-value store,
  counted once per node execution (ledger).
- `flow_events` (local activity, `worker/flow_events.py`): starts the flows whose `event`
  trigger listens to the events a run published (`engine.flows.events`), exactly once.
- `run_script` (from the scripts component) runs script nodes.
"""

from __future__ import annotations

import asyncio
import smtplib
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from dbal.database import Database
from dbal.effects import EffectKey, EffectLedger, EffectTx
from dbal.errors import DataError, NotFoundError
from dbal.scope import Scope
from engine.flows.calls import (
    DATABASE_ACTIVITY,
    EMAIL_ACTIVITY,
    HTTP_ACTIVITY,
    NODE_ERROR,
    RATE_LIMIT_ACTIVITY,
    FlowCall,
)
from engine.workflows.flow_run import FlowRun
from engine.workflows.script_run import ScriptRunInput
from scripts_runtime.sandbox import HostError, HostHandler
from worker.component import Registration, WorkerContext
from worker.flow_events import EventActivities
from worker.script_host import SettingsSecrets, _jsonable

RETRYABLE_HTTP = frozenset({408, 429, 500, 502, 503, 504})
RETRYABLE_DATA = frozenset({"timeout", "database_error", "rate_limit_exceeded"})
MAX_RECIPIENTS = 50
SMTP_TIMEOUT_S = 15.0
TIMESTAMPS = {"createdAt": "created_at", "updatedAt": "updated_at"}
FILTER_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "startswith")


def node_error(
    code: str, message: str, *, retryable: bool = False, details: Any = None
) -> ApplicationError:
    body = {"code": code, "retryable": retryable, "details": details}
    return ApplicationError(message, body, type=NODE_ERROR, non_retryable=True)


def _delete_by_id(tx: EffectTx, entity: str, id: str) -> bool:
    try:
        return tx.entities.delete(entity, id)
    except NotFoundError:
        return False


def _sort(value: Any) -> Any:
    """The original's `{"field": "asc"|"desc"|1|-1}` as the data layer's `["field", "-field"]`
    (its `createdAt`/`updatedAt` are our `created_at`/`updated_at`)."""
    if isinstance(value, Mapping):
        keys = [TIMESTAMPS.get(str(k), str(k)) for k in value]
        desc = [str(v).lower() in ("desc", "-1") for v in value.values()]
        return [f"-{k}" if d else k for k, d in zip(keys, desc, strict=True)]
    return value


def _email_text(params: Mapping[str, Any]) -> str:
    """`text` (or `body`); the original's `template` + `data` (no template files exist) as the
    template name followed by one `key: value` line per datum."""
    text = params.get("text", params.get("body"))
    if text is not None:
        return str(text)
    data = params.get("data") if isinstance(params.get("data"), Mapping) else {}
    lines = [f"{key}: {value}" for key, value in (data or {}).items()]
    return "\n".join([str(params.get("template") or ""), "", *lines]).strip() + "\n"


def _compat(value: Any) -> Any:
    """Original filters and data: no `tenantId` (the scope sets it), `$op` -> `op`."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "tenantId":
                continue
            name = key[1:] if key.startswith("$") and key[1:] in FILTER_OPERATORS else key
            out[name] = _compat(item)
        return out
    if isinstance(value, list):
        return [_compat(v) for v in value]
    return value


class FlowActivities:
    def __init__(
        self,
        *,
        host_for: Callable[[ScriptRunInput], HostHandler],
        db: Database | None,
    ) -> None:
        self._host_for = host_for
        self._db = db

    def _host(self, call: FlowCall) -> HostHandler:
        return self._host_for(
            ScriptRunInput(
                tenant_id=call.tenant_id,
                tenant_slug=call.tenant_slug,
                package_id=call.package_id,
                script=f"flow:{call.node_id}",
                user_id=call.user_id,
                user_level=call.user_level,
                kind="flow",
            )
        )

    def _database(self) -> Database:
        if self._db is None:
            raise node_error("UNAVAILABLE", "this worker has no database")
        return self._db

    def _scope(self, call: FlowCall) -> Scope:
        return Scope.for_user(call.tenant_id, call.user_id, call.user_level)

    # -- database ---------------------------------------------------------------------------

    @activity.defn(name=DATABASE_ACTIVITY)
    async def database(self, call: FlowCall) -> Any:
        return await asyncio.to_thread(self._database_op, call)

    def _database_op(self, call: FlowCall) -> Any:
        p = call.params
        entity = p.get("entity")
        if not isinstance(entity, str) or not entity:
            raise node_error("BAD_PARAMETER", "entity must be a non-empty string")
        where = _compat(p.get("filter")) or None
        data = _compat(p.get("data"))
        host = self._host(call)
        try:
            entity = self._entity_name(call, entity)
            return self._dispatch(call, host, entity, where, data)
        except HostError as exc:
            raise node_error(
                exc.code.upper(), exc.message, retryable=exc.code in RETRYABLE_DATA
            ) from None
        except DataError as exc:
            raise node_error(
                exc.code,
                exc.message,
                retryable=exc.code.lower() in RETRYABLE_DATA,
                details=exc.details,
            ) from None

    def _entity_name(self, call: FlowCall, entity: str) -> str:
        """A bare name the flow's package does not define, as the one package installed for
        the tenant that does (the original's entity names are global: `ForumPost` from a
        dashboard flow). Ambiguous or unknown names stay as they are (and fail as unknown)."""
        if "." in entity or self._db is None or self._defines(call.package_id, entity):
            return entity
        installed = [row["package_id"] for row in self._db.installed_packages.list(call.tenant_id)]
        owners = [p for p in installed if p != call.package_id and self._defines(p, entity)]
        return f"{owners[0]}.{entity}" if len(owners) == 1 else entity

    def _defines(self, package_id: str, entity: str) -> bool:
        try:
            self._database().schema.get(entity, package_id)
        except NotFoundError:
            return False
        return True

    def _dispatch(
        self, call: FlowCall, host: HostHandler, entity: str, where: Any, data: Any
    ) -> Any:
        p = call.params
        op = call.op
        many = any(k in p for k in ("limit", "sort", "offset"))
        by_id = where.get("id") if isinstance(where, dict) and set(where) == {"id"} else None
        if op == "database_read":
            if by_id is not None and not many:
                return host("db.read", {"entity": entity, "id": str(by_id)})
            rows = host(
                "db.list",
                {
                    "entity": entity,
                    "where": where,
                    "order_by": _sort(p.get("sort")),
                    "limit": p.get("limit") or (None if many else 1),
                    "offset": p.get("offset"),
                },
            )
            return rows if many else (rows[0] if rows else None)
        if op == "database_count":
            return host("db.count", {"entity": entity, "where": where})
        if op == "database_aggregate":
            groups = p.get("groupBy") or []
            entities = self._database().entities(self._scope(call), package=call.package_id)
            return entities.aggregate(
                entity,
                p.get("aggregations") or {},
                filter=where,
                group_by=[groups] if isinstance(groups, str) else groups,
            )
        write = self._write(op, entity, where, by_id, data)
        return self._once(call, op, write)

    @staticmethod
    def _write(
        op: str, entity: str, where: Any, by_id: Any, data: Any
    ) -> Callable[[EffectTx], Any]:
        writes_data = op in ("database_create", "database_update", "database_update_many")
        if writes_data and not isinstance(data, dict):
            raise node_error("BAD_PARAMETER", "data must be an object")
        if op == "database_create":
            return lambda tx: _jsonable(tx.entities.create(entity, data))
        if op == "database_update" and by_id is not None:
            return lambda tx: _jsonable(tx.entities.update(entity, str(by_id), data))
        if op == "database_delete" and by_id is not None:
            return lambda tx: _delete_by_id(tx, entity, str(by_id))
        if op in ("database_update", "database_update_many"):
            return lambda tx: _jsonable(tx.entities.update_many(entity, where, data))
        if op in ("database_delete", "database_delete_many"):
            return lambda tx: tx.entities.delete_many(entity, where)
        raise node_error("UNSUPPORTED", f"unknown database operation {op!r}")

    def _once(self, call: FlowCall, op: str, write: Callable[[EffectTx], Any]) -> Any:
        """One write, exactly once per node execution (the ledger commits with the write)."""
        key = EffectKey(f"{call.workflow_id}/flow/{call.key}", 0)
        scope = self._scope(call)
        return EffectLedger(self._database()).once(key, op, scope, call.package_id, write)

    # -- http -------------------------------------------------------------------------------

    @activity.defn(name=HTTP_ACTIVITY)
    async def http(self, call: FlowCall) -> Any:
        return await asyncio.to_thread(self._http, call)

    def _http(self, call: FlowCall) -> Any:
        p = call.params
        args: dict[str, Any] = {
            "method": str(p.get("method") or "GET"),
            "url": p.get("url"),
            "headers": p.get("headers") or {},
            "timeout_s": p.get("timeoutSeconds"),
        }
        body = p.get("body", p.get("json"))
        if isinstance(body, dict | list):
            args["json"] = body
        elif body is not None:
            args["body"] = body
        try:
            answer = self._host(call)("http.request", args)
        except HostError as exc:
            raise node_error(
                exc.code.upper(), exc.message, retryable=exc.code == "http_error"
            ) from None
        status = int(answer["status"])
        result = {
            "status": status,
            "headers": answer["headers"],
            "body": answer["json"] if answer["json"] is not None else answer["text"],
        }
        if status >= 400:
            raise node_error(
                f"HTTP_{status}",
                f"{args['method']} answered {status}",
                retryable=status in RETRYABLE_HTTP,
                details=result,
            )
        return result

    # -- email ------------------------------------------------------------------------------

    @activity.defn(name=EMAIL_ACTIVITY)
    async def email(self, call: FlowCall) -> Any:
        return await asyncio.to_thread(self._email, call)

    def _email(self, call: FlowCall) -> Any:
        db = self._database()
        kv = db.kv(Scope.system(call.tenant_id))
        sent_key = f"flow-email:{call.key}"
        if kv.get(sent_key) is not None:
            return kv.get(sent_key)
        tenant = db.tenants.get(call.tenant_id) or {}
        settings = tenant.get("settings") if isinstance(tenant.get("settings"), dict) else {}
        email = settings.get("email") if isinstance(settings, dict) else None
        smtp = email.get("smtp") if isinstance(email, dict) else None
        if not isinstance(smtp, dict) or not smtp.get("host") or not smtp.get("from"):
            raise node_error("EMAIL_NOT_CONFIGURED", "this tenant has no settings.email.smtp")
        p = call.params
        to = p.get("to")
        recipients = [str(r) for r in (to if isinstance(to, list) else [to]) if r]
        if not recipients or len(recipients) > MAX_RECIPIENTS:
            raise node_error("BAD_PARAMETER", f"to needs 1..{MAX_RECIPIENTS} recipients")
        message = EmailMessage()
        message["From"] = str(smtp["from"])
        message["To"] = ", ".join(recipients)
        message["Subject"] = str(p.get("subject") or "")
        message["Message-ID"] = f"<{call.key}@metabuilder.flows>"
        message.set_content(_email_text(p))
        if isinstance(p.get("html"), str):
            message.add_alternative(p["html"], subtype="html")
        password = None
        if isinstance(smtp.get("passwordSecret"), str):
            password = SettingsSecrets(db).get(call.tenant_id, smtp["passwordSecret"])
        try:
            with smtplib.SMTP(
                str(smtp["host"]), int(smtp.get("port") or 25), timeout=SMTP_TIMEOUT_S
            ) as client:
                if smtp.get("starttls"):
                    client.starttls()
                if smtp.get("username") and password is not None:
                    client.login(str(smtp["username"]), password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise node_error(
                "EMAIL_FAILED", f"SMTP: {type(exc).__name__}", retryable=True
            ) from None
        result = {"messageId": message["Message-ID"], "to": recipients}
        kv.set(sent_key, result, ttl_s=7 * 86400)
        return result

    # -- rate limit -------------------------------------------------------------------------

    @activity.defn(name=RATE_LIMIT_ACTIVITY)
    async def rate_limit(self, call: FlowCall) -> Any:
        return await asyncio.to_thread(self._rate_limit, call)

    def _rate_limit(self, call: FlowCall) -> Any:
        p = call.params
        limit, window = p.get("limit"), p.get("window")
        if not isinstance(limit, int) or not isinstance(window, int) or limit < 1 or window < 1:
            raise node_error("BAD_PARAMETER", "limit and window (ms) must be positive integers")
        slot = int(time.time() * 1000) // window
        key = f"flow-rl:{call.package_id}:{p.get('key')}:{slot}"[:200]
        ttl = max(window / 1000 * 2, 1.0)

        def incr(tx: EffectTx) -> int:
            value = tx.kv.incr(key)
            if value == 1:
                tx.kv.set(key, value, ttl_s=ttl)
            return value

        count = int(self._once(call, "kv.incr", incr))
        return {"allowed": count <= limit, "count": count, "limit": limit, "windowMs": window}


def flows_component(ctx: WorkerContext) -> Registration:
    acts = FlowActivities(host_for=ctx.host_for, db=ctx.db)
    events = EventActivities(
        client=ctx.client, task_queue=ctx.task_queue, catalog=ctx.catalog, db=ctx.db
    )
    return Registration(
        workflows=[FlowRun],
        activities=[acts.database, acts.http, acts.email, acts.rate_limit, events.fan_out],
    )
