"""Radio and TV channels: a schedule of packaged assets played out live by one ChannelRun.

    GET  {base}/channels                  the tenant's channels (level 1)
    POST {base}/channels                  {name, kind: radio|tv, assetIds} (admin): starts
                                          ChannelRun `{tenant}/media_center/ChannelRun/{id}`
    GET  {base}/channels/{id}             the channel, its EPG (now / next, from the run's
                                          `guide` query) and its live playlist URL
    GET  {base}/channels/{id}/live.m3u8   the sliding-window playlist the run keeps writing,
                                          each segment URI signed for a short while
    DELETE {base}/channels/{id}           (admin) take it off air: end the run, drop the row

Every scheduled asset plays its lowest HLS rung (all of a channel's assets share the job
ladder, so that rung has the same size everywhere): one rung keeps the live playlist a single
media playlist that every player follows.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import timedelta
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from temporalio.service import RPCError, RPCStatusCode

from dbal.errors import NotFoundError
from dbal.ids import new_id
from dbal.scope import ADMIN, Scope
from engine.workflows.channel_run import (
    CHANNEL_WORKFLOW,
    ChannelRun,
    ChannelRunInput,
    ScheduledAsset,
)
from engine.workflows.media_job import PACKAGE
from media.paths import MediaRoot
from media.signing import sign_path
from web.actions import read_json
from web.api.entity_http import JSONBody
from web.api.media_access import (
    ASSET,
    CHANNEL,
    caller,
    read_row,
    rows,
    signing_key,
)
from web.api.media_files import SIGNED_TTL_S, file_url
from web.api.runs import temporal, unavailable
from web.errors import ApiError
from web.services import services

MAX_ITEMS = 50
_FILE_URI = re.compile(r"^(/api/v1/[^/]+/media/files/[^/]+/)")


def channel_workflow_id(slug: str, channel_id: str) -> str:
    return f"{slug}/{PACKAGE}/{CHANNEL_WORKFLOW}/{channel_id}"


def live_ref(tenant_id: str, channel_id: str) -> str:
    return f"{tenant_id}/channels/{channel_id}/live.m3u8"


async def list_channels(request: Request) -> Response:
    svc = services(request)
    _, scope = await caller(request)
    page = await run_in_threadpool(rows(svc, scope).list, CHANNEL, sort="name", limit=100)
    return JSONBody({"items": page["items"]})


async def create_channel(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request, minimum=ADMIN)
    body = await read_json(request)
    name, kind, asset_ids = _channel_input(body)
    schedule = []
    for asset_id in asset_ids:
        asset = await read_row(svc, scope, ASSET, asset_id)
        schedule.append(_scheduled(tenant, asset))
    channel_id = new_id()
    started_at = time.time()
    workflow_id = channel_workflow_id(tenant["slug"], channel_id)
    row = {
        "id": channel_id,
        "userId": scope.user_id,
        "name": name,
        "kind": kind,
        "assetIds": asset_ids,
        "startedAt": started_at,
        "workflowId": workflow_id,
    }
    await run_in_threadpool(rows(svc, Scope.system(tenant["id"])).create, CHANNEL, row)
    spec = ChannelRunInput(
        tenant_id=tenant["id"],
        channel_id=channel_id,
        schedule=schedule,
        output=live_ref(tenant["id"], channel_id),
        started_at=started_at,
    )
    client = await temporal(svc)
    await client.start_workflow(
        ChannelRun.run,
        spec,
        id=workflow_id,
        task_queue=svc.settings.task_queue,
        execution_timeout=timedelta(days=3650),
    )
    created = await read_row(svc, scope, CHANNEL, channel_id)
    return JSONBody(created, status_code=201)


def _channel_input(body: Any) -> tuple[str, str, list[str]]:
    if not isinstance(body, dict):
        raise ApiError(422, "expected {name, kind, assetIds}")
    name, kind, ids = body.get("name"), body.get("kind", "tv"), body.get("assetIds")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise ApiError(422, "name: 1..120 characters", details={"field": "name"})
    if kind not in ("radio", "tv"):
        raise ApiError(422, "kind: radio or tv", details={"field": "kind"})
    if (
        not isinstance(ids, list)
        or not 1 <= len(ids) <= MAX_ITEMS
        or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in ids)
    ):
        raise ApiError(422, f"assetIds: 1..{MAX_ITEMS} asset ids", details={"field": "assetIds"})
    return name.strip(), kind, ids


def _scheduled(tenant: dict[str, Any], asset: dict[str, Any]) -> ScheduledAsset:
    hls = (asset.get("metadata") or {}).get("hls")
    playlists = hls.get("playlists") if isinstance(hls, dict) else None
    prefix = f"{tenant['id']}/{asset['id']}/"
    if not playlists or not all(isinstance(p, str) and p.startswith(prefix) for p in playlists):
        raise ApiError(409, f"asset {asset['id']} has no HLS stream yet",
                       details={"assetId": asset["id"]})  # fmt: skip
    playlist = playlists[-1]  # the ladder is tallest first: the last rung is the smallest
    uri = file_url(tenant["slug"], asset["id"], playlist.removeprefix(prefix))
    return ScheduledAsset(asset["id"], str(asset["originalName"]), playlist, uri)


async def get_channel(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    row = await read_row(svc, scope, CHANNEL, request.path_params["channel_id"])
    guide: list[dict[str, Any]] = []
    on_air = False
    try:
        client = await svc.temporal.client()
        handle = client.get_workflow_handle(channel_workflow_id(tenant["slug"], row["id"]))
        answer = await handle.query(ChannelRun.guide)
        on_air = answer.on_air
        guide = [
            {"assetId": a.asset_id, "title": a.title, "startsAt": a.starts_at, "endsAt": a.ends_at}
            for a in answer.guide
        ]
    except (RPCError, RuntimeError, OSError):
        on_air = False  # the run is gone or Temporal is away: an empty guide, not an error
    live = f"/api/v1/{tenant['slug']}/media/channels/{row['id']}/live.m3u8"
    return JSONBody({**row, "onAir": on_air, "guide": guide, "liveUrl": live})


async def live_playlist(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request)
    row = await read_row(svc, scope, CHANNEL, request.path_params["channel_id"])
    try:
        path = MediaRoot(svc.settings.media_dir).resolve_for(
            tenant["id"], live_ref(tenant["id"], row["id"])
        )
        text = await anyio.Path(path).read_text()
    except (OSError, NotFoundError) as exc:
        raise ApiError(404, "the channel is not on air yet") from exc
    return Response(
        sign_segments(text, signing_key(svc)),
        media_type="application/vnd.apple.mpegurl",
        headers={"Cache-Control": "no-store"},
    )


async def delete_channel(request: Request) -> Response:
    svc = services(request)
    tenant, scope = await caller(request, minimum=ADMIN)
    row = await read_row(svc, scope, CHANNEL, request.path_params["channel_id"])
    client = await temporal(svc)
    try:
        await client.get_workflow_handle(channel_workflow_id(tenant["slug"], row["id"])).terminate(
            "channel deleted"
        )
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise unavailable(exc) from exc
    await run_in_threadpool(rows(svc, Scope.system(tenant["id"])).delete, CHANNEL, row["id"])
    live = MediaRoot(svc.settings.media_dir).resolve_for(
        tenant["id"], live_ref(tenant["id"], row["id"])
    )
    shutil.rmtree(live.parent, ignore_errors=True)
    return Response(status_code=204)


def sign_segments(text: str, key: bytes) -> str:
    """Each segment URI of a live playlist signed for its own asset's folder."""
    out = []
    for line in text.splitlines():
        match = _FILE_URI.match(line) if line and not line.startswith("#") else None
        if match:
            line = sign_path(line, key, ttl_s=SIGNED_TTL_S, scope=match.group(1))
        out.append(line)
    return "\n".join(out) + "\n"


def routes(base: str) -> list[BaseRoute]:
    return [
        Route(base + "/channels", list_channels, methods=["GET"]),
        Route(base + "/channels", create_channel, methods=["POST"]),
        Route(base + "/channels/{channel_id}", get_channel, methods=["GET"]),
        Route(base + "/channels/{channel_id}", delete_channel, methods=["DELETE"]),
        Route(base + "/channels/{channel_id}/live.m3u8", live_playlist, methods=["GET"]),
    ]
