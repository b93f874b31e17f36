"""Worker side of EntityImport (engine.workflows.entity_import): the import activity.

The import is blocking database work and runs in a thread; the activity's coroutine
heartbeats the report's counters every second meanwhile, so progress shows on the pending
activity and a cancelled or lost run is noticed. The uploaded file is deleted afterwards,
whatever happened. Without a database or data directory the component registers nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from temporalio import activity

from dbal import entity_import
from dbal.database import Database
from dbal.entity_import import Report
from dbal.errors import DataError
from dbal.scope import Scope
from engine.workflows.entity_import import IMPORT_ACTIVITY, EntityImport, EntityImportInput
from worker.component import Registration, WorkerContext

CHUNK = 256 * 1024


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


class EntityImportActivities:
    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.data_dir = data_dir.resolve()

    @activity.defn(name=IMPORT_ACTIVITY)
    async def import_rows(self, params: EntityImportInput) -> dict[str, Any]:
        path = (self.data_dir / params.file).resolve()
        if not path.is_relative_to(self.data_dir / "imports"):
            raise ValueError("the import file must be under the data directory's imports/")
        report = Report(dry_run=params.dry_run, mode=params.mode)

        def run() -> None:
            scope = Scope.for_user(params.tenant_id, params.user_id, params.user_level)
            reader = entity_import.records(params.format, chunks(path))
            entity_import.import_rows(
                self.db, scope, params.package_id, params.entity, reader, report
            )

        task = asyncio.create_task(asyncio.to_thread(run))
        try:
            while not task.done():
                activity.heartbeat({"total": report.total, "valid": report.valid})
                await asyncio.wait({task}, timeout=1.0)
            try:
                task.result()
            except DataError as exc:  # refused as a whole (level, bad file): part of the report
                report.error(None, None, exc.message)
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return report.as_json()


def entity_import_component(ctx: WorkerContext) -> Registration:
    if ctx.db is None or ctx.data_dir is None:
        return Registration()
    activities = EntityImportActivities(ctx.db, ctx.data_dir)
    return Registration(workflows=[EntityImport], activities=[activities.import_rows])
