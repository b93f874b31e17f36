"""What a worker component sees and returns: the leaf module that `worker/main.py` and every
component module (`worker/media.py`, ...) import, so that no component imports `worker.main`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.client import Client

from dbal.database import Database
from engine.packages import Catalog
from scripts_runtime.sandbox import SandboxPool
from worker.activities import HostFactory


@dataclass
class WorkerContext:
    """What a component may use to build its activities."""

    client: Client
    task_queue: str
    catalog: Catalog
    host_for: HostFactory
    pool: SandboxPool
    db: Database | None = None
    data_dir: Path | None = None


@dataclass
class Registration:
    workflows: list[type] = field(default_factory=list)
    activities: list[Callable[..., Any]] = field(default_factory=list)


Component = Callable[[WorkerContext], Registration]
