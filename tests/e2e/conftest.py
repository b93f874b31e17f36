from tests.fixtures.browser import browser, page  # noqa: F401
from tests.fixtures.databases import database_url  # noqa: F401
