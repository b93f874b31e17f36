from tests.fixtures.temporal import task_queue, temporal_client, temporal_server  # noqa: F401
