from tests.fixtures.databases import database, database_url  # noqa: F401
