from tests.engine.processes import slow_url, workers  # noqa: F401
from tests.fixtures.databases import database, database_url  # noqa: F401
from tests.fixtures.temporal import task_queue, temporal_client, temporal_server  # noqa: F401
