"""Pages in real Chromium: the original `ui_home` landing page (imported from the original
project) and our hello page render with their styles, respond to 375 px and 1280 px widths,
and a button click runs an action through Temporal and updates the page.

One site for the module: the real app under uvicorn and a real worker on the session's
Temporal dev server, over SQLite; the original packages are imported into a temp dir.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from temporalio.client import Client

from dbal.database import Database
from dbal.scope import Scope
from engine.cli import services
from engine.cli.stack import serve_until, web_server
from engine.config import load_settings
from engine.packages.importer import import_original
from engine.packages.lifecycle import PackageManager
from engine.temporal_client import TemporalConnection
from engine.temporal_server import TemporalDevServer
from tests.compat import ORIGINAL_HEAD_PACKAGES, ORIGINAL_JAN8_PACKAGES, requires_original
from tests.fixtures.browser import artifact, browser  # noqa: F401
from tests.fixtures.ports import free_port
from tests.fixtures.temporal import temporal_client, temporal_server  # noqa: F401
from worker.main import run_worker
from worker.script_host import host_factory

pytestmark = [pytest.mark.browser, pytest.mark.temporal, pytest.mark.slow]

# ui_home and what it depends on; importing just these keeps the fixture fast
LANDING_PACKAGES = ("ui_home", "ui_header", "ui_footer", "ui_permissions")
WIDE, NARROW = 1280, 375


@dataclass
class Site:
    url: str
    db: Database


@pytest_asyncio.fixture(scope="module")
async def site(
    tmp_path_factory: pytest.TempPathFactory,
    temporal_server: TemporalDevServer,  # noqa: F811
    temporal_client: Client,  # noqa: F811
) -> AsyncIterator[Site]:
    work = tmp_path_factory.mktemp("browser-pages")
    settings = load_settings({}, data_dir=work / "var").with_overrides(
        database_url=f"sqlite:///{work / 'app.db'}",
        web_port=free_port(),
        task_queue=f"test-{uuid.uuid4()}",
    )
    packages_dirs: tuple[Path, ...] = settings.packages_dirs
    if ORIGINAL_JAN8_PACKAGES.is_dir():
        packages_dirs += (_import_landing(work),)
    settings = settings.with_overrides(packages_dirs=packages_dirs)
    db = services.open_database(settings)
    catalog = services.build_catalog(settings)
    services.bootstrap(db, catalog)  # the default tenant with hello_world
    if ORIGINAL_JAN8_PACKAGES.is_dir():
        landing = services.create_tenant(db, "landing", "Landing")
        PackageManager(db, catalog).install(landing["id"], "ui_home")
    conn = TemporalConnection(temporal_server.target, "default", temporal_client)
    app = services.build_app(settings, db, catalog, conn)
    stop = asyncio.Event()
    ready = asyncio.Event()
    worker = asyncio.create_task(
        run_worker(
            temporal_client,
            task_queue=settings.task_queue,
            catalog=catalog,
            host_for=host_factory(db),
            stop=stop,
            db=db,
            pool_size=1,
            on_ready=ready.set,
        )
    )
    await asyncio.wait_for(ready.wait(), 60)
    server = web_server(settings, app)
    web = asyncio.create_task(serve_until(server, stop))
    while not server.started:
        assert not web.done(), "the web server did not start"
        await asyncio.sleep(0.02)
    try:
        yield Site(settings.web_url, db)
    finally:
        stop.set()
        await asyncio.gather(web, worker)
        db.close()


def _import_landing(work: Path) -> Path:
    source = work / "original"
    source.mkdir()
    for name in LANDING_PACKAGES:
        (source / name).symlink_to(ORIGINAL_JAN8_PACKAGES / name, target_is_directory=True)
    out = work / "imported"
    results = import_original(source, out, head=ORIGINAL_HEAD_PACKAGES)
    assert all(r.valid for r in results), [r.summary() for r in results if not r.valid]
    return out


@pytest_asyncio.fixture
async def tab(browser: Browser) -> AsyncIterator[Page]:  # noqa: F811
    context = await browser.new_context(viewport={"width": WIDE, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == [], errors


async def style(page: Page, selector: str, *props: str) -> dict[str, str]:
    return dict(
        await page.eval_on_selector(
            selector,
            "(el, props) => { const s = getComputedStyle(el);"
            " return Object.fromEntries(props.map(p => [p, s.getPropertyValue(p)])); }",
            list(props),
        )
    )


async def layout(page: Page, selector: str) -> list[dict[str, float]]:
    boxes: list[dict[str, float]] = await page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {left: Math.round(r.left), top: Math.round(r.top), width: r.width}; })",
    )
    return boxes


async def overflow(page: Page) -> int:
    """How far the page is wider than the viewport (0: no horizontal scrolling)."""
    width: int = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


async def at_width(page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900})
    await page.wait_for_function(f"window.innerWidth === {width}")


@requires_original
async def test_the_original_landing_page_is_styled_and_responsive(site: Site, tab: Page) -> None:
    response = await tab.goto(site.url + "/landing")
    assert response is not None and response.status == 200
    await expect(tab.locator(".hero-title")).to_have_text("Build Anything, Visually")

    wide_title = await style(tab, ".hero-title", "font-size", "background-image", "font-weight")
    assert wide_title["font-size"] == "64px"  # 4rem from sx {xs: 2.5rem, sm: 3.5rem, md: 4rem}
    assert wide_title["background-image"].startswith("linear-gradient")
    assert wide_title["font-weight"] == "700"
    grid = await style(tab, ".features-grid", "display", "column-gap")
    assert grid == {"display": "grid", "column-gap": "24px"}
    cards = await layout(tab, ".feature-card")
    assert len(cards) == 6
    assert len({c["top"] for c in cards}) == 2  # three cards a row
    assert len({c["left"] for c in cards}) == 3
    ctas = await style(tab, ".hero-cta-group", "flex-direction")
    assert ctas["flex-direction"] == "row"
    primary = await style(tab, ".hero-cta-primary", "background-color", "border-radius")
    assert primary["background-color"] not in ("rgba(0, 0, 0, 0)", "rgb(239, 239, 239)")
    assert primary["border-radius"] == "8px"
    assert await overflow(tab) == 0
    await tab.screenshot(path=artifact("ui_home-1280.png"), full_page=True)

    await at_width(tab, NARROW)
    narrow_title = await style(tab, ".hero-title", "font-size")
    assert narrow_title["font-size"] == "40px"  # 2.5rem below 600 px
    cards = await layout(tab, ".feature-card")
    assert len({c["top"] for c in cards}) == 6  # one card a row
    assert len({c["left"] for c in cards}) == 1
    assert all(c["width"] <= NARROW for c in cards)
    ctas = await style(tab, ".hero-cta-group", "flex-direction")
    assert ctas["flex-direction"] == "column"
    assert await overflow(tab) == 0
    await tab.screenshot(path=artifact("ui_home-375.png"), full_page=True)


async def test_the_hello_page_is_styled_responsive_and_counts_a_click_through_temporal(
    site: Site, tab: Page
) -> None:
    tenant = site.db.tenants.get_by_slug("default")
    assert tenant is not None
    site.db.kv(Scope.public(tenant["id"])).set("counter", 0)
    await tab.goto(site.url + "/default/hello")
    await tab.wait_for_function("window.MetaBuilder !== undefined")
    counter = tab.locator("#counter")
    await expect(counter).to_have_text("Count: 0")

    button = await style(tab, "#increment", "background-color", "color", "cursor")
    assert button["background-color"] == "rgb(61, 90, 254)"  # colors.primary of tokens.json
    assert button["color"] == "rgb(255, 255, 255)"
    heading = await style(tab, "h1", "font-size", "font-family")
    assert "Times" not in heading["font-family"]  # the base stylesheet's font, not the UA's
    wide = (await layout(tab, ".mb-container"))[0]
    assert wide["width"] <= 600 and wide["left"] > 300  # maxWidth sm, centred
    assert await overflow(tab) == 0
    await tab.screenshot(path=artifact("hello-1280.png"), full_page=True)

    await at_width(tab, NARROW)
    narrow = (await layout(tab, ".mb-container"))[0]
    assert narrow["width"] <= NARROW and narrow["left"] < 40
    assert await overflow(tab) == 0
    await tab.screenshot(path=artifact("hello-375.png"), full_page=True)

    # the first load is cached; the click's write must still show up
    await tab.locator("#increment").click()
    await expect(counter).to_have_text("Count: 1", timeout=30_000)
    await tab.locator("#increment").click()
    await expect(counter).to_have_text("Count: 2", timeout=30_000)
    assert site.db.kv(Scope.public(tenant["id"])).get("counter") == 2
    await tab.reload()
    await expect(tab.locator("#counter")).to_have_text("Count: 2")
    await tab.screenshot(path=artifact("hello-after-clicks.png"), full_page=True)
