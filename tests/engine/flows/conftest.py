from tests.engine.flows.harness import sandbox_pool, stack, world  # noqa: F401
from tests.fixtures.databases import database, database_url  # noqa: F401
from tests.fixtures.temporal import (  # noqa: F401
    task_queue,
    temporal_client,
    temporal_server,
    time_skipping_env,
)
