from tests.fixtures.browser import browser, page  # noqa: F401
